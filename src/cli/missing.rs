//! `refgap missing`: list the shards of a folder of shards that are not there, or not intact, in
//! the form `sbatch --array=` takes, so that only those tasks are submitted again. Each shard is
//! checked on its own (intact, of its index and of this count); whether the shards belong to one
//! run (seed, scenario version...) is `merge`'s check, which names any stray shard.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::run::MAX_SHARDS;
use crate::report::shard;

#[derive(Debug, Args)]
pub(super) struct MissingArgs {
    /// The folder of shards (`OUT/<name>-shards`, written by `refgap run --shard I/N --out OUT`).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Shards in the set (the N of `--shard I/N`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_SHARDS))]
    shards: u64,
    /// Print nothing on stderr.
    #[arg(long, short)]
    quiet: bool,
}

pub(super) fn missing(args: &MissingArgs) -> Result<()> {
    let absent = shard::missing(&args.dir, args.shards);
    if !absent.is_empty() {
        println!("{}", shard::ranges(&absent));
    }
    if !args.quiet {
        eprintln!(
            "{} of {} shard(s) missing or damaged in {}",
            absent.len(),
            args.shards,
            args.dir.display()
        );
    }
    Ok(())
}
