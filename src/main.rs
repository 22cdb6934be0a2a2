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
