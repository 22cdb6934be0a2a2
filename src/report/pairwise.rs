//! The rows of `pairwise.csv` — every pair of paired variants ([`paired_variants`]), per cohort
//! and measure, then all cohorts weighted by victims per year — and the "≈ next" marks of the
//! terminal ranking that follow from them.
//!
//! A row's `difference` is variant `b`'s rate minus variant `a`'s (`a` earlier in the scenario's
//! variant order), with Newcombe's paired 95 % interval on the same trials, or the unpaired one
//! under `--independent`, exactly as `comparisons.csv` compares a variant with the baseline.
//! Rows with `cohort = *` combine cohorts as `comparisons.csv` does: victims-weighted difference,
//! and the cohorts' interval arms added in quadrature on each side (MOVER).

use super::ALL_COHORTS;
use super::csv::PairwiseRow;
use super::summary::VariantLine;
use crate::engine::RunResult;
use crate::engine::pairs::paired_variants;
use crate::model::Measure;
use crate::scenario::Scenario;
use crate::stats::interval::{PairTable, WeightedSum, Z95};

/// `rate_b − rate_a` of `t` with its 95 % interval, paired or unpaired.
pub(super) fn difference(t: &PairTable, paired: bool) -> (f64, f64, f64) {
    if paired {
        t.difference(Z95)
    } else {
        t.difference_unpaired(Z95)
    }
}

/// Every row of `pairwise.csv`.
pub(super) fn rows(s: &Scenario, result: &RunResult) -> Vec<PairwiseRow> {
    let paired = !result.config.independent;
    let method = if paired { "paired" } else { "independent" };
    let chosen = paired_variants(s, result);
    let total_victims: f64 = s.cohorts().iter().map(|c| c.victims).sum();
    let mut out = Vec::new();
    for (i, &a) in chosen.iter().enumerate() {
        for &b in &chosen[i + 1..] {
            let row = |cohort: String, measure: Measure, (d, lo, hi): (f64, f64, f64)| PairwiseRow {
                variant_a: s.variants()[a].name.clone(),
                variant_b: s.variants()[b].name.clone(),
                cohort,
                measure: measure.name(),
                difference: d,
                ci_low: lo,
                ci_high: hi,
                method,
            };
            for m in Measure::ALL {
                if !super::applies(s, m) {
                    continue;
                }
                let mut sum = WeightedSum::default();
                let first = out.len();
                for (c, cohort) in s.cohorts().iter().enumerate() {
                    let Some(t) = result.versus_variant(a, b, c, m) else {
                        continue;
                    };
                    let (d, lo, hi) = difference(&t, paired);
                    out.push(row(cohort.name.clone(), m, (d, lo, hi)));
                    sum.add(cohort.victims, (d, lo, hi));
                }
                if s.cohorts().len() == 1 {
                    // One cohort: its rows are the all-cohort figures (as in comparisons.csv).
                    let copy: Vec<PairwiseRow> = out[first..]
                        .iter()
                        .map(|r| PairwiseRow {
                            cohort: ALL_COHORTS.to_owned(),
                            ..r.clone()
                        })
                        .collect();
                    out.extend(copy);
                } else if total_victims > 0.0 && out.len() > first {
                    let (diff, lo, hi) = sum.interval();
                    let t = total_victims;
                    out.push(row(ALL_COHORTS.to_owned(), m, (diff / t, lo / t, hi / t)));
                }
            }
        }
    }
    out
}

/// Marks each ranking line (sorted, best first) whose all-cohort completed difference from the
/// next line's variant has a 95 % interval containing 0. Lines of variants outside the paired
/// ones stay unmarked.
pub(super) fn mark_ties(ranking: &mut [VariantLine], rows: &[PairwiseRow]) {
    let completed = Measure::Completed.name();
    for i in 1..ranking.len() {
        let (x, y) = (&ranking[i - 1].variant, &ranking[i].variant);
        let found = rows.iter().find(|r| {
            r.cohort == ALL_COHORTS
                && r.measure == completed
                && ((&r.variant_a, &r.variant_b) == (x, y) || (&r.variant_a, &r.variant_b) == (y, x))
        });
        ranking[i - 1].tied_with_next = found.map(|r| r.ci_low <= 0.0 && 0.0 <= r.ci_high);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Swapping the arms of a pair negates the difference and mirrors its interval (Newcombe's
    /// formula is symmetric in the two arms; `phi` is unchanged by transposing the table).
    #[test]
    fn swapping_the_arms_mirrors_the_interval() {
        for (t, paired) in [
            (
                PairTable {
                    both: 5_000,
                    a_only: 120,
                    b_only: 310,
                    neither: 4_570,
                },
                true,
            ),
            (
                PairTable {
                    both: 3,
                    a_only: 0,
                    b_only: 9,
                    neither: 88,
                },
                true,
            ),
            (
                PairTable {
                    both: 40,
                    a_only: 7,
                    b_only: 2,
                    neither: 51,
                },
                false,
            ),
        ] {
            let swapped = PairTable {
                a_only: t.b_only,
                b_only: t.a_only,
                ..t
            };
            let (d, lo, hi) = difference(&t, paired);
            let (d2, lo2, hi2) = difference(&swapped, paired);
            assert!((d + d2).abs() < 1e-15 && (lo + hi2).abs() < 1e-12 && (hi + lo2).abs() < 1e-12);
            assert!(lo <= d && d <= hi, "{t:?}");
        }
    }
}
