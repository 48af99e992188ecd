//! The `claimbench` command line: parses arguments and calls the library (see `cli/`).

#![forbid(unsafe_code)]

mod cli;

use clap::Parser;
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    claimbench::secrets::register_environment();
    match cli.execute() {
        Ok(cli::Verdict::Fine) => ExitCode::SUCCESS,
        Ok(cli::Verdict::Failed) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {}", claimbench::secrets::scrub(&e.to_string()));
            ExitCode::from(2)
        }
    }
}
