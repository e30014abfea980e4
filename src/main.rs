//! The `flameiq` binary: parse arguments, dispatch to a subcommand, map the outcome to the
//! exit code, print errors as one line on stderr.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_logging(&args.global);
    let json_errors = args.command.json_errors();
    match cli::dispatch(args) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            let msg = e.to_string();
            if let Some(shape) = json_errors {
                println!("{}", shape.render(&msg));
            }
            eprintln!("error: {msg}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
