//! The Morris design and its elementary-effect statistics (formulas in the parent module).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{bootstrap_rng, percentile_interval};

/// Morris: r trajectories of k+1 points on a p-level grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Morris {
    /// Trajectories.
    pub r: usize,
    /// Factors.
    pub k: usize,
    /// Grid levels `p` per factor: coordinates are `m / (p − 1)`, `m = 0 … p − 1`.
    pub levels: usize,
    /// The `r·(k+1)` points, trajectory after trajectory, each with `k` coordinates in `[0, 1]`.
    pub points: Vec<Vec<f64>>,
    /// The factor moved at each step: `moved[t·k + s]` changes between points `t·(k+1) + s` and
    /// `t·(k+1) + s + 1`.
    pub moved: Vec<usize>,
    /// The step `Δ = p / (2(p − 1))` every move makes, up or down.
    pub delta: f64,
}

/// Elementary-effect statistics of one factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisIndex {
    /// Mean of the elementary effects.
    pub mu: f64,
    /// Mean of their absolute values (Campolongo 2007).
    pub mu_star: f64,
    /// Bootstrap percentile interval of `mu_star` at [`super::CONFIDENCE`].
    pub mu_star_ci: (f64, f64),
    /// Their sample standard deviation (divisor `r − 1`; 0 when `r = 1`).
    pub sigma: f64,
}

/// Checks the arguments of [`morris`]: `r ≥ 1`, `k ≥ 1`, and `levels` even and at least 2 (an
/// even `p` puts `x + Δ` on the grid and gives every level the same chance, Morris 1991).
pub fn morris_check(r: usize, k: usize, levels: usize) -> Result<(), String> {
    if r == 0 {
        return Err("a Morris design needs at least 1 trajectory".to_owned());
    }
    if k == 0 {
        return Err("a Morris design needs at least 1 factor".to_owned());
    }
    if levels < 2 || !levels.is_multiple_of(2) {
        return Err(format!(
            "the number of Morris levels must be even and at least 2 (e.g. 4); got {levels}"
        ));
    }
    Ok(())
}

/// The Morris design of `r` trajectories for `k` factors on `levels` grid levels, every draw
/// from `seed`. Panic-free contract: the arguments should pass [`morris_check`]; an odd
/// `levels` is rounded up to the next even number and fewer than 2 levels become 2 (the design
/// records the levels used), and `r = 0` or `k = 0` gives a design without points.
pub fn morris(r: usize, k: usize, levels: usize, seed: u64) -> Morris {
    let levels = levels.max(2).next_multiple_of(2);
    let half = levels / 2;
    let top = (levels - 1) as f64;
    let delta = levels as f64 / (2.0 * (levels - 1) as f64);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut points = Vec::with_capacity(r * (k + 1));
    let mut moved = Vec::with_capacity(r * k);
    if k == 0 {
        return Morris {
            r,
            k,
            levels,
            points,
            moved,
            delta,
        };
    }
    for _ in 0..r {
        // Base grid level (at most p/2 − 1, so that x + Δ stays on the grid) and direction of
        // each factor; the trajectory starts at the low or the high end of its move.
        let mut level: Vec<usize> = Vec::with_capacity(k);
        for _ in 0..k {
            let base = rng.random_range(0..half);
            let up: bool = rng.random();
            level.push(if up { base } else { base + half });
        }
        let mut order: Vec<usize> = (0..k).collect();
        for i in (1..k).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        let to_point = |lv: &[usize]| lv.iter().map(|&m| m as f64 / top).collect::<Vec<f64>>();
        points.push(to_point(&level));
        for &i in &order {
            level[i] = if level[i] < half {
                level[i] + half
            } else {
                level[i] - half
            };
            points.push(to_point(&level));
            moved.push(i);
        }
    }
    Morris {
        r,
        k,
        levels,
        points,
        moved,
        delta,
    }
}

/// `mu`, `mu*` (with a bootstrap percentile interval over `resamples` resamples of the
/// trajectories drawn from `seed`) and `sigma` of each factor's elementary effects, from the
/// outputs `y` on `design.points` (one per point, same order).
///
/// # Panics
///
/// If `y.len() != design.points.len()` (a caller's bug: one output per point).
pub fn morris_indices(design: &Morris, y: &[f64], resamples: usize, seed: u64) -> Vec<MorrisIndex> {
    let (r, k) = (design.r, design.k);
    assert_eq!(
        y.len(),
        design.points.len(),
        "one output per point of the Morris design"
    );
    // effects[i][t]: the elementary effect of factor i in trajectory t.
    let mut effects = vec![vec![0.0; r]; k];
    if k == 0 {
        return Vec::new();
    }
    for (t, steps) in design.moved.chunks(k).enumerate() {
        for (s, &i) in steps.iter().enumerate() {
            let at = t * (k + 1) + s;
            let dy = y[at + 1] - y[at];
            let up = design.points[at + 1][i] > design.points[at][i];
            // `+ 0.0` turns a -0 (a zero step taken downwards) into 0.
            effects[i][t] = (if up { dy } else { -dy }) / design.delta + 0.0;
        }
    }
    let mut rng = bootstrap_rng(seed);
    let mut boot = vec![Vec::with_capacity(resamples); k];
    let mut picks = vec![0; r];
    for _ in 0..resamples {
        for p in picks.iter_mut() {
            *p = rng.random_range(0..r);
        }
        for (i, e) in effects.iter().enumerate() {
            boot[i].push(picks.iter().map(|&t| e[t].abs()).sum::<f64>() / r as f64);
        }
    }
    effects
        .iter()
        .zip(boot)
        .map(|(e, b)| {
            let m = r.max(1) as f64;
            let mu = e.iter().sum::<f64>() / m;
            let mu_star = e.iter().map(|v| v.abs()).sum::<f64>() / m;
            let sigma = if r > 1 {
                (e.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / (r - 1) as f64).sqrt()
            } else {
                0.0
            };
            MorrisIndex {
                mu,
                mu_star,
                mu_star_ci: percentile_interval(b, mu_star),
                sigma,
            }
        })
        .collect()
}
