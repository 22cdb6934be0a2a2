//! `refgap plan`: show how `run --shard I/N` cuts a run into N shards (the cohorts and trial
//! ranges each one simulates) and the command lines that run them on a Slurm cluster, without
//! simulating anything.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::LoadArgs;
use super::run::MAX_SHARDS;
use crate::engine::BLOCK_TRIALS;
use crate::engine::part::WorkItems;

#[derive(Debug, Args)]
pub(super) struct PlanArgs {
    /// Scenario file (`.toml`) or scenario folder (holding `scenario.toml`).
    #[arg(value_name = "SCENARIO")]
    scenario: PathBuf,
    /// Shards to cut the run into.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_SHARDS))]
    shards: u64,
    /// Trials per cohort [default: the scenario's `trials`].
    #[arg(long, value_name = "N")]
    trials: Option<u64>,
    /// Seed of the random streams [default: the scenario's `seed`].
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Folder the shards and the merged results go to (as `run --out`).
    #[arg(long, value_name = "DIR", default_value = "results")]
    out: PathBuf,
    #[command(flatten)]
    variants: LoadArgs,
}

pub(super) fn plan(args: &PlanArgs) -> Result<()> {
    let mut s = args.variants.load(&args.scenario)?;
    if let Some(seed) = args.seed {
        s = s.with_seed(seed);
    }
    if let Some(trials) = args.trials {
        s = s.with_trials(trials)?;
    }
    let work = WorkItems::new(&s, s.trials());
    let name = super::results_name(&args.scenario);
    let mut out = format!(
        "{}: {} cohort(s) × {} trials, seed {}, {} arm(s) (baseline and {} variant(s)); {} work item(s) (blocks of \
         {BLOCK_TRIALS} trials of one cohort) in {} shard(s)\n",
        s.name(),
        s.cohorts().len(),
        s.trials(),
        s.seed(),
        1 + s.variants().len(),
        s.variants().len(),
        work.len(),
        args.shards
    );
    let _ = writeln!(out, "shard  items          cohort: trials");
    for i in 0..args.shards {
        let items = work.part(i, args.shards);
        let pieces: Vec<String> = work
            .cohort_trials(items.clone())
            .into_iter()
            .map(|(c, t)| format!("{}: {}..{}", s.cohorts()[c].name, t.start, t.end))
            .collect();
        let what = if pieces.is_empty() {
            "(nothing: more shards than blocks)".to_owned()
        } else {
            pieces.join(", ")
        };
        let _ = writeln!(out, "{i:<6} {:<14} {what}", format!("{}..{}", items.start, items.end));
    }
    let mut options = Vec::new();
    if let Some(t) = args.trials {
        options.push(format!("--trials {t}"));
    }
    if let Some(seed) = args.seed {
        options.push(format!("--seed {seed}"));
    }
    if args.variants.no_variants {
        options.push("--no-variants".to_owned());
    }
    for f in &args.variants.interventions {
        options.push(format!("--intervention {}", quote(&f.display().to_string())));
    }
    let options = options.iter().map(|o| format!(" {o}")).collect::<String>();
    let (scenario, n, dir) = (
        quote(&args.scenario.display().to_string()),
        args.shards,
        quote(&args.out.display().to_string()),
    );
    let shards_dir = quote(&args.out.join(format!("{name}-shards")).display().to_string());
    let _ = write!(
        out,
        "\nOn a Slurm cluster (from the refgap source folder, or with the scripts copied):\n  \
         sbatch --array=0-{last} scripts/slurm/refgap-array.sbatch {scenario} {n} {dir}{options}\n  \
         refgap missing {shards_dir} --shards {n}     # indices to submit again, if any\n  \
         refgap merge {shards_dir} --out {dir}\n\
         or all three steps, waiting for the array and resubmitting what is missing once:\n  \
         scripts/slurm/run.sh {scenario} {n} {dir}{options}\n",
        last = n - 1
    );
    print!("{out}");
    Ok(())
}

/// A shell word: as is when it is plain, else in single quotes.
fn quote(w: &str) -> String {
    if !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+".contains(&b)) {
        w.to_owned()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}
