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

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

mod bench;
mod check;
mod exact;
mod merge;
mod missing;
mod plan;
mod report;
mod run;
mod transfer;
mod uncertainty;

use crate::report::folder::OutputFolder;
use crate::scenario::Scenario;
use crate::scenario::input::{DEFAULT_MAX_INPUT_BYTES, InputRules};

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
    /// Sample the scenario's [[uncertain]] factors, solve every sampled world exactly, and report
    /// how the outcomes and the ranking of the interventions vary (summary, ranking, pairwise).
    Uncertainty(uncertainty::UncertaintyArgs),
    /// Show how `run --shard I/N` splits a run into N shards (cohorts and trial ranges of each)
    /// and the sbatch command line; simulates nothing.
    Plan(plan::PlanArgs),
    /// List the shards of a folder of shards that are missing or damaged, as `sbatch --array=`
    /// takes them (e.g. `3,17-20`); prints nothing when the set is complete.
    Missing(missing::MissingArgs),
    /// Merge a complete folder of shards into the results folder a one-machine run writes
    /// (byte-identical); refuses incomplete or mixed sets, naming the offending shard file.
    Merge(merge::MergeArgs),
    /// Make every toolbox practice in every country or crossing pair of countries, alone, solve
    /// each exactly and rank where each practice helps most (`transfer.csv`).
    Transfer(transfer::TransferArgs),
    /// Render results folders as `DIR/report.html`: one self-contained page of charts (no
    /// network, no script), read from the folder's files alone.
    Report(report::ReportArgs),
}

/// Exit code of a failure that running the same command again may cure (`EX_TEMPFAIL` of
/// `sysexits.h`): schedulers can be told to retry it (Slurm `RequeueExit=75`, AWS Batch
/// `evaluateOnExit`, Kubernetes `podFailurePolicy`).
pub const EXIT_TEMPFAIL: u8 = 75;

/// Whether `e` is a transient failure (see [`crate::Error::is_transient`]), to be reported with
/// [`EXIT_TEMPFAIL`].
pub fn is_transient(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<crate::Error>().is_some_and(crate::Error::is_transient)
            || c.downcast_ref::<std::io::Error>()
                .is_some_and(crate::error::is_transient_io)
    })
}

/// Options that choose how scenario files are read and which variants run.
#[derive(Debug, Args)]
pub(crate) struct LoadArgs {
    /// Add the [[intervention]] and [[sweep]] tables of FILE to every scenario (repeatable).
    #[arg(long = "intervention", value_name = "FILE")]
    interventions: Vec<PathBuf>,
    /// Ignore the interventions and sweeps written in the scenario files (those of
    /// --intervention files still run): without --intervention, only the baseline runs.
    #[arg(long)]
    no_variants: bool,
    /// Read CSV tables and design files outside the folder of the file that names them
    /// (absolute paths, `..`, links leading out). Off by default: a scenario reads only its own
    /// folder.
    #[arg(long)]
    allow_outside_tables: bool,
    /// Largest input file (scenario, table, intervention or design file) to read, in MiB.
    #[arg(long, value_name = "MiB", default_value_t = DEFAULT_MAX_INPUT_BYTES >> 20,
          value_parser = clap::value_parser!(u64).range(1..=1 << 20))]
    max_input_mb: u64,
}

impl LoadArgs {
    /// Loads a scenario under the chosen input rules, with the chosen variants.
    fn load(&self, path: &Path) -> Result<Scenario> {
        let rules = InputRules {
            allow_outside: self.allow_outside_tables,
            max_bytes: self.max_input_mb << 20,
        };
        // Every library error already names the scenario file, so no context is added here.
        let mut s = Scenario::load_with(path, rules)?;
        if self.no_variants {
            s = s.without_variants();
        }
        for f in &self.interventions {
            s = s.with_variants_file(f)?;
        }
        Ok(s)
    }
}

impl LoadArgs {
    /// Where a merge of shards of `s` (loaded with these options) reads its inputs again.
    fn inputs(&self, s: &Scenario) -> Result<crate::report::shard::Inputs> {
        let absolute = |p: &Path| std::fs::canonicalize(p).with_context(|| format!("cannot resolve {}", p.display()));
        Ok(crate::report::shard::Inputs {
            scenario: absolute(&s.source().path)?,
            interventions: self.interventions.iter().map(|p| absolute(p)).collect::<Result<_>>()?,
            no_variants: self.no_variants,
            allow_outside_tables: self.allow_outside_tables,
            max_input_bytes: self.max_input_mb << 20,
        })
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
        Command::Uncertainty(a) => uncertainty::uncertainty(&a),
        Command::Plan(a) => plan::plan(&a),
        Command::Missing(a) => missing::missing(&a),
        Command::Merge(a) => merge::merge(&a),
        Command::Transfer(a) => transfer::transfer(&a),
        Command::Report(a) => report::report(&a),
    }
}

/// Reserves, for each scenario (loaded from the path beside it), its results folder
/// `out/<name><suffix>` before any work, in order. Two scenarios of a batch that would write the
/// same folder are refused, naming both.
fn reserve_all(
    paths: &[PathBuf],
    scenarios: &[Scenario],
    out: &Path,
    suffix: &str,
    quiet: bool,
) -> Result<Vec<OutputFolder>> {
    let mut names: std::collections::HashMap<String, &PathBuf> = std::collections::HashMap::new();
    let mut folders = Vec::new();
    for (path, s) in paths.iter().zip(scenarios) {
        let name = format!("{}{suffix}", results_name(path));
        if let Some(other) = names.insert(name.clone(), path) {
            anyhow::bail!(
                "{} and {} would both write to {}; run them with different --out folders",
                other.display(),
                path.display(),
                out.join(&name).display()
            );
        }
        folders.push(reserve(s, &out.join(name), quiet)?);
    }
    Ok(folders)
}

/// The name of the results folder of the scenario at `path` (a file or a scenario folder).
fn results_name(path: &Path) -> String {
    crate::scenario::default_name(&crate::scenario::scenario_file(path))
}

/// The worker threads: `threads` of them, or one per core.
fn pool(threads: Option<u16>) -> Result<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        builder = builder.num_threads(usize::from(t));
    }
    builder.build().context("cannot start worker threads")
}

/// Reserves the results folder `dir` of `s` before any work (see [`OutputFolder::reserve`]) and
/// says which stale staging folders of interrupted runs it removed.
fn reserve(s: &Scenario, dir: &Path, quiet: bool) -> Result<OutputFolder> {
    let mut inputs: Vec<PathBuf> = vec![s.source().path.clone()];
    inputs.extend(s.source().extra.iter().map(|f| f.path.clone()));
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

    /// Exit 75 only for failures a retry may cure: a full or busy disk, not an invalid input.
    #[test]
    fn transient_failures_are_told_apart() {
        use std::io::{Error as Io, ErrorKind};
        let write = |kind| crate::Error::Write {
            path: "out/x.csv".into(),
            source: Io::from(kind),
        };
        let transient =
            |e: crate::Error| super::is_transient(&anyhow::Error::new(e).context("cannot write the results"));
        assert!(transient(write(ErrorKind::StorageFull)));
        assert!(transient(write(ErrorKind::TimedOut)));
        assert!(!transient(write(ErrorKind::PermissionDenied)));
        assert!(!transient(crate::Error::Shard {
            path: "s/shard-00001.json".into(),
            reason: "is damaged".into()
        }));
    }
}
