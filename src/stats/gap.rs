//! The referral gap and the inconsistency of outcomes across entry points.
//!
//! - **Referral gap** of a cohort: completed rate under perfect communication (every quality and
//!   fidelity 1 except on movements, delays unchanged) minus the actual completed rate, both from the same trials;
//!   its interval is the paired interval of [`super::interval::PairTable::difference`].
//! - **Inconsistency**: for one cohort, how much the completed rate depends on where the victim
//!   was found. Over the groups `k` (entry points, or entry countries) with weights `w_k` (their
//!   entry shares, renormalised over groups that had trials) and rates `r_k`, the share-weighted
//!   standard deviation `sqrt(sum w_k (r_k - r̄)^2)` with `r̄ = sum w_k r_k`, and the range
//!   `max r_k - min r_k` with the groups where the extremes occur. Ties go to the first group.

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

    #[test]
    fn one_group_is_not_applicable() {
        assert_eq!(spread(&[(1.0, 0.3)]), None);
        assert_eq!(spread(&[(1.0, 0.3), (0.0, 0.9)]), None);
    }
}
