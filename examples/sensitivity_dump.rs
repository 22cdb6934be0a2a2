//! Dumps refgap's sensitivity designs, the outputs of test functions on them and refgap's
//! indices as JSON, for `benches/peers/salib_check.py` to recompute with SALib on the same
//! points and outputs.
//!
//! ```text
//! cargo run --release --example sensitivity_dump -- out.json
//! ```
//!
//! Test functions (on factors mapped from the unit cube): Ishigami (a = 7, b = 0.1, every
//! factor on [−π, π]) and a linear model `Σ a_i x_i` with a = (1, −2, 3, 0) on ranges of
//! different widths (the last factor has no effect).

use std::f64::consts::PI;

use refgap::stats::sensitivity::{morris, morris_indices, saltelli, sobol_indices, sobol_sequence};
use serde_json::{Value, json};

const RESAMPLES: usize = 200;

fn ishigami(u: &[f64]) -> f64 {
    let x: Vec<f64> = u.iter().map(|&u| -PI + 2.0 * PI * u).collect();
    x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
}

const LINEAR_A: [f64; 4] = [1.0, -2.0, 3.0, 0.0];
const LINEAR_LO: [f64; 4] = [0.0, -1.0, 2.0, 5.0];
const LINEAR_W: [f64; 4] = [1.0, 3.0, 0.5, 2.0];

fn linear(u: &[f64]) -> f64 {
    (0..4).map(|i| LINEAR_A[i] * (LINEAR_LO[i] + LINEAR_W[i] * u[i])).sum()
}

type Model = (&'static str, usize, fn(&[f64]) -> f64);
const MODELS: [Model; 2] = [("ishigami", 3, ishigami), ("linear", 4, linear)];

fn sobol_case(name: &str, k: usize, f: fn(&[f64]) -> f64, n: usize, seed: u64) -> Value {
    let design = saltelli(n, k, seed).expect("a valid design");
    let y: Vec<f64> = design.points.iter().map(|p| f(p)).collect();
    let indices = sobol_indices(&design, &y, RESAMPLES, seed + 1);
    json!({
        "model": name, "n": n, "k": k, "seed": seed,
        "points": design.points, "y": y,
        "indices": indices.iter().map(|s| json!({
            "s1": s.s1, "s1_ci": [s.s1_ci.0, s.s1_ci.1], "st": s.st, "st_ci": [s.st_ci.0, s.st_ci.1],
        })).collect::<Vec<_>>(),
    })
}

fn morris_case(name: &str, k: usize, f: fn(&[f64]) -> f64, r: usize, levels: usize, seed: u64) -> Value {
    let design = morris(r, k, levels, seed);
    let y: Vec<f64> = design.points.iter().map(|p| f(p)).collect();
    let indices = morris_indices(&design, &y, RESAMPLES, seed + 1);
    json!({
        "model": name, "r": r, "k": k, "levels": levels, "seed": seed,
        "points": design.points, "y": y,
        "indices": indices.iter().map(|m| json!({
            "mu": m.mu, "mu_star": m.mu_star, "mu_star_ci": [m.mu_star_ci.0, m.mu_star_ci.1],
            "sigma": m.sigma,
        })).collect::<Vec<_>>(),
    })
}

fn main() -> anyhow::Result<()> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sensitivity_dump.json".to_owned());
    let mut sobol = Vec::new();
    let mut morris = Vec::new();
    for (seed, (name, k, f)) in MODELS.into_iter().enumerate() {
        let seed = seed as u64 * 100 + 1;
        sobol.push(sobol_case(name, k, f, 4096, seed));
        morris.push(morris_case(name, k, f, 40, 4, seed));
        morris.push(morris_case(name, k, f, 25, 6, seed + 50));
    }
    let (seq_n, seq_dims) = (1024, 40);
    let doc = json!({
        "sequence": { "n": seq_n, "dims": seq_dims, "points": sobol_sequence(seq_n, seq_dims).map_err(anyhow::Error::msg)? },
        "sobol": sobol,
        "morris": morris,
    });
    std::fs::write(&out, serde_json::to_vec(&doc)?)?;
    // The Ishigami case of the unit tests, for the record.
    let design = saltelli(1 << 14, 3, 20_240_501).map_err(anyhow::Error::msg)?;
    let y: Vec<f64> = design.points.iter().map(|p| ishigami(p)).collect();
    println!("Ishigami, N = 16384, 1000 resamples: factor, S1 [95% CI], ST [95% CI]");
    for (i, s) in sobol_indices(&design, &y, 1000, 7).iter().enumerate() {
        println!(
            "  x{}: S1 {:.4} [{:.4}, {:.4}] (width {:.4})  ST {:.4} [{:.4}, {:.4}] (width {:.4})",
            i + 1,
            s.s1,
            s.s1_ci.0,
            s.s1_ci.1,
            s.s1_ci.1 - s.s1_ci.0,
            s.st,
            s.st_ci.0,
            s.st_ci.1,
            s.st_ci.1 - s.st_ci.0
        );
    }
    println!("wrote {out}");
    Ok(())
}
