//! `webhooks-receiver`: serve a durable webhook endpoint, send samples to one, inspect and
//! re-drive dead letters.

use std::process::ExitCode;

fn main() -> ExitCode {
    webhooks_receiver::cli::main()
}
