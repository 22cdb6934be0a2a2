//! `refgap merge`: check that a folder of shards is one complete run and write the results
//! folder that the same run on one machine writes, byte for byte.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use crate::engine::part::finish;
use crate::report::Report;
use crate::report::shard::ShardSet;
use crate::scenario::Scenario;
use crate::scenario::input::InputRules;

#[derive(Debug, Args)]
pub(super) struct MergeArgs {
    /// The folder of shards (`OUT/<name>-shards`, written by `refgap run --shard I/N --out OUT`).
    #[arg(value_name = "SHARD_DIR")]
    dir: PathBuf,
    /// Folder that receives the results folder `<name>`, as `refgap run --out` does.
    #[arg(long, value_name = "DIR", default_value = "results")]
    out: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

pub(super) fn merge(args: &MergeArgs) -> Result<()> {
    let set = ShardSet::load(&args.dir)?;
    let s = reload(&set)?;
    set.check_scenario(&s)?;
    let folder = super::reserve(&s, &args.out.join(&set.run.name), args.quiet)?;
    let dir = folder.dir().to_path_buf();
    let config = set.run.config();
    let result = finish(&s, &config, set.merged());
    let mut report = Report::new(&s, &result);
    // The scenario was read again from absolute paths: the manifest names the files as the
    // shards' command line gave them, as a one-machine run's manifest does.
    report.manifest.scenario.file.clone_from(&set.run.scenario.file);
    for (f, id) in report
        .manifest
        .intervention_files
        .iter_mut()
        .zip(&set.run.interventions)
    {
        f.file.clone_from(&id.file);
    }
    folder
        .commit(&report.files())
        .with_context(|| format!("cannot write the merged results of {}", args.dir.display()))?;
    if !args.quiet {
        eprintln!(
            "wrote {} (merged {} shard(s): {} cohort(s) × {} trials, seed {})",
            dir.display(),
            set.run.count,
            set.run.cohorts.len(),
            set.run.trials,
            set.run.seed
        );
    }
    Ok(())
}

/// The scenario of the shards, read again with the options they were run with.
fn reload(set: &ShardSet) -> Result<Scenario> {
    let inputs = &set.inputs;
    let rules = InputRules {
        allow_outside: inputs.allow_outside_tables,
        max_bytes: inputs.max_input_bytes,
    };
    let mut s = Scenario::load_with(&inputs.scenario, rules)
        .context("cannot read the scenario the shards were run on again")?;
    if inputs.no_variants {
        s = s.without_variants();
    }
    for f in &inputs.interventions {
        s = s.with_variants_file(f)?;
    }
    Ok(s.with_seed(set.run.seed).with_trials(set.run.trials)?)
}
