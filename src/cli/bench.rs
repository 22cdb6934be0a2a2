//! `refgap bench`: the engine's speed on one scenario, at one thread and at all threads,
//! interleaved over rounds so that a noisy machine affects both alike. Prints the median and the
//! spread of trials/s, ns per trial, channel traversals/s and the process's peak memory.
//!
//! One trial is one simulated victim with every tally recorded, including the pairing with the
//! perfect-communication arm (simulated again only when communication failed in the trial).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Result, bail};

use crate::engine::{self, RunConfig, RunResult};
use crate::scenario::Scenario;

/// The default scenario: the fixed benchmark scenario of the repository.
pub const DEFAULT_SCENARIO: &str = "benches/scenarios/bench100.toml";

/// Options of `refgap bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Scenario to time [default: benches/scenarios/bench100.toml].
    #[arg(value_name = "SCENARIO")]
    scenario: Option<PathBuf>,
    /// Trials per cohort in each timed run.
    #[arg(long, value_name = "N", default_value_t = 200_000)]
    trials: u64,
    /// Rounds; each round times 1 thread, then all threads.
    #[arg(long, value_name = "R", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    rounds: u32,
}

/// Timings of one thread count.
struct Series {
    threads: usize,
    seconds: Vec<f64>,
    trials: u64,
    traversals: u64,
}

impl Series {
    fn rates(&self, per_run: u64) -> Vec<f64> {
        let mut r: Vec<f64> = self.seconds.iter().map(|s| per_run as f64 / s).collect();
        r.sort_by(f64::total_cmp);
        r
    }
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
    }
}

fn traversals(r: &RunResult) -> u64 {
    r.cohorts
        .iter()
        .flat_map(|c| &c.entries)
        .map(|e| (e.hops.mean().unwrap_or(0.0) * e.hops.count() as f64).round() as u64)
        .sum()
}

/// Peak resident memory of this process (Linux `VmHWM`), in KiB.
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs the benchmark and returns the report text.
/// Runs the bench and prints its table.
pub(super) fn bench(args: &BenchArgs) -> Result<()> {
    use std::io::Write;
    let text = run(args)?;
    let mut stdout = std::io::stdout().lock();
    write!(stdout, "{text}")?;
    Ok(())
}

pub fn run(args: &BenchArgs) -> Result<String> {
    let path = args.scenario.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_SCENARIO));
    if args.scenario.is_none() && !Path::new(DEFAULT_SCENARIO).exists() {
        bail!("no scenario given and {DEFAULT_SCENARIO} is not here; run from the repository root or name a scenario");
    }
    let s = Scenario::load(&path)?.with_trials(args.trials)?;
    let config = RunConfig::from_scenario(&s);
    let per_run = config.trials * s.cohorts().len() as u64;
    let all = std::thread::available_parallelism().map_or(1, usize::from);
    let mut series: Vec<Series> = [1, all]
        .into_iter()
        .map(|threads| Series {
            threads,
            seconds: Vec::new(),
            trials: per_run,
            traversals: 0,
        })
        .collect();
    if all == 1 {
        series.truncate(1);
    }
    let pools = series
        .iter()
        .map(|x| rayon::ThreadPoolBuilder::new().num_threads(x.threads).build())
        .collect::<Result<Vec<_>, _>>()?;
    // Warm-up: page in the code and the scenario before the first timed run.
    pools[0].install(|| {
        engine::run(
            &s,
            &RunConfig {
                trials: 1_000,
                ..config
            },
            &|_| {},
        )
    });
    for _ in 0..args.rounds {
        for (x, pool) in series.iter_mut().zip(&pools) {
            let started = Instant::now();
            let result = pool.install(|| engine::run(&s, &config, &|_| {}));
            x.seconds.push(started.elapsed().as_secs_f64());
            x.traversals = traversals(&result);
        }
    }
    let mut out = format!(
        "refgap bench: {} ({} cohort(s) × {} trials = {} trials per run), {} round(s), interleaved\n",
        path.display(),
        s.cohorts().len(),
        config.trials,
        per_run,
        args.rounds
    );
    out.push_str(&format!(
        "  {:>7}  {:>14}  {:>22}  {:>10}  {:>16}\n",
        "threads", "trials/s", "min – max", "ns/trial", "traversals/s"
    ));
    let mut medians = Vec::new();
    for x in &series {
        let rates = x.rates(x.trials);
        let m = median(&rates);
        medians.push(m);
        let seconds_median = x.trials as f64 / m;
        out.push_str(&format!(
            "  {:>7}  {:>12.2} M  {:>9.2} M – {:>6.2} M  {:>10.1}  {:>14.2} M\n",
            x.threads,
            m / 1e6,
            rates[0] / 1e6,
            rates[rates.len() - 1] / 1e6,
            1e9 / m,
            x.traversals as f64 / seconds_median / 1e6
        ));
    }
    if medians.len() == 2 {
        out.push_str(&format!(
            "  speed-up {} threads / 1 thread: {:.2}×\n",
            series[1].threads,
            medians[1] / medians[0]
        ));
    }
    if let Some(kib) = peak_kib() {
        out.push_str(&format!("  peak memory (VmHWM): {:.1} MiB\n", kib as f64 / 1024.0));
    }
    Ok(out)
}
