//! `refgap uncertainty`: sample the scenario's uncertain factors, solve every sampled world
//! exactly (baseline, interventions, perfect communication) or, with `--simulate`, simulate it on
//! common random numbers, write one `<name>-uncertainty` results folder per scenario (its large
//! tables streamed into the reserved folder's staging area as the worlds come, a chunk at a time)
//! and print how robust the ranking of the practices is.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;

use super::{LoadArgs, pool, reserve_all};
use crate::engine::RunConfig;
use crate::engine::part::split;
use crate::engine::world::simulate_all;
use crate::exact::Solver;
use crate::exact::uncertainty::evaluate_all;
use crate::report::sensitivity::Design;
use crate::report::shard::{self, DesignId, RunId, Shard};
use crate::report::uncertainty::UncertaintyWriter;
use crate::scenario::Scenario;
use crate::stats::sensitivity::{lhs, morris, morris_check, saltelli};

#[derive(Debug, Args)]
pub(super) struct UncertaintyArgs {
    /// Scenario files (`.toml`) or scenario folders (holding `scenario.toml`), each with
    /// `[[uncertain]]` factors.
    #[arg(required = true, value_name = "SCENARIO")]
    scenarios: Vec<PathBuf>,
    /// Base samples: `sobol` evaluates N·(k+2) worlds for k factors (N a power of two), `morris`
    /// N trajectories of k+1 worlds, `lhs` N worlds.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    samples: u64,
    /// How the worlds are sampled: `sobol` (Saltelli's design on a Sobol' sequence: first-order
    /// and total Sobol indices), `morris` (elementary effects on 4 levels: mu* and sigma), or
    /// `lhs` (a Latin hypercube: no indices).
    #[arg(long, value_enum, default_value_t = DesignArg::Sobol)]
    design: DesignArg,
    /// Seed of the design [default: the scenario's seed].
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "T", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Folder that receives one `<name>-uncertainty` results folder per scenario.
    #[arg(long, value_name = "DIR", default_value = "results")]
    out: PathBuf,
    /// Simulate every world (Monte Carlo, the same random numbers in every world and arm)
    /// instead of solving it exactly: slower and with sampling noise, but it gives
    /// `protected_in_time` (scenarios with a horizon) and checks the exact path.
    #[arg(long)]
    simulate: bool,
    /// Trials per cohort in every arm of every simulated world [default: the scenario's].
    #[arg(long, value_name = "T", requires = "simulate", value_parser = clap::value_parser!(u64).range(1..))]
    trials: Option<u64>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    variants: LoadArgs,
    /// Evaluate only shard I of N of the sampled worlds (I from 0 to N-1) and write them to
    /// OUT/<name>-uncertainty-shards/shard-IIIII.json, for `refgap merge`. `auto/N` takes I from
    /// SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX (Kubernetes) or AWS_BATCH_JOB_ARRAY_INDEX.
    #[arg(long, value_name = "I/N", value_parser = super::run::parse_shard)]
    shard: Option<super::run::ShardSpec>,
}

/// The designs of `--design`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum DesignArg {
    Sobol,
    Morris,
    Lhs,
}

/// Morris grid levels.
const MORRIS_LEVELS: usize = 4;

/// The design named `name` (as [`Design::name`] gives it) of `n` base samples over `k` factors:
/// a merge of uncertainty shards makes the design again from what the shards record.
pub(super) fn design_named(name: &str, n: usize, k: usize, seed: u64) -> Result<Design> {
    let arg = match name {
        "sobol" => DesignArg::Sobol,
        "morris" => DesignArg::Morris,
        "lhs" => DesignArg::Lhs,
        other => bail!("the shards name an unknown design {other}"),
    };
    design(arg, n, k, seed)
}

/// Worlds evaluated (in parallel) before their rows are written: what is held in memory at once
/// besides the compact numbers. A constant, so that nothing depends on the thread count.
const CHUNK: usize = 128;

/// The design of `n` base samples over `k` factors.
pub(super) fn design(arg: DesignArg, n: usize, k: usize, seed: u64) -> Result<Design> {
    Ok(match arg {
        DesignArg::Sobol => {
            Design::Sobol(saltelli(n, k, seed).map_err(|e| anyhow::anyhow!("--samples {n} with --design sobol: {e}"))?)
        }
        DesignArg::Morris => {
            morris_check(n, k, MORRIS_LEVELS)
                .map_err(|e| anyhow::anyhow!("--samples {n} with --design morris: {e}"))?;
            Design::Morris(morris(n, k, MORRIS_LEVELS, seed))
        }
        DesignArg::Lhs => Design::Lhs(lhs(n, k, seed)),
    })
}

pub(super) fn uncertainty(args: &UncertaintyArgs) -> Result<()> {
    let scenarios = args
        .scenarios
        .iter()
        .map(|p| args.variants.load(p))
        .collect::<Result<Vec<_>>>()?;
    for s in &scenarios {
        if s.factors().is_empty() {
            bail!(
                "{} has no [[uncertain]] factors; declare what is not known for sure (see the README, \
                 \"Decisions under uncertainty\")",
                s.source().path.display()
            );
        }
    }
    if let Some(spec) = args.shard {
        if args.simulate {
            bail!(
                "--shard cannot be combined with --simulate yet: shards of an uncertainty run carry exactly solved \
                 worlds; run the simulated worlds on one machine, or shard the exact run"
            );
        }
        return uncertainty_shard(args, spec, &scenarios);
    }
    let folders = reserve_all(&args.scenarios, &scenarios, &args.out, "-uncertainty", args.quiet)?;
    let pool = pool(args.threads)?;
    let mut stdout = std::io::stdout().lock();
    for (folder, s) in folders.into_iter().zip(&scenarios) {
        let seed = args.seed.unwrap_or(s.seed());
        let k = s.factors().len();
        let design = design(args.design, args.samples as usize, k, seed)?;
        let points = design.points();
        let sweeps = s
            .variants()
            .iter()
            .filter(|v| matches!(v.kind, crate::scenario::VariantKind::SweepPoint { .. }))
            .count();
        if sweeps > 0 && !args.quiet {
            eprintln!(
                "note: {}: its {sweeps} sweep point(s) are not part of an uncertainty run (only the baseline and \
                 the interventions are evaluated in each world)",
                s.name()
            );
        }
        let bar = super::progress_bar(points.len() as u64, args.quiet || !std::io::stderr().is_terminal());
        let started = Instant::now();
        let simulated = args.simulate.then(|| args.trials.unwrap_or(s.trials()));
        let mut writer = UncertaintyWriter::start(&folder, s, simulated.is_some() && s.horizon_days().is_some())?;
        let mut clamped = 0;
        for chunk in points.chunks(CHUNK) {
            let tick = || bar.inc(1);
            let worlds = pool.install(|| match simulated {
                Some(trials) => simulate_all(s, chunk, &RunConfig::new(seed, trials), &tick),
                None => evaluate_all(s, chunk, Solver::Auto, &tick),
            })?;
            clamped += worlds.iter().map(|x| x.clamped).sum::<usize>();
            writer.push(&worlds)?;
        }
        bar.finish_and_clear();
        let secs = started.elapsed().as_secs_f64();
        let report = writer.finish(&design, seed, simulated)?;
        let dir = folder.dir().to_path_buf();
        folder
            .commit(&report.files())
            .with_context(|| format!("cannot write the uncertainty results of {}", s.source().path.display()))?;
        if !args.quiet {
            let how = match simulated {
                Some(t) => format!("each simulated with {t} trials per cohort (sampling noise included)"),
                None => "each solved exactly".to_owned(),
            };
            let title = format!(
                "{}: {} sampled worlds ({} design, seed {seed}) over {k} uncertain factor(s), {how}; \
                 completed victims per year gained over the baseline, all cohorts:",
                s.name(),
                points.len(),
                design.name()
            );
            write!(stdout, "{}", report.render(&title))?;
            writeln!(stdout)?;
            stdout.flush()?;
            if clamped > 0 {
                eprintln!("note: {clamped} factor value(s) were clamped to their parameter's range (see the README)");
            }
            eprintln!(
                "wrote {} ({:.2} s, {:.1} worlds/s on {} thread(s))",
                dir.display(),
                secs,
                points.len() as f64 / secs.max(1e-9),
                pool.current_num_threads()
            );
        }
    }
    Ok(())
}

/// `uncertainty --shard`: reserves the shard file of every scenario, then evaluates each
/// scenario's part of the design's points and writes its shard.
fn uncertainty_shard(args: &UncertaintyArgs, spec: super::run::ShardSpec, scenarios: &[Scenario]) -> Result<()> {
    let index = spec.resolve()?;
    let mut slots = Vec::new();
    for (path, s) in args.scenarios.iter().zip(scenarios) {
        let name = format!("{}-uncertainty", super::results_name(path));
        if slots.iter().any(|(n, _)| *n == name) {
            bail!("two scenarios of this batch are named {name}; run them with different --out folders");
        }
        let slot = shard::reserve(&args.out.join(format!("{name}-shards")), index)
            .with_context(|| format!("cannot write the shard of {}", s.source().path.display()))?;
        slots.push((name, slot));
    }
    let pool = pool(args.threads)?;
    for ((name, slot), s) in slots.into_iter().zip(scenarios) {
        let seed = args.seed.unwrap_or(s.seed());
        let k = s.factors().len();
        let design = design(args.design, args.samples as usize, k, seed)?;
        let points = design.points();
        let items = split(points.len() as u64, index, spec.count);
        let started = Instant::now();
        let part = &points[items.start as usize..items.end as usize];
        let samples = pool.install(|| evaluate_all(s, part, Solver::Auto, &|| {}))?;
        let id = DesignId {
            name: design.name().to_owned(),
            samples: args.samples,
            factors: k,
            points: points.len() as u64,
        };
        let run = RunId::uncertainty(s, id, seed, &name, spec.count);
        let path = slot.path().to_path_buf();
        let shard = Shard::of_samples(run, args.variants.inputs(s)?, index, items, &samples);
        slot.commit(&shard.encode())
            .with_context(|| format!("cannot write the shard of {}", s.source().path.display()))?;
        if !args.quiet {
            eprintln!(
                "wrote {} (shard {index} of {}: {} sampled world(s), {:.2} s)",
                path.display(),
                spec.count,
                samples.len(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
