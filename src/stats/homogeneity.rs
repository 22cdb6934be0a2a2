//! Pearson's chi-square test of homogeneity of one proportion across groups.
//!
//! The table has one row per group `k` and two columns, yes `y_k` and no `n_k − y_k`, where `n_k`
//! is the group's count of simulated victims (trials, or identified victims for referral
//! consistency). Rules, stated once:
//! - a group with `n_k = 0` has no row (its expected counts would be 0/0);
//! - with `Y = Σ y_k`, `N = Σ n_k` and `p = Y/N`, the statistic is
//!   `chi2 = Σ_k (y_k − n_k p)² / (n_k p (1 − p))` (the usual `Σ (O − E)²/E` over both columns,
//!   folded into one term per row), with `df = K − 1` for the `K` rows left;
//! - `df = 0` — fewer than two rows, or a column whose total is 0 (`Y = 0` or `Y = N`: every group
//!   agrees exactly) — means there is nothing to test: `chi2` and the p-value are `None`;
//! - the p-value is the upper tail `P(χ²_df > chi2)` of the chi-square distribution (`statrs`).
//!
//! The test asks whether the spread across groups is more than sampling noise of the simulation:
//! with millions of trials any real difference is "significant"; it is a guard against reading
//! noise as inconsistency, not a measure of size (that is the spread of [`super::gap`]).

use statrs::distribution::{ChiSquared, ContinuousCDF};

/// The outcome of the test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homogeneity {
    /// Pearson's statistic (`None` when `df = 0`).
    pub chi2: Option<f64>,
    /// Degrees of freedom: rows with `n_k > 0`, minus 1; 0 when there is nothing to test.
    pub df: u64,
    /// `P(χ²_df > chi2)` (`None` when `df = 0`).
    pub p_value: Option<f64>,
}

/// Tests `(y_k, n_k)` groups (`y_k ≤ n_k`) for a common proportion.
pub fn homogeneity(groups: &[(u64, u64)]) -> Homogeneity {
    let rows: Vec<(f64, f64)> = groups
        .iter()
        .filter(|g| g.1 > 0)
        .map(|&(y, n)| (y.min(n) as f64, n as f64))
        .collect();
    let yes: f64 = rows.iter().map(|r| r.0).sum();
    let all: f64 = rows.iter().map(|r| r.1).sum();
    let none = Homogeneity {
        chi2: None,
        df: 0,
        p_value: None,
    };
    if rows.len() < 2 || yes == 0.0 || yes == all {
        return none;
    }
    let p = yes / all;
    let chi2: f64 = rows
        .iter()
        .map(|&(y, n)| (y - n * p).powi(2) / (n * p * (1.0 - p)))
        .sum();
    let df = rows.len() as u64 - 1;
    let p_value = ChiSquared::new(df as f64).map(|d| d.sf(chi2)).ok();
    Homogeneity {
        chi2: Some(chi2),
        df,
        p_value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two groups 30/100 and 50/100: p = 0.4, each row contributes 10² / (100 · 0.24), so
    /// chi2 = 200/24 = 8.3333; with df = 1, `P(χ²₁ > x) = erfc(sqrt(x/2))` = erfc(2.0412415) =
    /// 0.0038924171 (Python: `math.erfc(math.sqrt(100 / 24))` = 0.003892417122778627).
    #[test]
    fn two_groups_by_hand() {
        let h = homogeneity(&[(30, 100), (50, 100)]);
        assert_eq!(h.df, 1);
        assert!((h.chi2.unwrap() - 200.0 / 24.0).abs() < 1e-12);
        assert!((h.p_value.unwrap() - 0.003_892_417_122_778).abs() < 1e-12, "{h:?}");
    }

    /// Three groups 10/50, 20/50, 30/50: p = 0.4, `n p (1 − p)` = 12, chi2 = (100 + 0 + 100)/12;
    /// with df = 2 the upper tail is exactly `exp(−chi2/2)` = exp(−25/3).
    #[test]
    fn three_groups_by_hand() {
        let h = homogeneity(&[(10, 50), (20, 50), (30, 50)]);
        assert_eq!(h.df, 2);
        assert!((h.chi2.unwrap() - 200.0 / 12.0).abs() < 1e-12);
        let want = (-25.0f64 / 3.0).exp();
        assert!(
            (h.p_value.unwrap() - want).abs() < 1e-12 * want.max(1e-3),
            "{h:?} {want}"
        );
    }

    /// Empty groups drop out; identical rates give chi2 = 0 and p = 1.
    #[test]
    fn empty_groups_and_equal_rates() {
        let h = homogeneity(&[(5, 10), (0, 0), (10, 20)]);
        assert_eq!(h.df, 1);
        assert_eq!(h.chi2, Some(0.0));
        assert!((h.p_value.unwrap() - 1.0).abs() < 1e-12);
    }

    /// Nothing to test: one group, or a column with total 0.
    #[test]
    fn df_zero_is_not_applicable() {
        for g in [
            &[(3, 10)][..],
            &[(0, 10), (0, 5)],
            &[(10, 10), (4, 4)],
            &[(2, 5), (0, 0)],
        ] {
            let h = homogeneity(g);
            assert_eq!((h.chi2, h.df, h.p_value), (None, 0, None), "{g:?}");
        }
    }
}
