//! The row of `pairwise.csv`: one measure of one pair of variants, on the same trials.

use serde::Serialize;

use super::CsvRow;

/// A row of `pairwise.csv`: the difference of one measure between two variants (both simulated on
/// the same random numbers unless the run used independent streams).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PairwiseRow {
    /// The first variant of the pair (earlier in the scenario's variant order).
    pub variant_a: String,
    /// The second variant of the pair.
    pub variant_b: String,
    /// Cohort name, or `*` for every cohort weighted by victims per year.
    pub cohort: String,
    /// Measure name (the `rates.csv` vocabulary).
    pub measure: &'static str,
    /// Rate of `variant_b` minus rate of `variant_a`.
    pub difference: f64,
    /// 95 % lower bound of the difference (Newcombe; MOVER over cohorts for `*`).
    pub ci_low: f64,
    /// 95 % upper bound of the difference.
    pub ci_high: f64,
    /// `paired` (common random numbers) or `independent` (`--independent`: unpaired interval).
    pub method: &'static str,
}

impl CsvRow for PairwiseRow {
    const FILE: &'static str = "pairwise.csv";
    const HEADER: &'static [&'static str] = &[
        "variant_a",
        "variant_b",
        "cohort",
        "measure",
        "difference",
        "ci_low",
        "ci_high",
        "method",
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_matches_fields() {
        super::super::tests::header_matches(PairwiseRow {
            variant_a: "a".to_owned(),
            variant_b: "b".to_owned(),
            cohort: "*".to_owned(),
            measure: "completed",
            difference: 0.0,
            ci_low: 0.0,
            ci_high: 0.0,
            method: "paired",
        });
    }
}
