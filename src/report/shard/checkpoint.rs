//! A run's checkpoint looked up for `refgap run --resume`: the shard of the run's first work
//! items if it is there, intact and of this very run; otherwise why not (no file, a file that
//! cannot be read, the checkpoint of another run), for the command to say.

use std::path::Path;

use super::{RunId, Shard};

/// What `--resume` finds in a run's checkpoint folder.
#[derive(Debug)]
pub enum Resume {
    /// The checkpoint of this very run: the tallies of its first work items.
    From(Box<Shard>),
    /// There is no checkpoint file.
    NoCheckpoint,
    /// The file cannot be read, or is not an intact checkpoint of this refgap: what is wrong
    /// with it (e.g. `is not an intact shard file (...): it was cut short or damaged`).
    Unreadable(String),
    /// An intact checkpoint of another run.
    OtherRun {
        /// The first key of [`RunId`] in which the runs differ (`trials`, `seed`, `scenario`...).
        key: String,
        /// Its value in the checkpoint's run (JSON, at most 80 characters).
        was: String,
        /// Its value in this run.
        now: String,
    },
}

/// Looks up the checkpoint of `run` in the checkpoint folder `dir` (see
/// [`crate::report::folder::CHECKPOINT`]).
pub fn checkpoint(dir: &Path, run: &RunId) -> Resume {
    let path = dir.join(crate::report::folder::CHECKPOINT);
    if matches!(path.try_exists(), Ok(false)) {
        return Resume::NoCheckpoint;
    }
    let shard = match Shard::load(&path) {
        Ok(shard) => shard,
        // The advice of `e` is for a shard of a sharded run ("run its shard again"): a
        // checkpoint that cannot be used is simply not resumed.
        Err(e) => return Resume::Unreadable(e.what),
    };
    if shard.run != *run {
        // `difference` walks the keys of its receiver: look from this run too, for a key that
        // only it has (an uncertainty run's `design`).
        let (key, was, now) = (shard.run.difference(run))
            .or_else(|| run.difference(&shard.run).map(|(key, now, was)| (key, was, now)))
            .unwrap_or_default();
        return Resume::OtherRun { key, was, now };
    }
    if shard.index != 0 || shard.items[0] != 0 {
        // refgap writes a checkpoint from item 0: this one was edited by hand.
        let [start, end] = shard.items;
        return Resume::Unreadable(format!(
            "covers work items {start}..{end} instead of the run's first items: it was edited by hand"
        ));
    }
    Resume::From(Box::new(shard))
}
