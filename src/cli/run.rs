//! `refgap run`: simulate scenarios, write one results folder per scenario, print the summaries
//! (and, with `--check-exact`, the distance of every simulated rate from the exact solution).

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;

use super::{LoadArgs, progress_bar, reserve_all};
use crate::engine::{self, RunConfig};
use crate::exact::check::{CohortCheck, Z_FAIL, check_arm};
use crate::report::Report;
use crate::scenario::Scenario;

#[derive(Debug, Args)]
pub(super) struct RunArgs {
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
    variants: LoadArgs,
    /// Simulate each variant on random numbers of its own instead of the baseline's (only to
    /// measure what common random numbers buy: intervals get wider).
    #[arg(long)]
    independent: bool,
    /// Stop each cohort once every paired difference (referral gaps and comparisons) has a 95%
    /// half-width below P, checked every 65,536 trials; --trials (or the scenario's trials) is
    /// the cap.
    #[arg(long, value_name = "P", value_parser = parse_precision)]
    precision: Option<f64>,
    /// Also write `report.html` into each results folder (what `refgap report` does).
    #[arg(long)]
    report: bool,
}

fn parse_precision(v: &str) -> std::result::Result<f64, String> {
    match v.parse::<f64>() {
        Ok(p) if p.is_finite() && p > 0.0 && p < 1.0 => Ok(p),
        _ => Err(format!(
            "{v} is not a precision; use a half-width between 0 and 1, e.g. 0.002"
        )),
    }
}

pub(super) fn run(args: &RunArgs) -> Result<()> {
    // Load and validate everything first: a typo in the last file must not cost the first run.
    let mut scenarios = Vec::new();
    for path in &args.scenarios {
        let mut s = args.variants.load(path)?;
        if let Some(seed) = args.seed {
            s = s.with_seed(seed);
        }
        if let Some(trials) = args.trials {
            s = s.with_trials(trials)?;
        }
        scenarios.push(s);
    }
    // Reserve every results folder before simulating anything: a folder in the way, a
    // read-only location or a concurrent run must not cost hours of simulation.
    let folders = reserve_all(&args.scenarios, &scenarios, &args.out, "", args.quiet)?;
    let jobs = scenarios.into_iter().zip(folders);
    let pool = super::pool(args.threads)?;
    let mut stdout = std::io::stdout().lock();
    let mut failed_checks = Vec::new();
    for (s, folder) in jobs {
        let dir = folder.dir().to_path_buf();
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
        let eta = Eta::new(total, started);
        let result = pool.install(|| {
            engine::run(&s, &config, &|n| {
                bar.inc(n);
                if let Some(hours) = eta.long_run(n)
                    && !args.quiet
                {
                    bar.suspend(|| {
                        eprintln!(
                            "warning: {}: at the rate so far this run needs about {hours:.1} hours more; \
                             stop it (Ctrl-C leaves earlier results as they were) and lower --trials, or use \
                             --precision to stop each cohort once its intervals are narrow enough",
                            s.name()
                        )
                    });
                }
            })
        });
        bar.finish_and_clear();
        let secs = started.elapsed().as_secs_f64();
        let simulated: u64 = result.stops.iter().map(|st| st.trials).sum::<u64>() * arms;
        let report = Report::new(&s, &result);
        let committed = folder
            .commit(&report.files())
            .with_context(|| format!("cannot write the results of {}", s.source().path.display()))?;
        if let Some(kept) = &committed.kept_previous {
            eprintln!(
                "warning: files were saved into the earlier result {} during the run; it was kept as {}",
                dir.display(),
                kept.display()
            );
        }
        if args.report {
            let page = crate::report::html::write(&dir)?;
            if !args.quiet {
                eprintln!("wrote {}", page.display());
            }
        }
        let checks = if args.check_exact {
            exact_checks(&s, &result)?
        } else {
            Vec::new()
        };
        let worst = checks
            .iter()
            .flat_map(|(_, c)| c.iter().filter_map(CohortCheck::worst))
            .map(|r| r.z.abs())
            .fold(0.0_f64, f64::max);
        if worst > Z_FAIL {
            failed_checks.push(format!("{} (max |z| = {worst:.2})", s.name()));
        }
        if !args.quiet {
            write!(stdout, "{}", report.text)?;
            stdout.flush()?;
            if args.check_exact {
                write!(stdout, "{}", render_checks(&checks))?;
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
    if !failed_checks.is_empty() {
        bail!(
            "the simulation disagrees with the exact solution beyond |z| = {Z_FAIL} in {}; the results \
             were written, but report this scenario as a bug",
            failed_checks.join(", ")
        );
    }
    Ok(())
}

/// Warns once, early, when a run will take long: after [`Eta::AFTER`] of simulation, if the
/// trials left at the rate so far need more than [`Eta::LONG`].
struct Eta {
    total: u64,
    started: Instant,
    done: AtomicU64,
    warned: AtomicBool,
}

impl Eta {
    /// Time measured before judging the rate.
    const AFTER: Duration = Duration::from_secs(2);
    /// What counts as a long run.
    const LONG: Duration = Duration::from_secs(3600);

    fn new(total: u64, started: Instant) -> Eta {
        Eta {
            total,
            started,
            done: AtomicU64::new(0),
            warned: AtomicBool::new(false),
        }
    }

    /// Counts `n` more trials; the hours left, the first time they exceed [`Eta::LONG`].
    fn long_run(&self, n: u64) -> Option<f64> {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        let elapsed = self.started.elapsed();
        if elapsed < Eta::AFTER || self.warned.load(Ordering::Relaxed) {
            return None;
        }
        let left = elapsed.as_secs_f64() * self.total.saturating_sub(done) as f64 / done as f64;
        (left > Eta::LONG.as_secs_f64() && !self.warned.swap(true, Ordering::Relaxed)).then_some(left / 3600.0)
    }
}

/// Per arm (baseline and variants), the check of every cohort against the exact solution.
fn exact_checks(s: &Scenario, result: &engine::RunResult) -> Result<Vec<(String, Vec<CohortCheck>)>> {
    let arms = std::iter::once((crate::report::BASELINE, s))
        .chain(s.variants().iter().map(|v| (v.name.as_str(), &v.scenario)));
    arms.enumerate()
        .map(|(v, (name, sc))| Ok((name.to_owned(), check_arm(sc, result.arm(v), &crate::exact::solve(sc)?))))
        .collect()
}

/// The `--check-exact` lines: per arm and cohort, the worst |z|.
fn render_checks(checks: &[(String, Vec<CohortCheck>)]) -> String {
    use std::fmt::Write as _;
    let mut out = format!(
        "  exact check (|z| of each simulated rate from the exact probability, all entries; fails above {Z_FAIL}):\n"
    );
    for (name, cohorts) in checks {
        for c in cohorts {
            if let Some(w) = c.worst() {
                let _ = writeln!(
                    out,
                    "    {name} / {}: max |z| = {:.2} ({}); P(hit max_hops) = {:.1e}",
                    c.cohort,
                    w.z.abs(),
                    w.measure.name(),
                    c.beyond_max_hops
                );
            }
        }
    }
    out
}
