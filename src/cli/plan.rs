//! `refgap plan`: show how `run --shard I/N` cuts a run into N shards (the cohorts and trial
//! ranges each one simulates), or `uncertainty --shard I/N` its sampled worlds, and the command
//! lines that run them on a Slurm cluster, without simulating anything.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;

use super::LoadArgs;
use super::run::MAX_SHARDS;
use super::uncertainty::DesignArg;
use crate::engine::BLOCK_TRIALS;
use crate::engine::part::{WorkItems, split};
use crate::scenario::Scenario;

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
    /// Plan `refgap uncertainty --shard` (sampled worlds of the design) instead of `run`.
    #[arg(long)]
    uncertainty: bool,
    /// With --uncertainty: base samples, as `uncertainty --samples`.
    #[arg(long, value_name = "N", default_value_t = 64, requires = "uncertainty",
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    samples: u64,
    /// With --uncertainty: the design, as `uncertainty --design`.
    #[arg(long, value_enum, default_value_t = DesignArg::Sobol, requires = "uncertainty")]
    design: DesignArg,
}

pub(super) fn plan(args: &PlanArgs) -> Result<()> {
    let mut s = args.variants.load(&args.scenario)?;
    if let Some(seed) = args.seed {
        s = s.with_seed(seed);
    }
    if let Some(trials) = args.trials {
        s = s.with_trials(trials)?;
    }
    let name = super::results_name(&args.scenario);
    if args.uncertainty {
        return plan_uncertainty(args, &s, &name);
    }
    let work = WorkItems::new(&s, s.trials());
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
    out.push_str(&commands(args, &name, "run", Vec::new()));
    print!("{out}");
    Ok(())
}

/// The plan of an uncertainty run: the sampled worlds of each shard.
fn plan_uncertainty(args: &PlanArgs, s: &Scenario, name: &str) -> Result<()> {
    let k = s.factors().len();
    if k == 0 {
        bail!("{} has no [[uncertain]] factors to sample", s.source().path.display());
    }
    let design = super::uncertainty::design(args.design, args.samples as usize, k, s.seed())?;
    let points = design.points().len() as u64;
    let mut out = format!(
        "{}: {} design of {} base samples over {k} factor(s), seed {}: {points} sampled world(s), each solved \
         exactly, in {} shard(s)\nshard  worlds\n",
        s.name(),
        design.name(),
        args.samples,
        s.seed(),
        args.shards
    );
    for i in 0..args.shards {
        let w = split(points, i, args.shards);
        let _ = writeln!(out, "{i:<6} {}..{} ({} world(s))", w.start, w.end, w.end - w.start);
    }
    let options = vec![
        format!("--samples {}", args.samples),
        format!("--design {}", design.name()),
    ];
    out.push_str(&commands(args, &format!("{name}-uncertainty"), "uncertainty", options));
    print!("{out}");
    Ok(())
}

/// The command lines that run the plan's shards on Slurm, for `command` (`run` or
/// `uncertainty`) writing the results folder `name`.
fn commands(args: &PlanArgs, name: &str, command: &str, mut options: Vec<String>) -> String {
    let mut out = String::new();
    if let Some(t) = args.trials.filter(|_| command == "run") {
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
    let env = if command == "run" {
        String::new()
    } else {
        format!("REFGAP_COMMAND={command} ")
    };
    let _ = write!(
        out,
        "\nOn a Slurm cluster (from the refgap source folder, or with the scripts copied):\n  \
         {env}sbatch --array=0-{last} scripts/slurm/refgap-array.sbatch {scenario} {n} {dir}{options}\n  \
         refgap missing {shards_dir} --shards {n}     # indices to submit again, if any\n  \
         refgap merge {shards_dir} --out {dir}\n\
         or all three steps, waiting for the array and resubmitting what is missing once:\n  \
         {env}scripts/slurm/run.sh {scenario} {n} {dir}{options}\n",
        last = n - 1
    );
    out
}

/// A shell word: as is when it is plain, else in single quotes.
fn quote(w: &str) -> String {
    if !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+".contains(&b)) {
        w.to_owned()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}
