//! Confidence intervals for proportions and for paired differences of proportions.
//!
//! - **Wilson score interval** (Wilson 1927): for `k` successes in `n` trials at normal quantile
//!   `z`, centre `(p + z²/2n) / (1 + z²/n)` and half-width
//!   `z / (1 + z²/n) * sqrt(p(1-p)/n + z²/4n²)`. Unlike the Wald interval it stays inside [0, 1]
//!   and keeps its coverage near 0 and 1, where referral rates often are.
//! - **Paired difference** of two proportions measured on the same trials (common random
//!   numbers): Newcombe's square-and-add (hybrid score) interval, "method 10" of Newcombe
//!   (1998), *Improved confidence intervals for the difference between binomial proportions
//!   based on paired data*, Statistics in Medicine 17:2635–2650. It combines the Wilson
//!   intervals of both margins with the correlation `phi` of the 2×2 table of pairs, where a
//!   positive `ad - bc` is first reduced by `n/2` (as in Fagerland, Lydersen & Laake, *Statistical
//!   Analysis of Contingency Tables*, 2017, ch. 8).

/// The standard normal quantile for a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The standard normal quantile for a two-sided 99.9 % interval.
pub const Z999: f64 = 3.290_526_731_491_926;

/// Wilson score interval for `k` successes out of `n` (`(0, 1)` when `n = 0`).
pub fn wilson(k: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n_f = n as f64;
    let p = k as f64 / n_f;
    let z2 = z * z;
    let denom = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denom;
    let half = z / denom * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt();
    // At k = 0 and k = n the bound is exactly 0 (or 1); computing it would leave a rounding
    // residue of ~1e-21 that excludes the observed rate.
    let lo = if k == 0 { 0.0 } else { (centre - half).max(0.0) };
    let hi = if k == n { 1.0 } else { (centre + half).min(1.0) };
    (lo, hi)
}

/// The 2×2 table of paired yes/no outcomes of two arms (`a` and `b`) on the same trials.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PairTable {
    /// Both yes.
    pub both: u64,
    /// `a` yes, `b` no.
    pub a_only: u64,
    /// `a` no, `b` yes.
    pub b_only: u64,
    /// Both no.
    pub neither: u64,
}

impl PairTable {
    /// Adds one pair.
    #[inline]
    pub fn add(&mut self, a: bool, b: bool) {
        match (a, b) {
            (true, true) => self.both += 1,
            (true, false) => self.a_only += 1,
            (false, true) => self.b_only += 1,
            (false, false) => self.neither += 1,
        }
    }

    /// Number of pairs.
    pub fn n(&self) -> u64 {
        self.both + self.a_only + self.b_only + self.neither
    }

    /// Rate of yes in arm `a`.
    pub fn rate_a(&self) -> f64 {
        ratio(self.both + self.a_only, self.n())
    }

    /// Rate of yes in arm `b`.
    pub fn rate_b(&self) -> f64 {
        ratio(self.both + self.b_only, self.n())
    }

    /// Share of pairs whose outcomes differ.
    pub fn discordant_share(&self) -> f64 {
        ratio(self.a_only + self.b_only, self.n())
    }

    /// `rate_b - rate_a` with Newcombe's method-10 interval at normal quantile `z`.
    pub fn difference(&self, z: f64) -> (f64, f64, f64) {
        self.square_and_add(z, true)
    }

    /// `rate_b - rate_a` as if the two arms were independent samples of `n` each: Newcombe's
    /// hybrid score interval for unpaired proportions (method 10 of Newcombe 1998, *Interval
    /// estimation for the difference between independent proportions*, Stat Med 17:873), i.e.
    /// the paired formula with `phi = 0`. Used for variants simulated with independent streams.
    pub fn difference_unpaired(&self, z: f64) -> (f64, f64, f64) {
        self.square_and_add(z, false)
    }

    fn square_and_add(&self, z: f64, paired: bool) -> (f64, f64, f64) {
        let n = self.n();
        let (p1, p2) = (self.rate_b(), self.rate_a());
        let delta = p1 - p2;
        if n == 0 {
            return (0.0, -1.0, 1.0);
        }
        let (l1, u1) = wilson(self.both + self.b_only, n, z);
        let (l2, u2) = wilson(self.both + self.a_only, n, z);
        // phi of the table with rows = arm b (yes/no) and columns = arm a (yes/no).
        let (a, b, c, d) = (
            self.both as f64,
            self.b_only as f64,
            self.a_only as f64,
            self.neither as f64,
        );
        // Newcombe's correction: a positive `ad - bc` is reduced by n/2 (and floored at 0).
        let denom = ((a + b) * (c + d) * (a + c) * (b + d)).sqrt();
        let cross = a * d - b * c;
        let half_n = n as f64 / 2.0;
        let adjusted = if cross > half_n { cross - half_n } else { cross.min(0.0) };
        let phi = if paired && denom > 0.0 { adjusted / denom } else { 0.0 };
        let lo = delta
            - ((p1 - l1).powi(2) - 2.0 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2).powi(2))
                .max(0.0)
                .sqrt();
        let hi = delta
            + ((u1 - p1).powi(2) - 2.0 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2).powi(2))
                .max(0.0)
                .sqrt();
        (delta, lo.max(-1.0), hi.min(1.0))
    }
}

/// `k / n`, 0 when `n = 0`.
pub fn ratio(k: u64, n: u64) -> f64 {
    if n == 0 { 0.0 } else { k as f64 / n as f64 }
}

/// A victims-weighted sum of differences with its 95 % interval, combining the intervals of
/// independent parts by MOVER (Zou & Donner 2008, *Construction of confidence limits about
/// effect measures: a general approach*, Stat Med 27:1693): each part's lower and upper interval
/// arms, weighted, are added in quadrature on their own side. The `*` rows of `gap.csv`,
/// `comparisons.csv` and `pairwise.csv` all combine cohorts this way.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WeightedSum {
    sum: f64,
    low2: f64,
    high2: f64,
}

impl WeightedSum {
    /// Adds part `(d, lo, hi)` (a difference and its interval) with weight `w`.
    pub fn add(&mut self, w: f64, (d, lo, hi): (f64, f64, f64)) {
        self.sum += w * d;
        self.low2 += (w * (d - lo)).powi(2);
        self.high2 += (w * (hi - d)).powi(2);
    }

    /// The weighted sum and its interval, `(sum, low, high)`.
    pub fn interval(&self) -> (f64, f64, f64) {
        (self.sum, self.sum - self.low2.sqrt(), self.sum + self.high2.sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() < tol
    }

    /// Wilson interval against published values: Newcombe (1998, Stat Med 17:857), table II,
    /// 81/263 -> 0.2553 to 0.3662; 15/148 -> 0.0624 to 0.1605; 0/20 -> 0 to 0.1611.
    #[test]
    fn wilson_matches_newcombe_table() {
        let (l, u) = wilson(81, 263, Z95);
        assert!(close(l, 0.2553, 5e-5) && close(u, 0.3662, 5e-5), "{l} {u}");
        let (l, u) = wilson(15, 148, Z95);
        assert!(close(l, 0.0624, 5e-5) && close(u, 0.1605, 5e-5), "{l} {u}");
        let (l, u) = wilson(0, 20, Z95);
        assert!(close(l, 0.0, 1e-12) && close(u, 0.1611, 5e-5), "{l} {u}");
    }

    /// Fagerland, Lydersen & Laake (2017), ch. 8, Cavo et al. (2012) data: the paired table
    /// [[59, 6], [16, 80]] gives -0.0621 with the Newcombe square-and-add interval
    /// -0.1186 to -0.0046.
    #[test]
    fn paired_matches_textbook_example() {
        // Rows are the first measurement (arm b), columns the second (arm a).
        let t = PairTable {
            both: 59,
            b_only: 6,
            a_only: 16,
            neither: 80,
        };
        let (d, lo, hi) = t.difference(Z95);
        assert!(close(d, -0.0621, 5e-5), "{d}");
        assert!(close(lo, -0.1186, 5e-5) && close(hi, -0.0046, 5e-5), "{lo} {hi}");
    }

    /// Regression (found by the hand-computed tests): the bounds at k = 0 and k = n are exact.
    #[test]
    fn wilson_is_exact_at_the_ends() {
        assert_eq!(wilson(0, 300_000, Z999).0, 0.0);
        assert_eq!(wilson(400_000, 400_000, Z999).1, 1.0);
    }

    #[test]
    fn identical_arms_give_zero_width_at_zero() {
        let t = PairTable {
            both: 40,
            a_only: 0,
            b_only: 0,
            neither: 60,
        };
        let (d, lo, hi) = t.difference(Z95);
        assert_eq!(d, 0.0);
        assert!(lo <= 0.0 && hi >= 0.0);
        assert_eq!(t.discordant_share(), 0.0);
    }

    /// Two parts: the sum is weighted, each side's arm is the root of the weighted squared arms.
    #[test]
    fn weighted_sums_add_interval_arms_in_quadrature() {
        let mut w = WeightedSum::default();
        w.add(2.0, (0.5, 0.2, 0.6));
        w.add(1.0, (0.1, -0.3, 0.5));
        let (sum, lo, hi) = w.interval();
        assert!((sum - 1.1).abs() < 1e-15);
        // Lower arms 2 × 0.3 = 0.6 and 0.4: sqrt(0.52); upper arms 0.2 and 0.4: sqrt(0.2).
        assert!((lo - (1.1 - 0.52f64.sqrt())).abs() < 1e-15);
        assert!((hi - (1.1 + 0.2f64.sqrt())).abs() < 1e-15);
    }
}
