//! `refgap merge`: check that a folder of shards is one complete run and write the results
//! folder that the same run on one machine writes, byte for byte.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use crate::engine::part::finish;
use crate::report::Report;
use crate::report::manifest::Manifest;
use crate::report::shard::ShardSet;
use crate::report::uncertainty::UncertaintyWriter;
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
    let files = match &set.run.design {
        None => {
            let mut report = Report::new(&s, &finish(&s, &set.run.config(), set.merged()));
            as_given(&mut report.manifest, &set);
            report.files()
        }
        Some(d) => {
            let design = super::uncertainty::design_named(&d.name, d.samples as usize, d.factors, set.run.seed)?;
            // The same writer as a one-machine run, fed the shards' worlds in design order.
            let mut writer = UncertaintyWriter::start(&folder, &s, false)?;
            writer.push(&set.samples())?;
            let mut report = writer.finish(&design, set.run.seed, None)?;
            as_given(&mut report.manifest, &set);
            report.files()
        }
    };
    folder
        .commit(&files)
        .with_context(|| format!("cannot write the merged results of {}", args.dir.display()))?;
    if !args.quiet {
        eprintln!(
            "wrote {} (merged {} shard(s) of {} cohort(s), seed {})",
            dir.display(),
            set.run.count,
            set.run.cohorts.len(),
            set.run.seed
        );
    }
    Ok(())
}

/// The scenario was read again from absolute paths: the manifest names the files as the
/// shards' command line gave them, as a one-machine run's manifest does.
fn as_given(manifest: &mut Manifest, set: &ShardSet) {
    // The recorded command names the files as the manifest does: replace the absolute paths
    // the scenario was read again from (the command starts with the scenario, then the
    // intervention files in order, so the first match of each is the one).
    let mut command = std::mem::take(&mut manifest.command);
    let absolute = set.inputs.scenario.display().to_string();
    command = command.replacen(&absolute, &set.run.scenario.file, 1);
    for (path, id) in set.inputs.interventions.iter().zip(&set.run.interventions) {
        command = command.replacen(&path.display().to_string(), &id.file, 1);
    }
    manifest.command = command;
    manifest.scenario.file.clone_from(&set.run.scenario.file);
    for (f, id) in manifest.intervention_files.iter_mut().zip(&set.run.interventions) {
        f.file.clone_from(&id.file);
    }
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
    // An uncertainty run keeps the scenario's own seed and trials (its seed is the design's).
    if set.run.design.is_some() {
        return Ok(s);
    }
    Ok(s.with_seed(set.run.seed).with_trials(set.run.trials)?)
}
