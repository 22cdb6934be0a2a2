//! The Saltelli design and the Sobol' indices estimated on it (formulas in the parent module).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sobol::Sobol;
use sobol::params::JoeKuoD6;

use super::{bootstrap_rng, percentile_interval, ratio};

/// Most dimensions of the Sobol' sequence (the Joe–Kuo table the `sobol` crate ships as
/// "standard"): a Saltelli design uses two per factor.
pub const MAX_DIMENSIONS: usize = 1000;

/// Most base rows of a design (the sequence's points are exact binary fractions up to `2^32`).
pub const MAX_BASE_ROWS: usize = 1 << 30;

/// A Saltelli sample: n base rows in [0,1)^k → n·(k+2) points in the order A (n rows), B (n rows),
/// then AB_1 … AB_k (n rows each; AB_i = A with column i from B).
#[derive(Debug, Clone, PartialEq)]
pub struct Saltelli {
    /// Base rows (a power of two).
    pub n: usize,
    /// Factors.
    pub k: usize,
    /// The `n·(k+2)` points, each with `k` coordinates in `[0, 1)`.
    pub points: Vec<Vec<f64>>,
}

/// First-order and total indices of the outputs `y` (one per point, in `points` order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolIndex {
    /// First-order index `S1` (Saltelli 2010 estimator); 0 for a constant output.
    pub s1: f64,
    /// Bootstrap percentile interval of `S1` at [`super::CONFIDENCE`].
    pub s1_ci: (f64, f64),
    /// Total index `ST` (Jansen 1999 estimator); 0 for a constant output.
    pub st: f64,
    /// Bootstrap percentile interval of `ST` at [`super::CONFIDENCE`].
    pub st_ci: (f64, f64),
}

/// The first `n` points of the `dims`-dimensional Sobol' sequence (Joe–Kuo direction numbers,
/// Gray-code order, starting at the origin): SciPy's `qmc.Sobol(dims, scramble=False)` points.
/// Errors name the rule broken: `1 ≤ dims ≤ 1000`, `n ≤ 2^30`.
pub fn sobol_sequence(n: usize, dims: usize) -> Result<Vec<Vec<f64>>, String> {
    sobol_shifted(n, dims, &vec![0; dims])
}

/// The Sobol' sequence with each dimension's 53-bit expansion XORed with `shift[d]`.
fn sobol_shifted(n: usize, dims: usize, shift: &[u64]) -> Result<Vec<Vec<f64>>, String> {
    if dims == 0 || dims > MAX_DIMENSIONS {
        return Err(format!(
            "the Sobol' sequence has 1 to {MAX_DIMENSIONS} dimensions; {dims} were asked for"
        ));
    }
    if n > MAX_BASE_ROWS {
        return Err(format!(
            "at most {MAX_BASE_ROWS} points of the Sobol' sequence; {n} were asked for"
        ));
    }
    let params = JoeKuoD6::standard();
    // Integer points: the binary expansion of each coordinate, most significant bit first.
    let seq = Sobol::<u64>::new(dims, &params);
    let scale = 2f64.powi(-53);
    Ok(seq
        .take(n)
        .map(|p| {
            p.iter()
                .zip(shift)
                .map(|(&v, &s)| ((v ^ s) >> 11) as f64 * scale)
                .collect()
        })
        .collect())
}

/// The Saltelli design of `n` base rows for `k` factors (see [`Saltelli`] for the order of the
/// points), from a `2k`-dimensional Sobol' sequence with a random digital shift drawn from
/// `seed`. Errors, naming the rule: `n` must be a power of two, at least 2 (the Sobol' sequence
/// is balanced only on powers of two, and one row has no variance), at most `2^30`; `k` must be
/// 1 to 500.
pub fn saltelli(n: usize, k: usize, seed: u64) -> Result<Saltelli, String> {
    if n < 2 || !n.is_power_of_two() {
        return Err(format!(
            "the number of base rows must be a power of two, at least 2 (e.g. 1024); got {n}"
        ));
    }
    if k == 0 || 2 * k > MAX_DIMENSIONS {
        return Err(format!(
            "a Saltelli design takes 1 to {} factors; got {k}",
            MAX_DIMENSIONS / 2
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let shift: Vec<u64> = (0..2 * k).map(|_| rng.random::<u64>()).collect();
    let base = sobol_shifted(n, 2 * k, &shift)?;
    let mut points = Vec::with_capacity(n * (k + 2));
    points.extend(base.iter().map(|row| row[..k].to_vec()));
    points.extend(base.iter().map(|row| row[k..].to_vec()));
    for i in 0..k {
        points.extend(base.iter().map(|row| {
            let mut p = row[..k].to_vec();
            p[i] = row[k + i];
            p
        }));
    }
    Ok(Saltelli { n, k, points })
}

/// The estimates of one (re)sample of base rows `rows`, on outputs centred on their grand mean.
struct Estimates {
    s1: Vec<f64>,
    st: Vec<f64>,
}

fn estimate(y: &[f64], n: usize, k: usize, rows: &[usize]) -> Estimates {
    let m = rows.len() as f64;
    let a = |j: usize| y[j];
    let b = |j: usize| y[n + j];
    let mean = rows.iter().map(|&j| a(j) + b(j)).sum::<f64>() / (2.0 * m);
    let var = rows
        .iter()
        .map(|&j| (a(j) - mean).powi(2) + (b(j) - mean).powi(2))
        .sum::<f64>()
        / (2.0 * m);
    let mut s1 = Vec::with_capacity(k);
    let mut st = Vec::with_capacity(k);
    for i in 0..k {
        let ab = &y[(2 + i) * n..(3 + i) * n];
        let (mut first, mut total) = (0.0, 0.0);
        for &j in rows {
            let d = ab[j] - a(j);
            first += b(j) * d;
            total += d * d;
        }
        s1.push(ratio(first / m, var));
        st.push(ratio(total / (2.0 * m), var));
    }
    Estimates { s1, st }
}

/// First-order and total indices of each factor from the outputs `y` on `design.points` (one
/// per point, same order), with bootstrap percentile intervals over `resamples` resamples of the
/// base rows drawn from `seed`. Estimators and the constant-output rule: the parent module.
///
/// # Panics
///
/// If `y.len() != design.points.len()` (a caller's bug: one output per point).
pub fn sobol_indices(design: &Saltelli, y: &[f64], resamples: usize, seed: u64) -> Vec<SobolIndex> {
    let (n, k) = (design.n, design.k);
    assert_eq!(y.len(), n * (k + 2), "one output per point of the Saltelli design");
    // Centre on the grand mean, as SALib does (see the module doc).
    let grand = y.iter().sum::<f64>() / y.len() as f64;
    let y: Vec<f64> = y.iter().map(|v| v - grand).collect();
    let all: Vec<usize> = (0..n).collect();
    let point = estimate(&y, n, k, &all);
    let mut rng = bootstrap_rng(seed);
    let mut s1_boot = vec![Vec::with_capacity(resamples); k];
    let mut st_boot = vec![Vec::with_capacity(resamples); k];
    let mut rows = vec![0; n];
    for _ in 0..resamples {
        for r in rows.iter_mut() {
            *r = rng.random_range(0..n);
        }
        let e = estimate(&y, n, k, &rows);
        for i in 0..k {
            s1_boot[i].push(e.s1[i]);
            st_boot[i].push(e.st[i]);
        }
    }
    (0..k)
        .map(|i| SobolIndex {
            s1: point.s1[i],
            s1_ci: percentile_interval(std::mem::take(&mut s1_boot[i]), point.s1[i]),
            st: point.st[i],
            st_ci: percentile_interval(std::mem::take(&mut st_boot[i]), point.st[i]),
        })
        .collect()
}
