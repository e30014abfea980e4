//! The `flameiq` binary: parse arguments, dispatch to a subcommand, map the outcome to the
//! exit code, print errors as one line on stderr.

mod cli;

use clap::Parser;
use std::process::ExitCode;

/// musl's allocator is slow under churn and threads (see Cargo.toml); glibc's is kept.
#[cfg(target_env = "musl")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    restore_sigpipe();
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
            // Error messages name files and metric keys: escaped like every human line.
            eprintln!("error: {}", flameiq::render::fmt::escape_terminal(&msg));
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// Rust ignores SIGPIPE, so `flameiq compare --json | head` would make `println!` panic on
/// a closed pipe. Like `cat` or `grep`, a command whose reader went away should just stop:
/// restore the default disposition so the kernel ends the process quietly.
#[cfg(unix)]
fn restore_sigpipe() {
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_sigpipe() {}
