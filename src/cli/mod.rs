//! The command line: clap definitions (their doc comments are the `--help` text) and one file per
//! subcommand, each turning paths into library calls and the returned data into files and
//! terminal output.
//!
//! This is the only module that prints: results summaries go to stdout, progress, warnings and
//! "wrote ..." lines to stderr, and `--quiet` leaves only errors. Nothing here computes a
//! result: the subcommands call the library and print what it returns. Parsing never exits the
//! process: a usage error (or `--help`) comes back as a [`clap::Error`] for `main` to print.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

mod bench;
mod check;
mod exact;
mod run;

use crate::report::folder::OutputFolder;
use crate::scenario::Scenario;

/// refgap: simulate how victims of trafficking are referred between national authorities across
/// borders, and measure where poor communication loses them.
#[derive(Debug, Parser)]
#[command(name = "refgap", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate scenarios and write one results folder per scenario (CSV tables + manifest).
    Run(run::RunArgs),
    /// Validate scenarios and summarise their referral graph, without simulating.
    Check(check::CheckArgs),
    /// Time the engine at one thread and at all threads (trials/s, ns/trial, traversals/s, peak
    /// memory), interleaved over rounds.
    Bench(bench::BenchArgs),
    /// Solve scenarios exactly (absorbing Markov chain, no sampling noise) and rank every channel
    /// by what making it perfect, or cutting it, changes; writes `exact.csv` and `ranking.csv`.
    Exact(exact::ExactArgs),
}

/// Options that choose the variants of a scenario.
#[derive(Debug, Args)]
pub(crate) struct VariantArgs {
    /// Add the [[intervention]] and [[sweep]] tables of FILE to every scenario (repeatable).
    #[arg(long = "intervention", value_name = "FILE")]
    interventions: Vec<PathBuf>,
    /// Ignore the interventions and sweeps written in the scenario files (those of
    /// --intervention files still run): without --intervention, only the baseline runs.
    #[arg(long)]
    no_variants: bool,
}

impl VariantArgs {
    /// Loads a scenario with the chosen variants.
    fn load(&self, path: &Path) -> Result<Scenario> {
        let mut s = load(path)?;
        if self.no_variants {
            s = s.without_variants();
        }
        for f in &self.interventions {
            s = s.with_variants_file(f)?;
        }
        Ok(s)
    }
}

/// Parses `args` and runs the chosen subcommand. A usage error, `--help` and `--version` return
/// the [`clap::Error`] (see [`clap::Error::print`] and [`clap::Error::exit_code`]).
pub fn run<I, T>(args: I) -> Result<()>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::try_parse_from(args)?;
    match cli.command {
        Command::Run(a) => run::run(&a),
        Command::Check(a) => check::check(&a),
        Command::Exact(a) => exact::exact(&a),
        Command::Bench(a) => bench::bench(&a),
    }
}

/// Every library error already names the scenario file, so no context is added here.
fn load(path: &Path) -> Result<Scenario> {
    Ok(Scenario::load(path)?)
}

/// Reserves the results folder `dir` of `s` before any work (see [`OutputFolder::reserve`]) and
/// says which stale staging folders of interrupted runs it removed.
fn reserve(s: &Scenario, dir: &Path, quiet: bool) -> Result<OutputFolder> {
    let mut inputs: Vec<PathBuf> = vec![s.source().path.clone()];
    inputs.extend(s.source().extra.iter().map(|(p, _)| p.clone()));
    let folder = OutputFolder::reserve(dir, &inputs)?;
    if !quiet {
        for stale in folder.cleaned() {
            eprintln!("removed {}, left by an interrupted run", stale.display());
        }
    }
    Ok(folder)
}

fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {human_pos}/{human_len} trials  {rate}  ETA {eta}")
            .expect("the template is valid")
            .with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.2} M trials/s", state.per_sec() / 1e6);
                },
            ),
    );
    bar
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        super::Cli::command().debug_assert();
    }
}
