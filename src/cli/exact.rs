//! `refgap exact`: solve scenarios and every variant exactly, rank channels, write one
//! `<name>-exact` results folder per scenario and print the summary.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;

use super::{LoadArgs, reserve};
use crate::scenario;

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
}

pub(super) fn exact(args: &ExactArgs) -> Result<()> {
    let scenarios = args
        .scenarios
        .iter()
        .map(|p| args.variants.load(p))
        .collect::<Result<Vec<_>>>()?;
    let folders = args
        .scenarios
        .iter()
        .zip(&scenarios)
        .map(|(path, s)| {
            let name = format!("{}-exact", scenario::default_name(&scenario::scenario_file(path)));
            reserve(s, &args.out.join(name), args.quiet)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut stdout = std::io::stdout().lock();
    for (folder, s) in folders.into_iter().zip(&scenarios) {
        let started = Instant::now();
        let exact = crate::exact::solve(s)?;
        let solved = started.elapsed();
        let started = Instant::now();
        let ranking = crate::exact::rank::rank_channels(s)?;
        let ranked = started.elapsed();
        let variants = s
            .variants()
            .iter()
            .map(|v| crate::exact::solve(&v.scenario))
            .collect::<crate::Result<Vec<_>>>()?;
        let report = crate::report::exact::ExactReport::new(s, &exact, &ranking, &variants);
        let dir = folder.dir().to_path_buf();
        folder
            .commit(&report.files())
            .with_context(|| format!("cannot write the exact results of {}", s.source().path.display()))?;
        if !args.quiet {
            let states: usize = exact.iter().map(|c| c.states).sum();
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
