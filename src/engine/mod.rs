//! The parallel Monte Carlo driver: fixed blocks of trials, mapped over rayon, tallies merged.
//!
//! For each cohort, trials are cut into blocks of [`BLOCK_TRIALS`]; rayon folds blocks into
//! per-worker tallies and reduces them. Each block fills its trials' stream windows (see
//! [`stream`]) into a buffer the worker reuses, then simulates every trial of the block in every
//! **arm**: the baseline first, then each variant of the scenario (interventions, sweep points),
//! all on the same words (common random numbers). Each arm also has a perfect-communication twin
//! (movements left as they are), for its referral gap: at a trial's first communication failure
//! its probability of completing is looked up in the arm's
//! [`CompletionTable`] ([`PerfectArm::Conditional`], the
//! default) or the twin is walked on from there on the same words ([`PerfectArm::Simulated`]).
//! What is kept per arm: the full tally, the per-trial gap against its perfect-communication twin,
//! and (variants) the pairing with the baseline's outcome of the same trial, from which paired
//! intervals follow. A trial's measures are counted by pattern ([`PatternCounts`]) and added to
//! the arm's tally at the end of its block, so a block's tallies are whole when the block ends.
//!
//! Variants are also paired with each other ([`pairs`]): with common random numbers, each block
//! keeps every paired arm's measures per trial and counts, per pair of variants, the trials whose
//! outcome differs (at most [`pairs::PAIR_CAP`] variants; beyond, a second pass over the same
//! trials pairs the ones with the largest gains).
//!
//! With `independent` set, every variant instead draws from streams of its own
//! ([`stream::CohortStreams::independent`]): this exists only to measure what common random
//! numbers buy, and comparisons then use unpaired intervals.
//!
//! With `precision` set, each cohort runs in stages of [`STAGE_BLOCKS`] blocks and stops after
//! the first stage at which every reported paired difference has a 95 % half-width below the
//! target, or at the trial cap. Stage boundaries are fixed multiples of the block size, so the
//! stopping point depends only on (scenario, seed, trials, precision), never on threads.
//!
//! **Invariants.** A trial's words depend only on (seed, cohort name, trial index); tallies are
//! integers, merged exactly. Hence the result depends only on (scenario, seed, trials), never on
//! the thread count or on how rayon splits the work. The block size is a constant of the run
//! format recorded in the manifest, never derived from the thread count. Memory per worker is
//! one tally per arm, one block buffer and one table of measure patterns (16 KiB per entry
//! point), whatever the number of trials. Nothing here does I/O:
//! progress is reported through a callback. [`world`] simulates the sampled worlds of an
//! uncertainty run with this driver.

pub mod pairs;
pub mod part;
pub mod stream;
pub mod world;

use std::sync::Arc;

use rayon::prelude::*;

use crate::model::Measure;
use crate::model::network::Network;
use crate::model::perfect::CompletionTable;
use crate::model::trial::{simulate_to_fork, simulate_with_perfect};
use crate::scenario::Scenario;
use crate::stats::VersusVariant;
use crate::stats::gap::fixed;
use crate::stats::interval::{PairTable, Z95};
use crate::stats::{CohortTally, PatternCounts};
use stream::{CohortStreams, OverflowRng, StreamKey, WINDOW_WORDS};

/// Trials per block.
pub const BLOCK_TRIALS: u64 = 1024;

/// Blocks per stage of a run with a target precision (65,536 trials): the stopping rule is
/// checked only at multiples of this.
pub const STAGE_BLOCKS: u64 = 64;

/// What to run: the scenario's seed and trials, or overrides of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunConfig {
    /// Seed of every stream.
    pub seed: u64,
    /// Trials per cohort (the cap, when `precision` is set).
    pub trials: u64,
    /// Independent streams per variant instead of common random numbers.
    pub independent: bool,
    /// Stop a cohort once every paired difference's 95 % half-width is below this.
    pub precision: Option<f64>,
    /// How the perfect-communication arm is estimated.
    pub perfect_arm: PerfectArm,
}

/// How the perfect-communication arm of each arm and cohort is estimated (docs/MODEL.md, "The
/// perfect arm by conditioning"). Part of the result: the two give different numbers for the
/// same seed (the same expected gap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PerfectArm {
    /// Its probability of completing from the actual arm's first communication failure, looked up
    /// in a [`CompletionTable`]; simulated for a cohort whose table is too large.
    #[default]
    Conditional,
    /// Walked on from the first communication failure (every measure of the perfect arm is
    /// counted, not only completion).
    Simulated,
}

impl PerfectArm {
    /// `conditional` or `simulated`.
    pub fn name(self) -> &'static str {
        match self {
            PerfectArm::Conditional => "conditional",
            PerfectArm::Simulated => "simulated",
        }
    }
}

impl RunConfig {
    /// The scenario's own seed and trials, common random numbers, no target precision.
    pub fn from_scenario(s: &Scenario) -> RunConfig {
        RunConfig::new(s.seed(), s.trials())
    }

    /// `trials` trials per cohort from `seed`, common random numbers, no target precision.
    pub fn new(seed: u64, trials: u64) -> RunConfig {
        RunConfig {
            seed,
            trials,
            independent: false,
            precision: None,
            perfect_arm: PerfectArm::Conditional,
        }
    }
}

/// Why a cohort's simulation stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// It ran the trials asked for (no target precision).
    Trials,
    /// Every paired difference reached the target precision.
    Precision,
    /// The trial cap was reached before the target precision.
    Cap,
}

impl Stop {
    /// `trials`, `precision` or `cap`.
    pub fn name(self) -> &'static str {
        match self {
            Stop::Trials => "trials",
            Stop::Precision => "precision",
            Stop::Cap => "cap",
        }
    }
}

/// How one cohort's simulation ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CohortStop {
    /// Trials simulated.
    pub trials: u64,
    /// Why it stopped there.
    pub reason: Stop,
    /// The largest 95 % half-width of a reported paired difference at the stop.
    pub half_width: f64,
}

/// The tallies of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    /// The configuration that produced the result.
    pub config: RunConfig,
    /// The baseline's tally per cohort, in scenario order.
    pub cohorts: Vec<CohortTally>,
    /// Per variant (in [`Scenario::variants`] order), one tally per cohort; each records its
    /// pairing with the baseline.
    pub variants: Vec<Vec<CohortTally>>,
    /// Per cohort, how its simulation ended.
    pub stops: Vec<CohortStop>,
}

impl RunResult {
    /// The tallies of arm `v` (0 = baseline, `1 + i` = variant `i`).
    pub fn arm(&self, v: usize) -> &[CohortTally] {
        if v == 0 { &self.cohorts } else { &self.variants[v - 1] }
    }

    /// The 2×2 table of measure `m` for variant `i` of cohort `c` against the baseline: arm `a`
    /// is the baseline, arm `b` the variant.
    pub fn versus_baseline(&self, i: usize, c: usize, m: Measure) -> PairTable {
        self.variants[i][c].versus_baseline(&self.cohorts[c], m)
    }
}

/// The compiled networks of one arm, and its perfect arm's completion table (none when the
/// perfect arm is simulated).
struct Arm {
    actual: Network,
    perfect: Network,
    table: Option<Arc<CompletionTable>>,
    channels: usize,
    authorities: usize,
}

/// Simulates every cohort of `s` in every arm. `progress` is called with the number of trials
/// finished (of one arm), after every block, from worker threads.
pub fn run(s: &Scenario, config: &RunConfig, progress: &(dyn Fn(u64) + Sync)) -> RunResult {
    let arms = compile_arms(s, config);
    let key = StreamKey::new(config.seed);
    let mut per_arm: Vec<Vec<CohortTally>> = vec![Vec::new(); arms.len()];
    let mut stops = Vec::new();
    for c in 0..s.cohorts().len() {
        let (tallies, stop) = cohort_job(s, &arms, &key, c, config).run(config, progress);
        for (v, t) in tallies.into_iter().enumerate() {
            per_arm[v].push(t);
        }
        stops.push(stop);
    }
    let mut arms_iter = per_arm.into_iter();
    let cohorts = arms_iter.next().unwrap_or_default();
    let mut result = RunResult {
        config: *config,
        cohorts,
        variants: arms_iter.collect(),
        stops,
    };
    if needs_second_pass(config, arms.len()) {
        pairs::second_pass(s, arms, &key, &mut result);
    }
    result
}

/// The compiled networks of every arm of `s`: the baseline, then each variant.
fn compile_arms(s: &Scenario, config: &RunConfig) -> Vec<Arm> {
    let scenarios: Vec<&Scenario> = std::iter::once(s)
        .chain(s.variants().iter().map(|v| &v.scenario))
        .collect();
    let mut arms: Vec<Arm> = scenarios
        .par_iter()
        .map(|sc| Arm {
            actual: Network::compile(sc),
            perfect: Network::compile(&sc.with_perfect_communication()),
            table: None,
            channels: sc.channels().len(),
            authorities: sc.authorities().len(),
        })
        .collect();
    if config.perfect_arm == PerfectArm::Conditional {
        // A table depends only on the perfect network and the delay laws: arms that share them
        // (a practice that changes only qualities and fidelities) share one table.
        let same = |i: usize, j: usize| {
            arms[i].perfect == arms[j].perfect
                && scenarios[i]
                    .channels()
                    .iter()
                    .zip(scenarios[j].channels())
                    .all(|(a, b)| a.delay == b.delay)
        };
        // Each arm against the first arm of each group so far (sharing is an equivalence): work
        // in arms × distinct tables, not arms².
        let mut first: Vec<usize> = Vec::with_capacity(arms.len());
        for i in 0..arms.len() {
            let rep = (0..i).filter(|&j| first[j] == j).find(|&j| same(i, j));
            first.push(rep.unwrap_or(i));
        }
        let built: Vec<(usize, Arc<CompletionTable>)> = (0..arms.len())
            .into_par_iter()
            .filter(|&i| first[i] == i)
            .map(|i| (i, Arc::new(CompletionTable::build(scenarios[i], &arms[i].perfect))))
            .collect();
        for (i, arm) in arms.iter_mut().enumerate() {
            arm.table = built.iter().find(|(j, _)| *j == first[i]).map(|(_, t)| Arc::clone(t));
        }
    }
    debug_assert!(arms.iter().all(|a| a.perfect.is_perfect_version_of(&a.actual)));
    arms
}

/// The arms whose variants are paired with each other during the run, as (arm, variant index):
/// every variant, unless streams are independent or there are more than [`pairs::PAIR_CAP`]
/// (then [`pairs::second_pass`] pairs the chosen ones after the run).
fn paired_arms(config: &RunConfig, arms: usize) -> Vec<(usize, usize)> {
    let variants = arms - 1;
    if config.independent || variants > pairs::PAIR_CAP {
        Vec::new()
    } else {
        (0..variants).map(|v| (1 + v, v)).collect()
    }
}

/// Whether the variant pairs of a run under `config` are counted in a second pass after it.
fn needs_second_pass(config: &RunConfig, arms: usize) -> bool {
    !config.independent && arms - 1 > pairs::PAIR_CAP
}

/// The job of simulating cohort `c` of `s` in every arm.
fn cohort_job<'a>(s: &Scenario, arms: &'a [Arm], key: &'a StreamKey, c: usize, config: &RunConfig) -> CohortJob<'a> {
    let cohort = &s.cohorts()[c];
    let streams = (0..arms.len())
        .map(|v| {
            if config.independent {
                CohortStreams::independent(&cohort.name, v)
            } else {
                CohortStreams::for_cohort(&cohort.name)
            }
        })
        .collect();
    CohortJob {
        arms,
        horizon_days: s.horizon_days(),
        cohort: c,
        entries: cohort.entry.len(),
        key,
        streams,
        independent: config.independent,
        pairs: paired_arms(config, arms.len()),
    }
}

/// Whether the perfect arm of cohort `c` of `arm` is simulated: it has no completion table (the
/// perfect arm is simulated, or the cohort's table would be too large).
fn simulates_perfect(arm: &Arm, c: usize) -> bool {
    !arm.table.as_ref().is_some_and(|t| t.has(c))
}

/// The largest 95 % half-width among the paired differences reported for one cohort: the
/// referral gap of every arm and, for every variant, each applicable measure against the
/// baseline (unpaired intervals in independent mode).
pub fn max_half_width(tallies: &[CohortTally], horizon: bool, independent: bool) -> f64 {
    let half = |t: PairTable, paired: bool| {
        let (d, lo, hi) = if paired {
            t.difference(Z95)
        } else {
            t.difference_unpaired(Z95)
        };
        (d - lo).max(hi - d)
    };
    let mut worst: f64 = 0.0;
    for t in tallies {
        let (g, _) = t.gap(Z95);
        worst = worst.max((g.gap - g.lo).max(g.hi - g.gap));
    }
    if let Some((base, variants)) = tallies.split_first() {
        for t in variants {
            for m in Measure::ALL {
                if m != Measure::ProtectedInTime || horizon {
                    worst = worst.max(half(t.versus_baseline(base, m), !independent));
                }
            }
        }
    }
    worst
}

/// Everything needed to simulate the trials of one cohort.
struct CohortJob<'a> {
    arms: &'a [Arm],
    horizon_days: Option<f64>,
    cohort: usize,
    entries: usize,
    key: &'a StreamKey,
    /// The streams of each arm (all equal unless `independent`).
    streams: Vec<CohortStreams>,
    independent: bool,
    /// The arms whose variants are paired with each other: (arm, variant index), in variant
    /// order (empty: no variant pairs are counted).
    pairs: Vec<(usize, usize)>,
}

/// What a worker reuses from block to block.
struct Workspace {
    tallies: Vec<CohortTally>,
    windows: Vec<u32>,
    overflow: OverflowRng,
    /// The baseline's measures of each trial of the block.
    base: Vec<u16>,
    /// The measures of each paired arm for each trial of the block (trial-major).
    marks: Vec<u16>,
    /// The current arm's trials counted by measure pattern, settled after each arm's block.
    patterns: PatternCounts,
}

impl CohortJob<'_> {
    fn empty(&self) -> Vec<CohortTally> {
        let mut tallies: Vec<CohortTally> = self
            .arms
            .iter()
            .map(|a| {
                CohortTally::new(
                    self.entries,
                    a.channels,
                    a.authorities,
                    simulates_perfect(a, self.cohort),
                )
            })
            .collect();
        for (q, &(arm, _)) in self.pairs.iter().enumerate() {
            tallies[arm].versus_variants = self.pairs[..q]
                .iter()
                .map(|&(_, variant)| VersusVariant {
                    variant,
                    discordant: [(0, 0); Measure::COUNT],
                })
                .collect();
        }
        tallies
    }

    /// Runs blocks until the trials are done, or the target precision is met at a stage end.
    /// Without a target the whole run is one stage.
    fn run(&self, config: &RunConfig, progress: &(dyn Fn(u64) + Sync)) -> (Vec<CohortTally>, CohortStop) {
        let blocks = config.trials.div_ceil(BLOCK_TRIALS);
        let stage_blocks = if config.precision.is_some() {
            STAGE_BLOCKS
        } else {
            blocks
        };
        let mut tallies = self.empty();
        let mut done = 0;
        loop {
            let next = (done + stage_blocks).min(blocks);
            let stage = self.blocks(done..next, config.trials, progress);
            for (a, b) in tallies.iter_mut().zip(&stage) {
                a.merge(b);
            }
            done = next;
            let half_width = max_half_width(&tallies, self.horizon_days.is_some(), self.independent);
            let reason = match config.precision {
                None => Stop::Trials,
                Some(target) if half_width < target => Stop::Precision,
                Some(_) if done == blocks => Stop::Cap,
                Some(_) => continue,
            };
            let trials = (done * BLOCK_TRIALS).min(config.trials);
            return (
                tallies,
                CohortStop {
                    trials,
                    reason,
                    half_width,
                },
            );
        }
    }

    /// Simulates the blocks in `range` (of a run of `trials` trials) in every arm.
    fn blocks(&self, range: std::ops::Range<u64>, trials: u64, progress: &(dyn Fn(u64) + Sync)) -> Vec<CohortTally> {
        range
            .into_par_iter()
            .fold(
                || Workspace {
                    tallies: self.empty(),
                    windows: Vec::new(),
                    overflow: self.key.overflow_rng(),
                    base: Vec::new(),
                    marks: Vec::new(),
                    patterns: PatternCounts::default(),
                },
                |mut ws, b| {
                    let first = b * BLOCK_TRIALS;
                    let n = BLOCK_TRIALS.min(trials - first);
                    self.block(first, n, &mut ws);
                    progress(n);
                    ws
                },
            )
            .map(|ws| ws.tallies)
            .reduce(
                || self.empty(),
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(&b) {
                        x.merge(y);
                    }
                    a
                },
            )
    }

    /// Simulates trials `first .. first + n` in every arm, reusing the worker's buffers.
    fn block(&self, first: u64, n: u64, ws: &mut Workspace) {
        let Workspace {
            tallies,
            windows,
            overflow,
            base,
            marks,
            patterns,
        } = ws;
        windows.resize(n as usize * WINDOW_WORDS, 0);
        base.resize(n as usize, 0);
        let paired = self.pairs.len();
        marks.resize(n as usize * paired, 0);
        for (v, (arm, tally)) in self.arms.iter().zip(tallies.iter_mut()).enumerate() {
            let streams = self.streams[v];
            let slot = self.pairs.iter().position(|p| p.0 == v);
            if v == 0 || self.independent {
                self.key.fill_windows(streams, first, windows);
            }
            let table = arm.table.as_ref().and_then(|t| t.cohort(self.cohort));
            for (i, window) in windows.chunks_exact(WINDOW_WORDS).enumerate() {
                let trial = first + i as u64;
                let mut draws = self.key.trial(streams, trial, window, overflow);
                let mut obs = tally.observer();
                let (actual, measures) = if let Some(table) = &table {
                    // The perfect arm's probability of completing from the first communication
                    // failure, looked up (see `model::perfect`).
                    let (actual, fork) = simulate_to_fork(&arm.actual, self.cohort, &mut draws, &mut obs);
                    let measures = actual.measures(self.horizon_days);
                    // Without a failure the perfect arm is the actual one: its gap `d` is 0, which
                    // adds nothing to the sums.
                    if let Some(f) = fork {
                        tally.record_conditional(!actual.completed_at.is_nan(), fixed(table.value(&f)));
                    }
                    (actual, measures)
                } else {
                    // The perfect-communication arm is walked only where communication failed,
                    // and then resumed from that point (see `simulate_with_perfect`).
                    let (actual, perfect) =
                        simulate_with_perfect(&arm.actual, &arm.perfect, self.cohort, &mut draws, &mut obs);
                    let measures = actual.measures(self.horizon_days);
                    let perfect = perfect.map_or(measures, |p| p.measures(self.horizon_days));
                    tally.record_pair(measures, perfect);
                    (actual, measures)
                };
                tally.record_end(&actual, arm.actual.cohorts[self.cohort].entry_at[actual.entry] as usize);
                tally.entries[actual.entry].record_times(&actual, measures);
                patterns.add(actual.entry, measures);
                if v == 0 {
                    base[i] = measures;
                } else {
                    tally.record_versus(base[i], measures);
                }
                if let Some(q) = slot {
                    marks[i * paired + q] = measures;
                }
            }
            patterns.settle(&mut tally.entries);
        }
        // Every pair of paired variants, on the same trials: only disagreements cost anything.
        if paired > 1 {
            for trial in marks.chunks_exact(paired) {
                for q in 1..paired {
                    let tally = &mut tallies[self.pairs[q].0];
                    for (e, &earlier) in trial[..q].iter().enumerate() {
                        tally.record_versus_variant(e, earlier, trial[q]);
                    }
                }
            }
        }
    }
}
