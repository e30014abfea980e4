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
    if args.command.reads_benchmark_output() {
        hold_less_memory();
    }
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

/// For the commands that read a benchmark tool's output (`run`, `compare`, `ci`, `validate`),
/// mimalloc gives freed pages back at once and maps no transparent huge pages (issue 19
/// item 9). With its defaults it keeps a vector's old block through the peak (freed pages
/// are returned after 1 s) and makes large regions resident 2 MB at a time: the static
/// binary then peaked at 3.1-3.4 times a go log with every name distinct, over the 3x
/// budget of `scripts/bench-memory.sh`, where glibc's build is at 2.5. The history readers
/// (`changes`, `dashboard`) keep the defaults: for them the same settings cost 9-15 % of
/// their speed in page faults and TLB misses (docs/performance.md). A `MIMALLOC_PURGE_DELAY`
/// or `MIMALLOC_ALLOW_THP` set by the user wins.
#[cfg(target_env = "musl")]
fn hold_less_memory() {
    use std::ffi::{c_int, c_long};
    extern "C" {
        fn mi_option_set(option: c_int, value: c_long);
    }
    // `mi_option_t` values of the mimalloc sources in the libmimalloc-sys version Cargo.lock
    // pins (check `mimalloc.h` when upgrading it).
    const PURGE_DELAY: c_int = 15;
    const ALLOW_THP: c_int = 43;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mimalloc's documented option setter; any value is valid for this option.
        unsafe { mi_option_set(PURGE_DELAY, 0) };
    }
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: as above; the option only stops later regions being advised as huge pages.
        unsafe { mi_option_set(ALLOW_THP, 0) };
        // SAFETY: PR_SET_THP_DISABLE takes integer arguments (passed at their full width: the
        // kernel refuses nonzero unused ones) and touches no memory of ours.
        let (on, zero): (libc::c_ulong, libc::c_ulong) = (1, 0);
        unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, on, zero, zero, zero) };
    }
}

/// glibc's allocator already gives large blocks back (and grows them by remapping): the
/// glibc build meets the budget as it is.
#[cfg(not(target_env = "musl"))]
fn hold_less_memory() {}

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
