//! The `refgap` binary: runs [`refgap::cli::run`] and maps its result to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    match refgap::cli::run(std::env::args_os()) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`refgap run ... | head`) is the reader's choice, not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        // Usage errors, `--help` and `--version`: clap prints them (help to stdout) and knows
        // their exit code.
        Err(e) if e.downcast_ref::<clap::Error>().is_some() => {
            let e = e.downcast_ref::<clap::Error>().expect("checked above");
            let _ = e.print();
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
        }
        // A failure that a retry may cure (storage or network busy, gone for a moment, full):
        // exit 75 (EX_TEMPFAIL) so a scheduler can requeue the task.
        Err(e) if refgap::cli::is_transient(&e) => {
            eprintln!("error: {e:#}");
            eprintln!("(a transient failure: running the same command again may succeed; exit code 75)");
            ExitCode::from(refgap::cli::EXIT_TEMPFAIL)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
