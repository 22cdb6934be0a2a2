//! The referral gap and the inconsistency of outcomes across entry points.
//!
//! - **Referral gap** of a cohort: completed rate under perfect communication (every quality and
//!   fidelity 1 except on movements, delays unchanged) minus the actual completed rate, both from
//!   the same trials. Per trial the difference is `d = p - a`, `a` whether the actual arm
//!   completed and `p` the perfect arm's value: whether it completed (simulated) or its
//!   probability of completing given the state at the first communication failure (by
//!   conditioning; docs/MODEL.md, "The perfect arm by conditioning"). [`GapSums`] keeps the sums
//!   of `d`, `|d|` and `d^2` in fixed point (integers, merged exactly), and [`GapSums::estimate`]
//!   gives the mean with Agresti and Min's adjusted interval.
//! - **Inconsistency**: for one cohort, how much the completed rate depends on where the victim
//!   was found. Over the groups `k` (entry points, or entry countries) with weights `w_k` (their
//!   entry shares, renormalised over groups that had trials) and rates `r_k`, the share-weighted
//!   standard deviation `sqrt(sum w_k (r_k - r̄)^2)` with `r̄ = sum w_k r_k`, and the range
//!   `max r_k - min r_k` with the groups where the extremes occur. Ties go to the first group.

use serde::{Deserialize, Serialize};
use serde_with::{As, DisplayFromStr};

use crate::model::dropout::round_non_negative;

/// The fixed-point scale of a perfect-arm value: `1.0` is `2^32`.
pub const ONE: u64 = 1 << 32;

/// A perfect-arm value in `[0, 1]` in fixed point ([`ONE`] = 1), rounded to the nearest unit
/// (halves up, as `f64::round`, without its libm call: once per looked-up trial).
#[inline]
pub fn fixed(p: f64) -> u64 {
    round_non_negative(p.clamp(0.0, 1.0) * ONE as f64)
}

/// Sums over trials of the per-trial gap `d = p - a` (perfect-arm value minus whether the actual
/// arm completed), in units of `2^-32` (`d^2` in units of `2^-64`): integers, so that merging in
/// any order gives the same sums. The 128-bit sums are written as decimal strings in shard files
/// (JSON numbers stop at 64 bits): the one place `stats` derives serde, as the tallies do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GapSums {
    /// Sum of `d`.
    #[serde(with = "As::<DisplayFromStr>")]
    pub sum: i128,
    /// Sum of `|d|`.
    #[serde(with = "As::<DisplayFromStr>")]
    pub sum_abs: u128,
    /// Sum of `d^2`.
    #[serde(with = "As::<DisplayFromStr>")]
    pub sum_sq: u128,
}

/// The referral gap of a cohort, with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GapEstimate {
    /// Mean of `d`: the perfect arm's completed rate minus the actual arm's.
    pub gap: f64,
    /// Lower end of the interval.
    pub lo: f64,
    /// Upper end of the interval.
    pub hi: f64,
    /// The standard error of the interval: `sqrt(var / (n + 2))` of the adjusted trials (never
    /// 0 with trials).
    pub se: f64,
    /// Mean of `|d|`: with a simulated perfect arm, the share of trials whose completion
    /// differs between the arms.
    pub mean_abs: f64,
}

impl GapSums {
    /// Records one trial: whether the actual arm completed, and the perfect arm's value in fixed
    /// point ([`fixed`]; [`ONE`] or 0 when it was simulated).
    #[inline]
    pub fn record(&mut self, actual: bool, perfect: u64) {
        let d = perfect as i64 - if actual { ONE as i64 } else { 0 };
        if d != 0 {
            self.sum += i128::from(d);
            self.sum_abs += u128::from(d.unsigned_abs());
            self.sum_sq += u128::from(d.unsigned_abs()) * u128::from(d.unsigned_abs());
        }
    }

    /// Adds the sums of other trials.
    pub fn merge(&mut self, o: &GapSums) {
        self.sum += o.sum;
        self.sum_abs += o.sum_abs;
        self.sum_sq += o.sum_sq;
    }

    /// The mean gap over `n` trials and its interval at normal quantile `z`: Agresti and Min's
    /// adjusted Wald interval (Agresti & Min 2005, *Simple improved confidence intervals for
    /// comparing matched proportions*, Stat Med 24:729), which adds half a pseudo-trial at
    /// `d = 1`, half at `d = -1` and one at `d = 0`: the mean and variance of the `n + 2`
    /// trials give `mean ± z sqrt(var / (n + 2))`, clamped to `[-1, 1]`. For a `d` in `{-1, 0,
    /// 1}` (a simulated perfect arm) it is exactly their interval for paired proportions; for a
    /// bounded `d` (the conditional perfect arm) it is the same normal interval for the mean of a
    /// bounded variable, with the same guard against a variance estimated as zero. The gap itself
    /// is the plain mean `sum / n`, which the interval always contains. With no trial: `(0, -1,
    /// 1)`.
    pub fn estimate(&self, n: u64, z: f64) -> GapEstimate {
        if n == 0 {
            return GapEstimate {
                gap: 0.0,
                lo: -1.0,
                hi: 1.0,
                se: f64::INFINITY,
                mean_abs: 0.0,
            };
        }
        let unit = ONE as f64;
        let sum = self.sum as f64 / unit;
        let sum_sq = self.sum_sq as f64 / (unit * unit);
        let gap = sum / n as f64;
        let m = n as f64 + 2.0;
        let adjusted = sum / m;
        let var = ((sum_sq + 1.0) / m - adjusted * adjusted).max(0.0);
        let se = (var / m).sqrt();
        let half = z * se;
        GapEstimate {
            gap,
            lo: (adjusted - half).max(-1.0),
            hi: (adjusted + half).min(1.0),
            se,
            mean_abs: self.sum_abs as f64 / unit / n as f64,
        }
    }
}

/// Spread of a rate across groups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// Share-weighted standard deviation.
    pub weighted_sd: f64,
    /// `max - min`.
    pub range: f64,
    /// Group with the lowest rate.
    pub min_group: usize,
    /// Group with the highest rate.
    pub max_group: usize,
}

/// The spread of `(weight, rate)` points; `None` with fewer than two points of positive weight
/// (inconsistency is not applicable to a single entry point).
pub fn spread(points: &[(f64, f64)]) -> Option<Spread> {
    let used: Vec<(usize, f64, f64)> = points
        .iter()
        .enumerate()
        .filter(|(_, (w, _))| *w > 0.0)
        .map(|(i, &(w, r))| (i, w, r))
        .collect();
    if used.len() < 2 {
        return None;
    }
    let total: f64 = used.iter().map(|p| p.1).sum();
    let mean: f64 = used.iter().map(|p| p.1 * p.2).sum::<f64>() / total;
    let var: f64 = used.iter().map(|p| p.1 * (p.2 - mean).powi(2)).sum::<f64>() / total;
    let mut min = used[0];
    let mut max = used[0];
    for &p in &used[1..] {
        if p.2 < min.2 {
            min = p;
        }
        if p.2 > max.2 {
            max = p;
        }
    }
    Some(Spread {
        weighted_sd: var.sqrt(),
        range: max.2 - min.2,
        min_group: min.0,
        max_group: max.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand calculation: weights 0.25/0.75, rates 0.2/0.6: mean 0.5, variance
    /// 0.25*0.09 + 0.75*0.01 = 0.03.
    #[test]
    fn two_groups_by_hand() {
        let s = spread(&[(0.25, 0.2), (0.75, 0.6)]).unwrap();
        assert!((s.weighted_sd - 0.03f64.sqrt()).abs() < 1e-15);
        assert!((s.range - 0.4).abs() < 1e-15);
        assert_eq!((s.min_group, s.max_group), (0, 1));
    }

    /// With `d` in {-1, 0, 1} the interval is Agresti and Min's for paired proportions, by hand:
    /// n = 100, 12 trials only the perfect arm completed, 3 only the actual one. Adjusted cells
    /// 12.5 and 3.5 of 102: estimate 9/102, variance ((12.5 + 3.5) / 102 - (9/102)^2) / 102.
    #[test]
    fn agresti_min_by_hand() {
        let mut g = GapSums::default();
        for _ in 0..12 {
            g.record(false, ONE);
        }
        for _ in 0..3 {
            g.record(true, 0);
        }
        for _ in 0..40 {
            g.record(true, ONE);
        }
        let e = g.estimate(100, 1.959_963_984_540_054);
        let center = 9.0 / 102.0;
        let half = 1.959_963_984_540_054 * ((16.0 / 102.0 - center * center) / 102.0f64).sqrt();
        assert!((e.gap - 0.09).abs() < 1e-15);
        assert!((e.lo - (center - half)).abs() < 1e-15, "{e:?}");
        assert!((e.hi - (center + half)).abs() < 1e-15, "{e:?}");
        assert!((e.mean_abs - 0.15).abs() < 1e-15);
    }

    /// `fixed` rounds as `f64::round` does, halves included, and clamps to [0, 1].
    #[test]
    fn fixed_is_round() {
        let unit = ONE as f64;
        for p in [
            0.0,
            1.0,
            0.25,
            1.0 / 3.0,
            0.5 / unit,
            1.5 / unit,
            (12_345.0 + 0.5) / unit,
            1.0 - 0.5 / unit,
        ] {
            assert_eq!(fixed(p), (p * unit).round() as u64, "{p}");
        }
        assert_eq!((fixed(-0.1), fixed(1.1)), (0, ONE));
    }

    /// Fixed point: a value of 0.25 is 2^30 units; sums of fractional values are exact integers,
    /// whatever the order of merging.
    #[test]
    fn fractional_values_merge_exactly() {
        let mut a = GapSums::default();
        let mut b = GapSums::default();
        a.record(false, fixed(0.25));
        b.record(true, fixed(0.75));
        b.record(true, fixed(1.0));
        let mut ab = a;
        ab.merge(&b);
        let mut ba = b;
        ba.merge(&a);
        assert_eq!(ab, ba);
        assert_eq!(ab.sum, i128::from(ONE / 4) - i128::from(ONE / 4));
        assert_eq!(ab.sum_abs, u128::from(ONE / 2));
        assert_eq!(ab.sum_sq, 2 * u128::from(ONE / 4).pow(2));
    }

    #[test]
    fn one_group_is_not_applicable() {
        assert_eq!(spread(&[(1.0, 0.3)]), None);
        assert_eq!(spread(&[(1.0, 0.3), (0.0, 0.9)]), None);
    }
}
