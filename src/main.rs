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
    #[cfg(target_env = "musl")]
    tune_mimalloc();
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

/// mimalloc advises its large regions as transparent huge pages, resident 2 MB at a time:
/// turned off, one metric per line peaks ~8 % lower (issue 19 item 9; docs/performance.md:
/// cargo-bench 3.00x to 2.77x the input) at no measured cost in speed (`changes` over
/// 10,000 metrics x 1,000 runs). Its other memory knob, returning freed pages at once
/// (`purge_delay` 0), would cut more (go with distinct names 3.2x to 2.8x) but costs `changes`
/// 15 % more CPU in page faults there, so it is left at its default. A `MIMALLOC_ALLOW_THP`
/// set by the user wins.
#[cfg(target_env = "musl")]
fn tune_mimalloc() {
    use std::ffi::{c_int, c_long};
    extern "C" {
        fn mi_option_set(option: c_int, value: c_long);
    }
    // The `mi_option_t` value of the mimalloc v3 sources in libmimalloc-sys 0.1.49 (the
    // version Cargo.lock pins; check `mimalloc.h` when upgrading it).
    const ALLOW_THP: c_int = 43;
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: mimalloc's documented option setter; 0 is valid for this option. It only
        // stops later regions being advised as huge pages; the process-wide switch below
        // covers the ones mapped before `main`.
        unsafe { mi_option_set(ALLOW_THP, 0) };
        // SAFETY: PR_SET_THP_DISABLE takes integer arguments (passed at their full width:
        // the kernel refuses nonzero unused ones) and touches no memory of ours.
        let (on, zero): (libc::c_ulong, libc::c_ulong) = (1, 0);
        unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, on, zero, zero, zero) };
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
