//! `refgap exact`: solve scenarios and every variant exactly, rank channels, write one
//! `<name>-exact` results folder per scenario and print the summary.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;

use super::{LoadArgs, reserve_all};
use crate::exact::{LU_MAX_STATES, Solver};

#[derive(Debug, Args)]
pub(super) struct ExactArgs {
    /// Scenario files (`.toml`) or scenario folders (holding `scenario.toml`).
    #[arg(required = true, value_name = "SCENARIO")]
    scenarios: Vec<PathBuf>,
    /// Folder that receives one `<name>-exact` results folder per scenario.
    #[arg(long, value_name = "DIR", default_value = "results")]
    out: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    variants: LoadArgs,
    /// How to solve each chain: `lu` (sparse LU, fastest on small chains), `iterative` (memory
    /// linear in the chain), or `auto` (LU up to 50,000 states per chain, iterative above).
    #[arg(long, value_enum, default_value_t = SolverArg::Auto)]
    solver: SolverArg,
    /// Rank every channel (`ranking.csv`): `auto` ranks when it takes at most about a minute
    /// (channels × chain states up to 2·10^9, every chain factorised), `always`, or `never`.
    #[arg(long, value_enum, default_value_t = Ranking::Auto)]
    ranking: Ranking,
    /// Refuse a scenario whose largest chain may need more memory than this, in MiB [default:
    /// 80 % of the memory available when refgap starts].
    #[arg(long, value_name = "MiB")]
    max_memory_mb: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SolverArg {
    Auto,
    Lu,
    Iterative,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Ranking {
    Auto,
    Always,
    Never,
}

/// Channels × chain states above which `--ranking auto` skips the ranking: about a minute on the
/// 2-core reference machine (5,000 channels × 320,000 states took 54 s; RESULTS.md).
const RANK_MAX_WORK: u64 = 2_000_000_000;

/// The memory available to this process, from `/proc/meminfo` (Linux), in bytes.
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Refuses `s` when the bound on its largest chain exceeds the memory limit.
fn check_memory(args: &ExactArgs, s: &crate::scenario::Scenario) -> Result<()> {
    let estimate = crate::exact::estimate::estimate(s);
    let limit = match args.max_memory_mb {
        Some(mb) => mb << 20,
        None => available_memory().map_or(u64::MAX, |b| b / 5 * 4),
    };
    if estimate.bytes > limit {
        bail!(
            "{}: the exact solution may need up to {} MiB for its largest chain ({} states at most), more \
             than the {} MiB allowed; pass --max-memory-mb to allow more, or simulate with `refgap run`",
            s.source().path.display(),
            estimate.bytes >> 20,
            estimate.largest,
            limit >> 20
        );
    }
    Ok(())
}

pub(super) fn exact(args: &ExactArgs) -> Result<()> {
    let scenarios = args
        .scenarios
        .iter()
        .map(|p| args.variants.load(p))
        .collect::<Result<Vec<_>>>()?;
    for s in &scenarios {
        check_memory(args, s)?;
    }
    let solver = match args.solver {
        SolverArg::Auto => Solver::Auto,
        SolverArg::Lu => Solver::Lu,
        SolverArg::Iterative => Solver::Iterative,
    };
    let folders = reserve_all(&args.scenarios, &scenarios, &args.out, "-exact", args.quiet)?;
    let mut stdout = std::io::stdout().lock();
    for (folder, s) in folders.into_iter().zip(&scenarios) {
        let started = Instant::now();
        let exact = crate::exact::solve_with(s, solver)?;
        let solved = started.elapsed();
        let states: usize = exact.iter().map(|c| c.states).sum();
        let largest = exact.iter().map(|c| c.states).max().unwrap_or(0);
        let work = s.channels().len() as u64 * states as u64;
        let rank = match args.ranking {
            Ranking::Always => true,
            Ranking::Never => false,
            Ranking::Auto => work <= RANK_MAX_WORK && largest <= LU_MAX_STATES,
        };
        if !rank && args.ranking == Ranking::Auto && !args.quiet {
            eprintln!(
                "note: {}: channels not ranked: {} channels × {states} chain states (largest chain {largest}) is \
                 beyond `--ranking auto` (at most {RANK_MAX_WORK} channel-states and {LU_MAX_STATES} states per \
                 chain, about a minute); pass --ranking always to rank anyway",
                s.name(),
                s.channels().len()
            );
        }
        let started = Instant::now();
        let ranking = if rank {
            Some(crate::exact::rank::rank_channels(s)?)
        } else {
            None
        };
        let ranked = started.elapsed();
        let variants = s
            .variants()
            .iter()
            .map(|v| crate::exact::solve_with(&v.scenario, solver))
            .collect::<crate::Result<Vec<_>>>()?;
        let report = crate::report::exact::ExactReport::new(s, &exact, ranking.as_deref(), &variants);
        let dir = folder.dir().to_path_buf();
        folder
            .commit(&report.files())
            .with_context(|| format!("cannot write the exact results of {}", s.source().path.display()))?;
        if !args.quiet {
            let title = format!(
                "{}: exact solution, {} cohort(s), {} chain states",
                s.name(),
                s.cohorts().len(),
                states
            );
            write!(stdout, "{}", report.render(&title))?;
            writeln!(stdout)?;
            stdout.flush()?;
            eprintln!(
                "wrote {} (solve {:.1} ms, ranking of {} channels × {} cohort(s) {:.1} ms)",
                dir.display(),
                solved.as_secs_f64() * 1e3,
                s.channels().len(),
                s.cohorts().len(),
                ranked.as_secs_f64() * 1e3
            );
        }
    }
    Ok(())
}
