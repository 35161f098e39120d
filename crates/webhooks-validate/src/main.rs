//! `webhooks-validate`: checks LiveChat webhook bodies against the schemas of an API version
//! (the stable one, 3.6, unless `--api-version` names another) from the command line. See
//! `webhooks-validate --help`.

use std::process::ExitCode;

/// The allocator of the command (feature `mimalloc`, on by default): a stream of bodies is
/// many small allocations made on several threads at once.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let env = webhooks_validate::cli::Environment::of_process();
    let stdin = std::io::stdin();
    let status = webhooks_validate::cli::run(
        &args,
        &env,
        &mut stdin.lock(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    ExitCode::from(status)
}
