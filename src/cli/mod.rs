//! The command line: clap definitions (their doc comments are the `--help` text) and the
//! pipeline of each subcommand, from paths to library calls to files and terminal output.
//!
//! This is the only module that prints: results summaries go to stdout, progress, warnings and
//! "wrote ..." lines to stderr, and `--quiet` leaves only errors.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

mod bench;

use crate::engine::{self, RunConfig};
use crate::report::{Report, summary, write};
use crate::scenario::graph::ReferralGraph;
use crate::scenario::{self, Scenario};

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
    Run(RunArgs),
    /// Validate scenarios and summarise their referral graph, without simulating.
    Check(CheckArgs),
    /// Time the engine at one thread and at all threads (trials/s, ns/trial, traversals/s, peak
    /// memory), interleaved over rounds.
    Bench(bench::BenchArgs),
    /// Solve scenarios exactly (absorbing Markov chain, no sampling noise) and rank every channel
    /// by what making it perfect, or cutting it, changes; writes `exact.csv` and `ranking.csv`.
    Exact(ExactArgs),
}

#[derive(Debug, Args)]
struct ExactArgs {
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
    variants: VariantArgs,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Scenario files (`.toml`) or scenario folders (holding `scenario.toml`).
    #[arg(required = true, value_name = "SCENARIO")]
    scenarios: Vec<PathBuf>,
    /// Trials per cohort [default: the scenario's `trials`].
    #[arg(long, value_name = "N")]
    trials: Option<u64>,
    /// Seed of the random streams [default: the scenario's `seed`].
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "T", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Folder that receives one results folder per scenario, named after the scenario file.
    #[arg(long, value_name = "DIR", default_value = "results")]
    out: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    /// After each run, compare every simulated rate with the exact solution and print, per
    /// cohort, the largest distance in standard errors (|z|).
    #[arg(long)]
    check_exact: bool,
    #[command(flatten)]
    variants: VariantArgs,
    /// Simulate each variant on random numbers of its own instead of the baseline's (only to
    /// measure what common random numbers buy: intervals get wider).
    #[arg(long)]
    independent: bool,
    /// Stop each cohort once every paired difference (referral gaps and comparisons) has a 95%
    /// half-width below P, checked every 65,536 trials; --trials (or the scenario's trials) is
    /// the cap.
    #[arg(long, value_name = "P", value_parser = parse_precision)]
    precision: Option<f64>,
}

/// Options that choose the variants of a scenario.
#[derive(Debug, Args)]
struct VariantArgs {
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

fn parse_precision(v: &str) -> std::result::Result<f64, String> {
    match v.parse::<f64>() {
        Ok(p) if p.is_finite() && p > 0.0 && p < 1.0 => Ok(p),
        _ => Err(format!(
            "{v} is not a precision; use a half-width between 0 and 1, e.g. 0.002"
        )),
    }
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Scenario files (`.toml`) or scenario folders (holding `scenario.toml`).
    #[arg(required = true, value_name = "SCENARIO")]
    scenarios: Vec<PathBuf>,
    #[command(flatten)]
    variants: VariantArgs,
}

/// Parses `args` and runs the chosen subcommand.
pub fn run<I, T>(args: I) -> Result<()>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::parse_from(args);
    match cli.command {
        Command::Run(a) => run_scenarios(&a),
        Command::Check(a) => check_scenarios(&a),
        Command::Exact(a) => exact_scenarios(&a),
        Command::Bench(a) => {
            let text = bench::run(&a)?;
            let mut stdout = std::io::stdout().lock();
            write!(stdout, "{text}")?;
            Ok(())
        }
    }
}

/// Every library error already names the scenario file, so no context is added here.
fn load(path: &Path) -> Result<Scenario> {
    Ok(Scenario::load(path)?)
}

fn run_scenarios(args: &RunArgs) -> Result<()> {
    // Load and validate everything first: a typo in the last file must not cost the first run.
    let mut jobs = Vec::new();
    let mut names: HashMap<String, PathBuf> = HashMap::new();
    for path in &args.scenarios {
        let mut s = args.variants.load(path)?;
        if let Some(seed) = args.seed {
            s = s.with_seed(seed);
        }
        if let Some(trials) = args.trials {
            s = s.with_trials(trials)?;
        }
        let name = scenario::default_name(&scenario::scenario_file(path));
        if let Some(other) = names.insert(name.clone(), path.clone()) {
            bail!(
                "{} and {} would both write to {}; run them with different --out folders",
                other.display(),
                path.display(),
                args.out.join(&name).display()
            );
        }
        jobs.push((s, args.out.join(name)));
    }
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = args.threads {
        builder = builder.num_threads(usize::from(t));
    }
    let pool = builder.build().context("cannot start worker threads")?;
    let mut stdout = std::io::stdout().lock();
    for (s, dir) in jobs {
        if !args.quiet {
            for w in s.warnings() {
                eprintln!("warning: {}: {w}", s.source().path.display());
            }
        }
        let config = RunConfig {
            independent: args.independent,
            precision: args.precision,
            ..RunConfig::from_scenario(&s)
        };
        let arms = 1 + s.variants().len() as u64;
        let total = config.trials * s.cohorts().len() as u64;
        let bar = progress_bar(total, args.quiet);
        let started = Instant::now();
        let result = pool.install(|| engine::run(&s, &config, &|n| bar.inc(n)));
        bar.finish_and_clear();
        let secs = started.elapsed().as_secs_f64();
        let simulated: u64 = result.stops.iter().map(|st| st.trials).sum::<u64>() * arms;
        let report = Report::new(&s, &result);
        write::write_all(&report, &dir)
            .with_context(|| format!("cannot write the results of {}", s.source().path.display()))?;
        if !args.quiet {
            let title = format!(
                "{}: {} cohort(s) × {} trials, seed {}, {} variant(s) besides the baseline",
                s.name(),
                s.cohorts().len(),
                trials_label(&result),
                config.seed,
                s.variants().len()
            );
            write!(stdout, "{}", summary::render(&title, &report.summary))?;
            writeln!(stdout)?;
            if !report.ranking.is_empty() {
                write!(
                    stdout,
                    "{}",
                    summary::render_ranking(&report.ranking, !config.independent)
                )?;
                writeln!(stdout)?;
            }
            stdout.flush()?;
            if args.check_exact {
                write!(stdout, "{}", exact_check(&s, &result)?)?;
            }
            eprintln!(
                "wrote {} ({:.2} s, {:.2} M trials/s over {} arm(s) on {} thread(s))",
                dir.display(),
                secs,
                simulated as f64 / secs.max(1e-9) / 1e6,
                arms,
                pool.current_num_threads()
            );
        }
    }
    Ok(())
}

/// `N` when every cohort ran the same trials, else `N1–N2` (a run with a target precision).
fn trials_label(result: &engine::RunResult) -> String {
    let lo = result.stops.iter().map(|st| st.trials).min().unwrap_or(0);
    let hi = result.stops.iter().map(|st| st.trials).max().unwrap_or(0);
    let reasons: Vec<&str> = result.stops.iter().map(|st| st.reason.name()).collect();
    let why = if result.config.precision.is_some() {
        format!(" (stopped by: {})", reasons.join(", "))
    } else {
        String::new()
    };
    if lo == hi {
        format!("{lo}{why}")
    } else {
        format!("{lo}–{hi}{why}")
    }
}

/// Per arm (baseline and variants) and cohort, the largest |z| of a simulated rate (all entries
/// together) from its exact value.
fn exact_check(s: &Scenario, result: &engine::RunResult) -> Result<String> {
    use crate::exact::ExactCohort;
    use crate::model::Measure;
    use std::fmt::Write as _;
    let mut out = String::from("  exact check (|z| of each simulated rate from the exact probability, all entries):\n");
    let arms = std::iter::once((crate::report::BASELINE, s))
        .chain(s.variants().iter().map(|v| (v.name.as_str(), &v.scenario)));
    for (v, (name, sc)) in arms.enumerate() {
        let exact = crate::exact::solve(sc)?;
        for ((cohort, tally), ex) in sc.cohorts().iter().zip(result.arm(v)).zip(&exact) {
            let total = tally.total();
            let p = ExactCohort::aggregate(&ex.entries, cohort, |_| true);
            let worst = Measure::ALL
                .into_iter()
                .filter(|m| *m != Measure::ProtectedInTime && total.trials > 0)
                .map(|m| {
                    let (k, n, q) = (total.count(m), total.trials as f64, p[m.index()]);
                    let z = if q <= 0.0 || q >= 1.0 {
                        if (k as f64 - q * n).abs() < 0.5 {
                            0.0
                        } else {
                            f64::INFINITY
                        }
                    } else {
                        (k as f64 / n - q) / (q * (1.0 - q) / n).sqrt()
                    };
                    (m, z)
                })
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()));
            if let Some((m, z)) = worst {
                let _ = writeln!(
                    out,
                    "    {name} / {}: max |z| = {:.2} ({}); P(hit max_hops) = {:.1e}",
                    cohort.name,
                    z.abs(),
                    m.name(),
                    ex.beyond_max_hops
                );
            }
        }
    }
    Ok(out)
}

fn exact_scenarios(args: &ExactArgs) -> Result<()> {
    let scenarios = args
        .scenarios
        .iter()
        .map(|p| args.variants.load(p))
        .collect::<Result<Vec<_>>>()?;
    let mut stdout = std::io::stdout().lock();
    for (path, s) in args.scenarios.iter().zip(&scenarios) {
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
        let dir = args.out.join(format!(
            "{}-exact",
            scenario::default_name(&scenario::scenario_file(path))
        ));
        write::write_folder(&dir, &report.files())
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

fn check_scenarios(args: &CheckArgs) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    let mut failed = 0;
    for path in &args.scenarios {
        match args.variants.load(path) {
            Ok(s) => write!(stdout, "{}", describe(&s))?,
            Err(e) => {
                eprintln!("error: {e:#}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} scenario(s) are invalid", args.scenarios.len());
    }
    Ok(())
}

/// The `check` summary of a valid scenario.
fn describe(s: &Scenario) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{} ({}): valid", s.name(), s.source().path.display());
    let _ = writeln!(
        out,
        "  {} countries, {} authorities, {} channels ({} cross-border, {} formal), {} cohorts",
        s.countries().len(),
        s.authorities().len(),
        s.channels().len(),
        s.channels().iter().filter(|c| c.cross_border).count(),
        s.channels().iter().filter(|c| c.formal).count(),
        s.cohorts().len()
    );
    let _ = writeln!(
        out,
        "  seed {}, {} trials per cohort, max_hops {}, horizon {}",
        s.seed(),
        s.trials(),
        s.max_hops(),
        s.horizon_days().map_or("none".to_owned(), |h| format!("{h} days"))
    );
    let code = |a: usize| &s.countries()[s.authorities()[a].country].code;
    let mut pairs: Vec<(String, String, usize)> = Vec::new();
    for c in s.channels() {
        let (f, t) = (code(c.from).clone(), code(c.to).clone());
        match pairs.iter_mut().find(|p| p.0 == f && p.1 == t) {
            Some(p) => p.2 += 1,
            None => pairs.push((f, t, 1)),
        }
    }
    let _ = writeln!(out, "  channels per country pair:");
    for (f, t, n) in pairs {
        let _ = writeln!(out, "    {f} -> {t}: {n}");
    }
    let graph = ReferralGraph::new(s);
    let _ = writeln!(out, "  cohorts:");
    for c in s.cohorts() {
        let reach = graph.reachable(s, c).iter().filter(|r| **r).count();
        let entries: Vec<String> = c
            .entry
            .iter()
            .map(|&(a, w)| format!("{} {:.0}%", s.authorities()[a].id, 100.0 * w))
            .collect();
        let _ = writeln!(
            out,
            "    {}: {} {}, {}, {} victims/year; entry {}; goal {}; reaches {} authorities",
            c.name,
            s.countries()[c.origin].code,
            c.age.name(),
            if c.exploitation.is_empty() {
                "-"
            } else {
                &c.exploitation
            },
            c.victims,
            entries.join(", "),
            c.goal,
            reach
        );
    }
    if !s.variants().is_empty() {
        let _ = writeln!(out, "  variants ({} besides the baseline):", s.variants().len());
        for v in s.variants() {
            // Compared by id and by the ids of their ends: removing an authority renumbers the
            // channels without changing them.
            let ends = |sc: &Scenario, c: &crate::scenario::Channel| {
                (sc.authorities()[c.from].id.clone(), sc.authorities()[c.to].id.clone())
            };
            let channels = v
                .scenario
                .channels()
                .iter()
                .filter(|c| {
                    !s.channels().iter().any(|b| {
                        b.id == c.id
                            && ends(s, b) == ends(&v.scenario, c)
                            && crate::scenario::Channel {
                                from: 0,
                                to: 0,
                                ..b.clone()
                            } == crate::scenario::Channel {
                                from: 0,
                                to: 0,
                                ..(*c).clone()
                            }
                    })
                })
                .count();
            let authorities = v
                .scenario
                .authorities()
                .iter()
                .filter(|a| !s.authorities().contains(a))
                .count();
            let _ = writeln!(
                out,
                "    {} [{}]: {channels} channel(s) and {authorities} authorit(ies) added or changed, {} and {} \
                 removed; {} authorities, {} channels",
                v.name,
                v.kind.name(),
                s.channels()
                    .iter()
                    .filter(|b| !v.scenario.channels().iter().any(|c| c.id == b.id))
                    .count(),
                s.authorities()
                    .iter()
                    .filter(|b| !v.scenario.authorities().iter().any(|a| a.id == b.id))
                    .count(),
                v.scenario.authorities().len(),
                v.scenario.channels().len()
            );
        }
    }
    if s.warnings().is_empty() {
        let _ = writeln!(out, "  no warnings");
    } else {
        let _ = writeln!(out, "  warnings:");
        for w in s.warnings() {
            let _ = writeln!(out, "    - {w}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        super::Cli::command().debug_assert();
    }
}
