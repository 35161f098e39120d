//! `webhooks-validate`: checks LiveChat webhook bodies against the API v3.5 schemas from the
//! command line. See `webhooks-validate --help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdin = std::io::stdin();
    let status = webhooks_validate::cli::run(
        &args,
        &mut stdin.lock(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    ExitCode::from(status)
}
