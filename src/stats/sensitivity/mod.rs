//! Global sensitivity analysis: sampling designs in the unit cube and the estimators of
//! sensitivity indices computed from a model's outputs on them. Pure statistics: a design is a
//! list of points in `[0, 1)^k` (Morris: on a grid in `[0, 1]^k`), the caller maps each
//! coordinate to its factor's range (uniformly, or with [`triangular_inverse`]) and evaluates the
//! model once per point, in the design's order; the estimators read those outputs back.
//!
//! # Variance-based indices (Sobol')
//!
//! For a model `Y = f(X_1, …, X_k)` with independent factors, the first-order index of `X_i` is
//! `S1_i = V[E(Y | X_i)] / V(Y)` (the share of the variance that `X_i` explains alone) and the
//! total index is `ST_i = E[V(Y | X_~i)] / V(Y)` (its share including every interaction; a factor
//! with `ST_i = 0` can be fixed anywhere in its range without changing `Y`).
//!
//! **Design** ([`saltelli`]; Saltelli et al. 2010, *Variance based sensitivity analysis of model
//! output. Design and estimator for the total sensitivity index*, Computer Physics
//! Communications 181:259–270): two independent `n × k` matrices `A` and `B` are the two halves
//! of one `2k`-dimensional Sobol' sequence (first `k` coordinates: `A`, last `k`: `B`, as SALib
//! does), and `AB_i` is `A` with its column `i` taken from `B`. The model is evaluated on the
//! `n·(k+2)` rows `A`, `B`, `AB_1`, …, `AB_k`.
//!
//! **Estimators** ([`sobol_indices`]), with `f_A`, `f_B`, `f_ABi` the outputs on matching rows
//! `j = 1…n`, and `V` the population variance of the `2n` values `f_A` and `f_B`:
//!
//! - `S1_i = (1/n) Σ_j f_B(j) · (f_ABi(j) − f_A(j)) / V` (Saltelli 2010, table 2 (b), the
//!   estimator SALib's `sobol.analyze` uses);
//! - `ST_i = (1/2n) Σ_j (f_A(j) − f_ABi(j))² / V` (Jansen 1999, *Analysis of variance designs for
//!   model output*, Computer Physics Communications 117:35–43; Saltelli 2010, table 2 (f)).
//!
//! Before both, every output is centred on the mean of all `n·(k+2)` outputs, as SALib does
//! (it standardises `Y`; the scale cancels, the centring does not quite: `Σ f_B (f_ABi − f_A)`
//! changes by `c · Σ (f_ABi − f_A)` when `f` is shifted by `c`). So refgap's point estimates equal
//! SALib's on the same points to rounding (`benches/peers/salib_check.sh` checks it). A factor the
//! model ignores gives `f_ABi = f_A` on every row, hence `S1_i = ST_i = 0` exactly.
//!
//! **Constant output.** When `V = 0` (every output on `A` and `B` equal) both indices are
//! undefined (0/0); they are reported as 0, never NaN, in the point estimates and in every
//! bootstrap resample.
//!
//! **Sobol' sequence.** The `sobol` crate (BSD-3-Clause): Joe & Kuo (2008) direction numbers
//! (`new-joe-kuo-6`, up to 1,000 dimensions here, so up to 500 factors) in the Antonov–Saleev
//! Gray-code order, starting at the origin. These are the direction numbers and the order of
//! SciPy's `qmc.Sobol`, which SALib samples from, so [`sobol_sequence`] gives exactly SciPy's
//! unscrambled points (checked by `benches/peers/salib_check.sh`). Alternatives weighed:
//! `sobol_burley` (always Owen-scrambled, `f32`, 256 dimensions: no way to reproduce SALib's
//! points) and `sobol-qmc` (a maintained fork of `sobol`, but it pulls in `statrs` with a second
//! `nalgebra` and `rand` 0.8). The `sobol` crate has had no release since 2020, but the algorithm
//! and the table are complete and small. [`saltelli`] randomises the sequence with a **random
//! digital shift** (Owen 1995; Dick & Pillichshammer 2010, §4.4): every coordinate's 53-bit
//! binary expansion is XORed with a mask drawn per dimension from the seed. A digital shift keeps
//! each coordinate uniform on `[0, 1)` and the sequence's net structure (every elementary
//! interval holds the same number of points), and makes different seeds give different designs.
//!
//! # Elementary effects (Morris)
//!
//! [`morris`] (Morris 1991, *Factorial sampling plans for preliminary computational
//! experiments*, Technometrics 33:161–174): `r` trajectories of `k + 1` points on the grid
//! `{0, 1/(p−1), …, 1}^k` of `p` levels; each trajectory starts at a random grid point `x*` with
//! every coordinate at most `1 − Δ`, `Δ = p / (2(p − 1))`, shifted by `Δ` on a random half of the
//! factors, then moves one factor at a time (in a random order) by `±Δ`. The elementary effect of
//! the factor moved at a step is `EE = (f(x + Δ e_i) − f(x)) / Δ`, from the lower to the upper of
//! the two points whichever way the trajectory went. [`morris_indices`] reports over the `r`
//! effects of each factor: `mu` (their mean), `mu*` (the mean of their absolute values, Campolongo,
//! Cariboni & Saltelli 2007, *An effective screening design for sensitivity analysis of large
//! models*, Environmental Modelling & Software 22:1509–1518) and `sigma` (their sample standard
//! deviation, divisor `r − 1`; 0 when `r = 1`), as SALib's `morris.analyze` does. For a linear
//! model `a_i X_i` with `X_i` spread over a range `w_i`, every effect is `a_i w_i`: `mu* = |a_i| w_i`
//! and `sigma = 0`; for a factor the model ignores, every effect is exactly 0.
//!
//! # Bootstrap intervals
//!
//! Confidence intervals are bootstrap **percentile** intervals (Efron & Tibshirani 1993, ch. 13):
//! the estimator is recomputed on `resamples` resamples drawn with replacement (the `n` base rows
//! for Sobol', keeping each row's `A`, `B` and `AB_i` together; the `r` trajectories for Morris),
//! and the interval runs from the 2.5 % to the 97.5 % quantile of those estimates (linear
//! interpolation between order statistics, NumPy's default). With `resamples = 0` the interval is
//! the point estimate itself. Every draw comes from `ChaCha8Rng::seed_from_u64(seed)`, in one
//! thread, so results depend on the seed alone.
//!
//! # Latin hypercube
//!
//! [`lhs`] (McKay, Beckman & Conover 1979): on every axis independently, a random permutation of
//! the `n` strata `[s/n, (s+1)/n)` and one uniform point inside each. Its draws are
//! `vocab::latin`'s, which sweeps with `design = "lhs"` use too (the scenario layer, below
//! `stats`, expands sweeps, so the one implementation sits below both).

mod morris;
mod saltelli;
#[cfg(test)]
mod tests;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::quantile;
use crate::vocab::latin::hypercube_strata;

pub use morris::{Morris, MorrisIndex, morris, morris_check, morris_indices};
pub use saltelli::{Saltelli, SobolIndex, saltelli, sobol_indices, sobol_sequence};

/// Level of the bootstrap intervals.
pub const CONFIDENCE: f64 = 0.95;

/// Latin hypercube: `n` points in `[0, 1)^k`, one per stratum `[s/n, (s+1)/n)` on every axis.
/// Axis by axis, the strata are shuffled (Fisher–Yates) and one uniform point is drawn inside
/// each, all from `ChaCha8Rng::seed_from_u64(seed)`; point `j`'s coordinate on an axis is
/// `(stratum + u) / n`. `n = 0` or `k = 0` gives no coordinates. The draws are
/// [`crate::vocab::latin::hypercube_strata`]'s, which sweeps with `design = "lhs"` use too.
pub fn lhs(n: usize, k: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut points = hypercube_strata(n, k, seed);
    for x in points.iter_mut().flatten() {
        *x /= n as f64;
    }
    points
}

pub use crate::vocab::latin::triangular_inverse;

/// `num / den`, or 0 when `den` is 0 (a constant output has no variance to share out).
fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 { num / den + 0.0 } else { 0.0 }
}

/// The bootstrap percentile interval at [`CONFIDENCE`] of `estimates` (sorted here), or
/// `(point, point)` when there are none.
fn percentile_interval(mut estimates: Vec<f64>, point: f64) -> (f64, f64) {
    if estimates.is_empty() {
        return (point, point);
    }
    estimates.sort_by(f64::total_cmp);
    let tail = (1.0 - CONFIDENCE) / 2.0;
    (quantile(&estimates, tail), quantile(&estimates, 1.0 - tail))
}

/// A random number generator for the bootstrap, separate from the design's.
fn bootstrap_rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}
