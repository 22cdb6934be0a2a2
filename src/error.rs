//! The library's error type: every variant names the file it is about, and scenario problems
//! name the table, the id and the key, say what is wrong and what is allowed.
//!
//! The binary wraps these in `anyhow` and prints the whole chain (`{:#}`), so a variant's
//! message never repeats its `source`; the library never panics on bad input.

use std::fmt;
use std::path::PathBuf;

/// One thing wrong (or worth a warning) in a scenario, located by table, id and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: e.g. `[[channel]] "CIV.labour->CIV.shelter" quality`, or `authorities.csv line 4`.
    pub location: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(location: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            location: location.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Everything that can go wrong in refgap's library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scenario file or table could not be read from disk.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file that could not be read.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// An input file breaks a reading rule (not a regular file, too large, not UTF-8).
    #[error("{reason}")]
    Input {
        /// The file.
        path: PathBuf,
        /// Which rule, and what to do; names the file.
        reason: String,
    },
    /// The scenario file is not valid TOML, or a key has the wrong type or is unknown.
    #[error("{}: {message}", path.display())]
    Syntax {
        /// The scenario file.
        path: PathBuf,
        /// The parser's message, with line, column and key.
        message: String,
    },
    /// The file parsed, but its content breaks the model's rules.
    #[error("{} is not a valid scenario ({} problem{}):{}", path.display(), problems.len(),
            if problems.len() == 1 { "" } else { "s" }, list(problems))]
    Invalid {
        /// The scenario file.
        path: PathBuf,
        /// Every problem found, in file order.
        problems: Vec<Problem>,
    },
    /// A file given with `--intervention` parsed, but its interventions or sweeps do not fit
    /// the scenario.
    #[error("{} is not a valid intervention file for {} ({} problem{}):{}", path.display(), scenario.display(),
            problems.len(), if problems.len() == 1 { "" } else { "s" }, list(problems))]
    InvalidInterventions {
        /// The intervention file.
        path: PathBuf,
        /// The scenario it was applied to.
        scenario: PathBuf,
        /// Every problem found, in file order.
        problems: Vec<Problem>,
    },
    /// A numerical method failed on a valid scenario (e.g. a singular system).
    #[error("{}: {what}", path.display())]
    Numerical {
        /// The scenario file.
        path: PathBuf,
        /// What failed, for which cohort.
        what: String,
    },
    /// A results file or folder could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file or folder being written.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// A results folder may not be written: something refgap did not write is in the way, the
    /// folder is an input of the run, or another run holds it.
    #[error("refusing to write {}: {reason}", path.display())]
    OutputRefused {
        /// The results folder.
        path: PathBuf,
        /// What is in the way and what to do.
        reason: String,
    },
    /// A shard file (or a run checkpoint) is missing, damaged, or belongs to another run.
    #[error("{}: {reason}", path.display())]
    Shard {
        /// The shard file (or the folder of shards).
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
}

impl Error {
    /// Whether the failure may pass if the same command is simply run again: an operating
    /// system error of reading or writing that says the storage or the network was busy, gone
    /// for a moment, or full. Invalid inputs, refused folders and
    /// damaged shards are not transient: running again would fail the same way.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Read { source, .. } | Error::Write { source, .. } => is_transient_io(source),
            _ => false,
        }
    }
}

/// Whether an I/O error is of a kind that a retry can cure: interrupted, timed out, busy, a
/// stale network file handle, a lost connection, or storage full or over quota (a cluster's
/// scratch space is freed by others; the retry reruns the task, which is cheap next to losing
/// the array).
pub(crate) fn is_transient_io(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        Interrupted
            | TimedOut
            | WouldBlock
            | ResourceBusy
            | StaleNetworkFileHandle
            | ConnectionReset
            | ConnectionAborted
            | NotConnected
            | NetworkDown
            | NetworkUnreachable
            | HostUnreachable
            | StorageFull
            | QuotaExceeded
    )
}

fn list(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("\n  - {p}")).collect()
}

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
