//! `refgap transfer`: make every practice in every context where it can apply, alone on top of
//! the baseline, solve each exactly (and, with `--samples`, in sampled worlds), write one
//! `<name>-transfer` results folder per scenario and print where each practice helps most.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;

use super::{LoadArgs, pool, reserve_all};
use crate::exact::Solver;
use crate::exact::transfer::{evaluate, evaluate_world};
use crate::report::transfer::TransferReport;
use crate::scenario::variant::transfer::{Contexts, Matrix, Scope};
use crate::stats::sensitivity::lhs;

#[derive(Debug, Args)]
pub(super) struct TransferArgs {
    /// Scenario files (`.toml`) or scenario folders (holding `scenario.toml`).
    #[arg(required = true, value_name = "SCENARIO")]
    scenarios: Vec<PathBuf>,
    /// A practice to transfer (repeatable): a toolbox practice (`nrm_adoption`, `training`,
    /// `standard_forms`, `bilateral_agreement`, `focal_points`, `regional_adviser`) or an
    /// intervention of the scenario made of one kind of practice [default: all of them].
    #[arg(long = "practice", value_name = "NAME")]
    practices: Vec<String>,
    /// Where each practice is made: `auto` (country practices in every country, pair practices
    /// in every pair of countries a cohort crosses between), `countries` (country practices
    /// only), or `pairs` (every practice in every crossing pair; a country practice in both).
    #[arg(long, value_enum, default_value_t = ContextsArg::Auto)]
    contexts: ContextsArg,
    /// Also solve N sampled worlds of the scenario's [[uncertain]] factors (a Latin hypercube)
    /// and report each gain's 5/50/95 % quantiles and P(gain > 0) over them.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    samples: Option<u64>,
    /// Seed of the sampled worlds [default: the scenario's seed].
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "T", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Folder that receives one `<name>-transfer` results folder per scenario.
    #[arg(long, value_name = "DIR", default_value = "results")]
    out: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    variants: LoadArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ContextsArg {
    Auto,
    Countries,
    Pairs,
}

pub(super) fn transfer(args: &TransferArgs) -> Result<()> {
    let scenarios = args
        .scenarios
        .iter()
        .map(|p| args.variants.load(p))
        .collect::<Result<Vec<_>>>()?;
    let mode = match args.contexts {
        ContextsArg::Auto => Contexts::Auto,
        ContextsArg::Countries => Contexts::Countries,
        ContextsArg::Pairs => Contexts::Pairs,
    };
    let matrices = scenarios
        .iter()
        .map(|s| Matrix::new(s, &args.practices, mode).map_err(|e| anyhow!(e)))
        .collect::<Result<Vec<_>>>()?;
    if args.samples.is_some() {
        for s in &scenarios {
            if s.factors().is_empty() {
                bail!(
                    "{}: --samples needs [[uncertain]] factors in the scenario; declare what is not known for sure \
                     (see the README, \"Decisions under uncertainty\") or leave --samples out",
                    s.source().path.display()
                );
            }
        }
    }
    if mode == Contexts::Countries && !args.quiet {
        for (s, m) in scenarios.iter().zip(&matrices) {
            let pairs: Vec<&str> = m
                .practices
                .iter()
                .filter(|p| p.scope == Scope::Pair)
                .map(|p| p.name.as_str())
                .collect();
            if !pairs.is_empty() {
                eprintln!(
                    "note: {}: {} act between two countries and have no single-country form: not made with \
                     --contexts countries (use auto or pairs)",
                    s.name(),
                    pairs.join(", ")
                );
            }
        }
    }
    let folders = reserve_all(&args.scenarios, &scenarios, &args.out, "-transfer", args.quiet)?;
    let pool = pool(args.threads)?;
    let mut stdout = std::io::stdout().lock();
    for ((folder, s), m) in folders.into_iter().zip(&scenarios).zip(&matrices) {
        let seed = args.seed.unwrap_or(s.seed());
        let points = args
            .samples
            .map(|n| lhs(n as usize, s.factors().len(), seed))
            .unwrap_or_default();
        let bar = super::progress_bar(
            (m.cells.len() * (1 + points.len())) as u64,
            args.quiet || !std::io::stderr().is_terminal(),
        );
        let started = Instant::now();
        let nominal = pool.install(|| evaluate(s, m, Solver::Auto, &|| bar.inc(1)))?;
        let worlds = points
            .iter()
            .map(|p| pool.install(|| evaluate_world(s, m, p, Solver::Auto, &|| bar.inc(1))))
            .collect::<crate::Result<Vec<_>>>()?;
        bar.finish_and_clear();
        let secs = started.elapsed().as_secs_f64();
        let report = TransferReport::new(s, m, &nominal, &worlds, args.samples.map(|_| seed));
        let dir = folder.dir().to_path_buf();
        folder
            .commit(&report.files())
            .with_context(|| format!("cannot write the transfer results of {}", s.source().path.display()))?;
        if !args.quiet {
            let applies = m.cells.iter().filter(|c| c.applies()).count();
            let title = format!(
                "{}: {} practice(s) × {} context(s), {} cell(s) of which {applies} change the scenario, each solved \
                 exactly{}",
                s.name(),
                m.practices.len(),
                m.contexts.len(),
                m.cells.len(),
                if points.is_empty() {
                    String::new()
                } else {
                    format!(
                        " in the scenario as given and in {} sampled worlds (seed {seed})",
                        points.len()
                    )
                }
            );
            write!(stdout, "{}", report.render(&title))?;
            writeln!(stdout)?;
            stdout.flush()?;
            eprintln!(
                "wrote {} ({:.2} s, {} cell solves on {} thread(s))",
                dir.display(),
                secs,
                m.cells.len() * (1 + points.len()),
                pool.current_num_threads()
            );
        }
    }
    Ok(())
}
