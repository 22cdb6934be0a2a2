//! Criterion benches: engine throughput (trials/s, both arms) per bundled scenario (baselines,
//! the regional scenario included) and the `bench100` benchmark scenario at 1 and 2 threads, the
//! cost of variants (arm-trials/s of the regional scenario with its 18 variants), the delay samplers, the exact solver and
//! channel ranking on `bench100`, and the `floor` group: how much of a `bench100` trial's time is
//! random numbers and sampling alone (see [`floor`]). `cargo test --benches` smoke-runs them once;
//! `cargo bench` measures. Results and the machine they ran on are recorded in
//! `benches/RESULTS.md`.

use std::cell::RefCell;
use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use refgap::engine::stream::{CohortStreams, OverflowRng, StreamKey, TrialDraws, WINDOW_WORDS};
use refgap::engine::{self, BLOCK_TRIALS, PerfectArm, RunConfig};
use refgap::model::network::Network;
use refgap::model::perfect::CompletionTable;
use refgap::model::trial::{
    Draws, Observer, Rewind, dropout_happens, simulate, simulate_to_fork, simulate_with_perfect,
};
use refgap::scenario::Scenario;
use refgap::stats::CohortTally;
use refgap::stats::gap::fixed;
use refgap::vocab::delay::{Delay, DelaySampler};

const TRIALS: u64 = 100_000;

fn load(name: &str) -> Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = if name == "bench100" {
        root.join("benches/scenarios/bench100.toml")
    } else {
        root.join("scenarios").join(name)
    };
    // Baselines only: the `variants` group measures variants.
    Scenario::load(&path)
        .expect("bundled scenarios are valid")
        .without_variants()
}

fn engine_throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    for name in ["minimal.toml", "talibe.toml", "europe-leg", "ecowas-2020", "bench100"] {
        let s = load(name);
        let config = RunConfig::new(s.seed(), TRIALS);
        group.throughput(Throughput::Elements(TRIALS * s.cohorts().len() as u64));
        for threads in [1usize, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            group.bench_with_input(BenchmarkId::new(name, format!("{threads}t")), &s, |b, s| {
                b.iter(|| pool.install(|| black_box(engine::run(s, &config, &|_| {}))));
            });
        }
    }
    group.finish();
}

/// Variants share each block's random numbers: arm-trials/s of the regional scenario with its 8
/// interventions and 10 sweep points (19 arms), against its baseline alone (the `engine` group).
fn variants(c: &mut Criterion) {
    const VARIANT_TRIALS: u64 = 10_000;
    let mut group = c.benchmark_group("variants");
    group.sample_size(10);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let s = Scenario::load(&root.join("scenarios/ecowas-2020")).expect("bundled scenarios are valid");
    let arms = 1 + s.variants().len() as u64;
    let config = RunConfig::new(s.seed(), VARIANT_TRIALS);
    group.throughput(Throughput::Elements(VARIANT_TRIALS * s.cohorts().len() as u64 * arms));
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        group.bench_with_input(
            BenchmarkId::new("ecowas-2020-all-arms", format!("{threads}t")),
            &s,
            |b, s| {
                b.iter(|| pool.install(|| black_box(engine::run(s, &config, &|_| {}))));
            },
        );
    }
    group.finish();
}

fn delay_samplers(c: &mut Criterion) {
    let mut group = c.benchmark_group("delay");
    const N: u64 = 10_000;
    group.throughput(Throughput::Elements(N));
    let laws = [
        ("fixed", Delay::Fixed(3.0)),
        ("exponential", Delay::Exponential { mean: 3.0 }),
        ("gamma_k2", Delay::Gamma { mean: 2.0, shape: 2.0 }),
        ("gamma_k0.5", Delay::Gamma { mean: 2.0, shape: 0.5 }),
        (
            "lognormal",
            Delay::LogNormal {
                median: 30.0,
                sigma: 0.6,
            },
        ),
        ("uniform", Delay::Uniform { min: 29.0, max: 48.0 }),
    ];
    for (name, law) in laws {
        let sampler = law.sampler();
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut acc = 0.0;
                for i in 0..N {
                    acc += sampler.sample(black_box(i.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
                }
                acc
            });
        });
    }
    group.finish();
}

fn exact_solver(c: &mut Criterion) {
    let mut group = c.benchmark_group("exact");
    group.sample_size(20);
    let s = load("bench100");
    group.bench_function("solve/bench100", |b| {
        b.iter(|| black_box(refgap::exact::solve(&s).unwrap()))
    });
    group.bench_function("rank/bench100", |b| {
        b.iter(|| black_box(refgap::exact::rank::rank_channels(&s).unwrap()))
    });
    // One world of an uncertainty run of the regional scenario (its 8 factors at their
    // medians): the baseline and its 8 interventions, each solved with perfect communication
    // too. Side by side: the same scenario's plain exact solve of the baseline alone.
    let regional = refgap::scenario::Scenario::load("scenarios/ecowas-2020".as_ref()).unwrap();
    let baseline = regional.clone().without_variants();
    group.bench_function("solve/ecowas-2020", |b| {
        b.iter(|| black_box(refgap::exact::solve(&baseline).unwrap()))
    });
    let median = vec![0.5; regional.factors().len()];
    group.bench_function("uncertainty-world/ecowas-2020", |b| {
        b.iter(|| {
            black_box(refgap::exact::uncertainty::evaluate(&regional, &median, refgap::exact::Solver::Auto).unwrap())
        })
    });
    // The whole transfer matrix of the regional scenario (`refgap transfer`, no uncertainty):
    // every practice made in every country or crossing pair, then every cell solved.
    group.sample_size(10);
    group.bench_function("transfer-matrix/ecowas-2020", |b| {
        use refgap::scenario::variant::transfer::{Contexts, Matrix};
        b.iter(|| {
            let m = Matrix::new(&regional, &[], Contexts::Auto).unwrap();
            black_box(refgap::exact::transfer::evaluate(&regional, &m, refgap::exact::Solver::Auto, &|| {}).unwrap())
        })
    });
    // The same cells, each solved whole by `exact::solve` (nothing reused), for comparison.
    let matrix = refgap::scenario::variant::transfer::Matrix::new(
        &regional,
        &[],
        refgap::scenario::variant::transfer::Contexts::Auto,
    )
    .unwrap();
    group.bench_function("transfer-cells-plain/ecowas-2020", |b| {
        use rayon::prelude::*;
        b.iter(|| {
            let solved: Vec<_> = matrix
                .cells
                .par_iter()
                .filter_map(|c| c.variant.as_ref())
                .map(|v| refgap::exact::solve(v).unwrap())
                .collect();
            black_box(solved)
        })
    });
    group.finish();
}

/// Trials per cohort in the `floor` group (12 cohorts: 240,000 trials per iteration).
const FLOOR_TRIALS: u64 = 20_000;

/// One recorded step of a trial, replayed by `floor/sampling*`.
#[derive(Debug, Clone, Copy)]
enum Op {
    /// A 32-bit word compared with a threshold (entry, identification, routing, fidelity,
    /// assist).
    Word,
    /// Words skipped (attempts left unused after a success).
    Skip(u32),
    /// An attempt on channel `e`: four words, a delay sample, the dropout threshold where the
    /// sending authority has dropout, the success comparison.
    Attempt(u32),
    /// Back to word `p` of the trial (where `simulate_with_perfect` resumes the perfect arm).
    Rewind(u32),
    /// An attempt on channel `e` whose four words start at word `pos` of the trial (the traces
    /// of `floor/samples*`, which keep only the attempts).
    AttemptAt { pos: u32, e: u32 },
    /// End of an arm: the next arm of the trial (if any) starts with fresh draws.
    End,
}

/// Records the draws a trial consumes (every word as [`Op::Word`]; the observer then turns each
/// attempt's four words into one [`Op::Attempt`]).
struct Recorder<'r, D> {
    inner: D,
    ops: &'r RefCell<Vec<Op>>,
}

impl<D: Draws> Draws for Recorder<'_, D> {
    fn word(&mut self) -> u32 {
        self.ops.borrow_mut().push(Op::Word);
        self.inner.word()
    }
    fn skip(&mut self, n: usize) {
        self.ops.borrow_mut().push(Op::Skip(n as u32));
        self.inner.skip(n);
    }
}

impl<D: Rewind> Rewind for Recorder<'_, D> {
    fn position(&self) -> usize {
        self.inner.position()
    }
    fn rewind(&mut self, position: usize) {
        self.ops.borrow_mut().push(Op::Rewind(position as u32));
        self.inner.rewind(position);
    }
}

/// Labels each attempt with its channel.
struct RecordObserver<'r> {
    ops: &'r RefCell<Vec<Op>>,
}

impl Observer for RecordObserver<'_> {
    fn attempt(&mut self, e: usize) {
        // `simulate` reads an attempt's four words (delay, delay, dropout, success), then reports it.
        let mut ops = self.ops.borrow_mut();
        let n = ops.len();
        assert!(ops[n - 4..].iter().all(|op| matches!(op, Op::Word)));
        ops.truncate(n - 4);
        ops.push(Op::Attempt(e as u32));
    }
}

/// The recorded steps of every trial of one cohort, in trial order, and per trial whether its
/// second arm starts with fresh draws (the perfect arm simulated again from the start).
struct CohortTrace {
    ops: Vec<Op>,
    second_draws: Vec<bool>,
}

impl CohortTrace {
    /// The same trace with only its attempts, each at its position in the trial.
    fn attempts_only(&self) -> CohortTrace {
        let mut ops = Vec::new();
        let mut pos = 0u32;
        for &op in &self.ops {
            match op {
                Op::Word => pos += 1,
                Op::Skip(n) => pos += n,
                Op::Rewind(p) => pos = p,
                Op::Attempt(e) => {
                    ops.push(Op::AttemptAt { pos, e });
                    pos += 4;
                }
                Op::AttemptAt { .. } => unreachable!("recorded traces hold no AttemptAt"),
                Op::End => {
                    ops.push(Op::End);
                    pos = 0;
                }
            }
        }
        CohortTrace {
            ops,
            second_draws: self.second_draws.clone(),
        }
    }
}

/// Words the steps consume, rewinds aside.
fn words_of(ops: &[Op]) -> u32 {
    ops.iter()
        .map(|op| match *op {
            Op::Word => 1,
            Op::Skip(n) => n,
            Op::Attempt(_) | Op::AttemptAt { .. } => 4,
            Op::Rewind(_) | Op::End => 0,
        })
        .sum()
}

/// Which arms a trace or a walk covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arms {
    /// The actual arm only.
    Actual,
    /// Both arms as the engine simulates them today: the perfect arm again from the start where
    /// communication failed.
    Two,
    /// Both arms with `simulate_with_perfect`: the perfect arm resumed at the first failure.
    Pair,
    /// The actual arm with `simulate_to_fork`, the perfect arm's probability of completing looked
    /// up in the `CompletionTable` (what the engine does by default).
    Lookup,
}

/// What the `floor` benches share: bench100 compiled as the engine compiles it.
struct Floor {
    actual: Network,
    perfect: Network,
    table: CompletionTable,
    key: StreamKey,
    streams: Vec<CohortStreams>,
    /// Dropout rate of each channel's sending authority.
    rates: Vec<f64>,
    samplers: Vec<DelaySampler>,
    quality: Vec<u64>,
    trials: u64,
}

impl Floor {
    fn new(s: &Scenario, trials: u64) -> Floor {
        let actual = Network::compile(s);
        let perfect = Network::compile(&s.with_perfect_communication());
        Floor {
            table: CompletionTable::build(s, &perfect),
            perfect,
            key: StreamKey::new(s.seed()),
            streams: s.cohorts().iter().map(|c| CohortStreams::for_cohort(&c.name)).collect(),
            rates: s
                .channels()
                .iter()
                .map(|c| s.authorities()[c.from].dropout_per_day)
                .collect(),
            samplers: actual.channels.iter().map(|c| c.delay).collect(),
            quality: actual.channels.iter().map(|c| c.quality).collect(),
            actual,
            trials,
        }
    }

    /// Runs `per_trial(cohort, trial, window, overflow)` over every trial, windows filled block by
    /// block exactly as the engine fills them.
    fn for_each_trial(&self, mut per_trial: impl FnMut(usize, u64, &[u32], &mut OverflowRng)) {
        let mut buf = Vec::new();
        for (c, &streams) in self.streams.iter().enumerate() {
            let mut overflow = self.key.overflow_rng();
            for first in (0..self.trials).step_by(BLOCK_TRIALS as usize) {
                let n = BLOCK_TRIALS.min(self.trials - first);
                buf.resize(n as usize * WINDOW_WORDS, 0);
                self.key.fill_windows(streams, first, &mut buf);
                for (i, window) in buf.chunks_exact(WINDOW_WORDS).enumerate() {
                    per_trial(c, first + i as u64, window, &mut overflow);
                }
            }
        }
    }

    /// Records the draws of every trial, per cohort in trial order, for the given arms.
    fn record(&self, arms: Arms) -> Vec<CohortTrace> {
        let mut traces: Vec<CohortTrace> = (0..self.streams.len())
            .map(|_| CohortTrace {
                ops: Vec::new(),
                second_draws: Vec::new(),
            })
            .collect();
        let ops = RefCell::new(Vec::new());
        self.for_each_trial(|c, trial, window, overflow| {
            let streams = self.streams[c];
            let mut obs = RecordObserver { ops: &ops };
            let mut draws = Recorder {
                inner: self.key.trial(streams, trial, window, overflow),
                ops: &ops,
            };
            let mut second = false;
            if arms == Arms::Pair {
                simulate_with_perfect(&self.actual, &self.perfect, c, &mut draws, &mut obs);
                // The resumed perfect arm is not observed, so its attempts are still four `Word`s
                // each: take its steps, labelled, from the perfect arm recorded from the start.
                let rewind = ops.borrow().iter().position(|op| matches!(op, Op::Rewind(_)));
                if let Some(r) = rewind {
                    let Op::Rewind(p) = ops.borrow()[r] else { unreachable!() };
                    let resumed = words_of(&ops.borrow()[r + 1..]);
                    ops.borrow_mut().truncate(r + 1);
                    let all = RefCell::new(Vec::new());
                    let mut draws = Recorder {
                        inner: self.key.trial(streams, trial, window, overflow),
                        ops: &all,
                    };
                    simulate(&self.perfect, c, &mut draws, &mut RecordObserver { ops: &all });
                    let all = all.into_inner();
                    let (mut at, mut from) = (0u32, None);
                    for (i, op) in all.iter().enumerate() {
                        if at == p {
                            from = Some(i);
                            break;
                        }
                        at += words_of(std::slice::from_ref(op));
                    }
                    let suffix = &all[from.expect("the perfect arm passes the fork position")..];
                    assert_eq!(words_of(suffix), resumed, "the same words after the fork");
                    ops.borrow_mut().extend_from_slice(suffix);
                }
            } else {
                let actual = simulate(&self.actual, c, &mut draws, &mut obs);
                second = arms == Arms::Two && actual.communication_failed;
                if second {
                    ops.borrow_mut().push(Op::End);
                    let mut draws = Recorder {
                        inner: self.key.trial(streams, trial, window, overflow),
                        ops: &ops,
                    };
                    simulate(&self.perfect, c, &mut draws, &mut obs);
                }
            }
            ops.borrow_mut().push(Op::End);
            let t = &mut traces[c];
            t.ops.append(&mut ops.borrow_mut());
            t.second_draws.push(second);
        });
        traces
    }

    /// The engine's block loop (`CohortJob::block`) written out, without rayon: both arms,
    /// channel observer, entry tallies and paired measures, with `simulate` twice (`Two`) or
    /// `simulate_with_perfect` (`Pair`). It counts each trial's measures with
    /// `GroupTally::record`, not the engine's pattern table, so the check that its tallies equal
    /// `engine::run`'s also checks the pattern counts.
    fn engine_loop(&self, s: &Scenario, arms: Arms) -> Vec<CohortTally> {
        let horizon = s.horizon_days();
        let mut tallies: Vec<CohortTally> = s
            .cohorts()
            .iter()
            .map(|c| {
                CohortTally::new(
                    c.entry.len(),
                    s.channels().len(),
                    s.authorities().len(),
                    arms != Arms::Lookup,
                )
            })
            .collect();
        self.for_each_trial(|c, trial, window, overflow| {
            let streams = self.streams[c];
            let tally = &mut tallies[c];
            let mut draws = self.key.trial(streams, trial, window, overflow);
            let mut obs = tally.observer();
            if arms == Arms::Lookup {
                let (a, fork) = simulate_to_fork(&self.actual, c, &mut draws, &mut obs);
                let m = a.measures(horizon);
                let table = self.table.cohort(c).expect("bench100's tables fit");
                if let Some(f) = fork {
                    tally.record_conditional(!a.completed_at.is_nan(), fixed(table.value(&f)));
                }
                tally.record_end(&a, self.actual.cohorts[c].entry_at[a.entry] as usize);
                tally.entries[a.entry].record(&a, m);
                return;
            }
            let (actual, measures, perfect) = if arms == Arms::Pair {
                let (a, p) = simulate_with_perfect(&self.actual, &self.perfect, c, &mut draws, &mut obs);
                let m = a.measures(horizon);
                (a, m, p.map_or(m, |p| p.measures(horizon)))
            } else {
                let a = simulate(&self.actual, c, &mut draws, &mut obs);
                let m = a.measures(horizon);
                let p = if a.communication_failed {
                    let mut draws = self.key.trial(streams, trial, window, overflow);
                    simulate(&self.perfect, c, &mut draws, &mut ()).measures(horizon)
                } else {
                    m
                };
                (a, m, p)
            };
            tally.record_end(&actual, self.actual.cohorts[c].entry_at[actual.entry] as usize);
            tally.entries[actual.entry].record(&actual, measures);
            tally.record_pair(measures, perfect);
        });
        tallies
    }

    /// One attempt on channel `e`: its four words, the delay sample, the dropout threshold where
    /// the sender has dropout, the success comparison.
    #[inline]
    fn attempt(&self, draws: &mut TrialDraws<'_>, e: usize) -> u64 {
        let [lo, hi, w_drop, w_ok] = draws.words::<4>();
        let d = self.samplers[e].sample(u64::from(lo) | (u64::from(hi) << 32));
        let rate = self.rates[e];
        let mut hits = u64::from(u64::from(w_ok) < self.quality[e]);
        if rate > 0.0 {
            hits += u64::from(dropout_happens(w_drop, rate * d));
        }
        hits + (d.to_bits() & 1)
    }

    /// Replays the steps of a trial up to the next [`Op::End`]: the same words, delay samples and
    /// dropout thresholds as the trial, each word compared with a threshold, and nothing else (no
    /// routing search, no walk state, no tally).
    #[inline]
    fn replay(&self, ops: &mut std::slice::Iter<'_, Op>, mut draws: TrialDraws<'_>) -> u64 {
        let mut hits = 0u64;
        loop {
            match *ops.next().expect("every trial ends with End") {
                Op::Word => hits += u64::from(draws.word() < 1 << 31),
                Op::Skip(n) => draws.skip(n as usize),
                Op::Attempt(e) => hits += self.attempt(&mut draws, e as usize),
                Op::Rewind(p) => draws.rewind(p as usize),
                Op::AttemptAt { pos, e } => {
                    draws.rewind(pos as usize);
                    hits += self.attempt(&mut draws, e as usize);
                }
                Op::End => return hits,
            }
        }
    }
}

/// The sampling floor on `bench100`, as ratios of the same trials (see `benches/RESULTS.md`):
///
/// - `windows`: the ChaCha8 windows alone, `fill_windows` block by block as the engine does;
/// - `sampling_actual`: windows plus a replay of exactly the draws the actual arm consumes (words
///   in and beyond the window, delay samples, dropout thresholds, one comparison per word),
///   recorded beforehand, without routing, walk or tally;
/// - `sampling`: the same for both arms as the engine simulates them (the perfect arm again from
///   the start where communication failed); `sampling_pair`: both arms with the perfect one
///   resumed at the first failure (`simulate_with_perfect`);
/// - `samples_actual`, `samples`, `samples_pair`: windows plus the attempts alone (their words,
///   in the window or beyond, delay samples, dropout thresholds, success comparisons), each
///   read at its recorded position: random numbers and distribution sampling, nothing else;
/// - `walk`, `walk_pair`: windows plus `simulate` for both arms as the engine runs them, or
///   `simulate_with_perfect`, with no observer and no tally;
/// - `engine_loop`, `engine_loop_pair`: the engine's block loop (`CohortJob::block`: both arms,
///   channel observer, entry tallies, paired measures) written out here, without rayon, with
///   `simulate` twice or `simulate_with_perfect`;
/// - `engine`: the full engine at 1 thread (`engine::run`).
fn floor(c: &mut Criterion) {
    let s = load("bench100");
    let f = Floor::new(&s, FLOOR_TRIALS);
    let mut group = c.benchmark_group("floor");
    group.sample_size(10);
    group.throughput(Throughput::Elements(FLOOR_TRIALS * s.cohorts().len() as u64));
    group.bench_function("windows/bench100", |b| {
        b.iter(|| {
            let mut acc = 0u32;
            f.for_each_trial(|_, _, window, _| acc ^= window[0]);
            acc
        });
    });
    let attempts = |arms| {
        let traces = f.record(arms);
        traces
            .iter()
            .flat_map(|t| &t.ops)
            .filter(|op| matches!(op, Op::Attempt(_)))
            .count()
    };
    let (actual, two, pair) = (attempts(Arms::Actual), attempts(Arms::Two), attempts(Arms::Pair));
    assert!(
        actual < pair && pair < two,
        "attempts: actual {actual}, pair {pair}, two {two}"
    );
    for (name, arms, attempts_only) in [
        ("sampling_actual/bench100", Arms::Actual, false),
        ("sampling/bench100", Arms::Two, false),
        ("sampling_pair/bench100", Arms::Pair, false),
        ("samples_actual/bench100", Arms::Actual, true),
        ("samples/bench100", Arms::Two, true),
        ("samples_pair/bench100", Arms::Pair, true),
    ] {
        let mut traces = f.record(arms);
        if attempts_only {
            traces = traces.iter().map(CohortTrace::attempts_only).collect();
        }
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut ops: Vec<_> = traces.iter().map(|t| t.ops.iter()).collect();
                let mut hits = 0u64;
                f.for_each_trial(|c, trial, window, overflow| {
                    let streams = f.streams[c];
                    let it = &mut ops[c];
                    hits += f.replay(it, f.key.trial(streams, trial, window, overflow));
                    if traces[c].second_draws[trial as usize] {
                        hits += f.replay(it, f.key.trial(streams, trial, window, overflow));
                    }
                });
                hits
            });
        });
    }
    for (name, arms) in [("walk/bench100", Arms::Two), ("walk_pair/bench100", Arms::Pair)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut hops = 0u64;
                f.for_each_trial(|c, trial, window, overflow| {
                    let streams = f.streams[c];
                    let mut draws = f.key.trial(streams, trial, window, overflow);
                    if arms == Arms::Pair {
                        let (a, p) = simulate_with_perfect(&f.actual, &f.perfect, c, &mut draws, &mut ());
                        hops += u64::from(a.hops) + p.map_or(0, |p| u64::from(p.hops));
                    } else {
                        let actual = simulate(&f.actual, c, &mut draws, &mut ());
                        hops += u64::from(actual.hops);
                        if actual.communication_failed {
                            let mut draws = f.key.trial(streams, trial, window, overflow);
                            hops += u64::from(simulate(&f.perfect, c, &mut draws, &mut ()).hops);
                        }
                    }
                });
                hops
            });
        });
    }
    let config = RunConfig::new(s.seed(), FLOOR_TRIALS);
    let simulated = RunConfig {
        perfect_arm: PerfectArm::Simulated,
        ..config
    };
    for (name, arms) in [
        ("engine_loop/bench100", Arms::Two),
        ("engine_loop_pair/bench100", Arms::Pair),
        ("engine_loop_lookup/bench100", Arms::Lookup),
    ] {
        let want = if arms == Arms::Lookup { &config } else { &simulated };
        let reference = engine::run(&s, want, &|_| {}).cohorts;
        assert!(
            f.engine_loop(&s, arms) == reference,
            "{name} tallies as the engine does"
        );
        group.bench_function(name, |b| b.iter(|| f.engine_loop(&s, arms)));
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    group.bench_function("engine/bench100", |b| {
        b.iter(|| pool.install(|| black_box(engine::run(&s, &config, &|_| {}))));
    });
    group.bench_function("engine_simulated/bench100", |b| {
        b.iter(|| pool.install(|| black_box(engine::run(&s, &simulated, &|_| {}))));
    });
    group.finish();
}

criterion_group!(
    benches,
    engine_throughput,
    variants,
    delay_samplers,
    exact_solver,
    floor
);
criterion_main!(benches);
