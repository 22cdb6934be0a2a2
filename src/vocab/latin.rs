//! The Latin hypercube (McKay, Beckman & Conover 1979) that sweeps (`design = "lhs"`) and the
//! sensitivity designs (`stats::sensitivity::lhs`) share: one implementation, so a sweep's
//! points and an uncertainty design drawn from the same seed are the same points.
//!
//! It lives here, below `scenario` (which expands sweeps when a scenario is loaded) and `stats`,
//! because both use it; it is pure arithmetic on `ChaCha8Rng::seed_from_u64(seed)`.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` points of a `k`-axis Latin hypercube **in stratum units**: point `j`'s coordinate on an
/// axis is `s + u`, `s` its stratum (each of `0..n` exactly once per axis) and `u` uniform in
/// `[0, 1)`; divide by `n` for the unit cube. Axis after axis, the strata are shuffled
/// (Fisher–Yates, `i` from `n − 1` down to 1 swapped with a uniform `j ≤ i`), then one uniform
/// is drawn per point, all from one `ChaCha8Rng::seed_from_u64(seed)`.
pub fn hypercube_strata(n: usize, k: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut columns = Vec::with_capacity(k);
    for _ in 0..k {
        let mut strata: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            strata.swap(i, j);
        }
        let column: Vec<f64> = strata
            .iter()
            .map(|&s| {
                let u: f64 = rng.random();
                s as f64 + u
            })
            .collect();
        columns.push(column);
    }
    (0..n).map(|i| columns.iter().map(|c| c[i]).collect()).collect()
}

/// Inverse CDF of the triangular distribution on `[lo, hi]` with mode `mode`
/// (`lo ≤ mode ≤ hi`): `lo + sqrt(u (hi − lo)(mode − lo))` for `u < F(mode) = (mode − lo)/(hi − lo)`,
/// else `hi − sqrt((1 − u)(hi − lo)(hi − mode))`. `u` is clamped to `[0, 1]`; a degenerate
/// range (`lo = hi`) gives `lo`.
pub fn triangular_inverse(u: f64, lo: f64, mode: f64, hi: f64) -> f64 {
    let u = u.clamp(0.0, 1.0);
    let width = hi - lo;
    if width <= 0.0 {
        return lo;
    }
    let fc = (mode - lo) / width;
    if u < fc {
        lo + (u * width * (mode - lo)).sqrt()
    } else {
        hi - ((1.0 - u) * width * (hi - mode)).sqrt()
    }
}
