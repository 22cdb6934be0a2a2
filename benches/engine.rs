//! Criterion benches: engine throughput (trials/s, both arms) per bundled scenario and the
//! `bench100` benchmark scenario at 1 and 2 threads, the delay samplers, and the exact solver and
//! channel ranking on `bench100`. `cargo test --benches` smoke-runs them once; `cargo bench`
//! measures. Results and the machine they ran on are recorded in `benches/RESULTS.md`.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use refgap::engine::{self, RunConfig};
use refgap::model::delay::Delay;
use refgap::scenario::Scenario;

const TRIALS: u64 = 100_000;

fn load(name: &str) -> Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = if name == "bench100" {
        root.join("benches/scenarios/bench100.toml")
    } else {
        root.join("scenarios").join(name)
    };
    Scenario::load(&path).expect("bundled scenarios are valid")
}

fn engine_throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    for name in ["minimal.toml", "talibe.toml", "europe-leg", "bench100"] {
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
    group.finish();
}

criterion_group!(benches, engine_throughput, delay_samplers, exact_solver);
criterion_main!(benches);
