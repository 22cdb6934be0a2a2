//! One `#[derive(Serialize)]` row type per CSV file: the column contract of docs/MODEL.md, "Outputs"
//! (names fixed; extra columns only at the end). One rule for what cannot be given: a measure
//! that does not apply has no row; a statistic that cannot be computed is `None`, written as an
//! empty cell; no cell is ever NaN, an infinity or `-0`. These are the only serialisable result
//! types of the crate.

use serde::Serialize;

mod consistency;
mod encode;
mod pairwise;
pub use consistency::InconsistencyRow;
pub use encode::{CsvWriter, DIGITS, round, rows_to_csv, to_csv};
pub use leaks::{AuthorityRow, ChannelRow};
pub use pairwise::PairwiseRow;

/// A row of `rates.csv`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RateRow {
    /// Variant name (`baseline`, an intervention or a sweep point).
    pub variant: String,
    /// Cohort name.
    pub cohort: String,
    /// `all`, `entry` or `country`.
    pub group: &'static str,
    /// `*`, the entry authority id, or the entry country code.
    pub key: String,
    /// Measure name.
    pub measure: &'static str,
    /// Trials in the group.
    pub trials: u64,
    /// Trials with the measure.
    pub count: u64,
    /// `count / trials` (empty when the group has no trials).
    pub rate: Option<f64>,
    /// Wilson 95 % lower bound.
    pub ci_low: Option<f64>,
    /// Wilson 95 % upper bound.
    pub ci_high: Option<f64>,
    /// Expected victims per year of the cohort in this group with this measure.
    pub victims_per_year: f64,
}

/// A row of `times.csv` (days since identification).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TimeRow {
    /// Variant name.
    pub variant: String,
    /// Cohort name.
    pub cohort: String,
    /// `all`, `entry` or `country`.
    pub group: &'static str,
    /// `*`, entry authority id or country code.
    pub key: String,
    /// `protection`, `return`, `reintegration` or `completion`.
    pub milestone: &'static str,
    /// Trials that reached the milestone.
    pub n: u64,
    /// Mean day.
    pub mean: Option<f64>,
    /// Median day (bin midpoint, within 1.6 %).
    pub p50: Option<f64>,
    /// 90th percentile day (bin midpoint, within 1.6 %).
    pub p90: Option<f64>,
}

/// A row of `hops.csv`: channel traversals of identified cases.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HopsRow {
    /// Variant name.
    pub variant: String,
    /// Cohort name.
    pub cohort: String,
    /// `all`, `entry` or `country`.
    pub group: &'static str,
    /// `*`, entry authority id or country code.
    pub key: String,
    /// Identified cases.
    pub n: u64,
    /// Mean hops.
    pub mean: Option<f64>,
    /// Median hops.
    pub p50: Option<f64>,
    /// 90th percentile of hops.
    pub p90: Option<f64>,
}

/// A row of `gap.csv`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GapRow {
    /// Variant name.
    pub variant: String,
    /// Cohort name.
    pub cohort: String,
    /// Completed rate as simulated.
    pub completed_actual: f64,
    /// Completed rate with every quality and fidelity set to 1.
    pub completed_perfect: f64,
    /// `completed_perfect - completed_actual`.
    pub gap: f64,
    /// Paired 95 % lower bound (Agresti and Min).
    pub ci_low: f64,
    /// Paired 95 % upper bound (Agresti and Min).
    pub ci_high: f64,
    /// Mean of |perfect - actual| per trial: with a simulated perfect arm, the share of trials
    /// whose completion differs between the two arms.
    pub discordant_share: f64,
    /// `gap` times the cohort's victims per year.
    pub gap_victims_per_year: f64,
    /// How the perfect arm was estimated: `conditional` or `simulated` (`mixed` on a `*` row
    /// whose cohorts differ).
    pub perfect_arm: &'static str,
}

/// A row of `comparisons.csv`: one measure of one variant against the baseline, on the same
/// trials (paired by common random numbers unless the run used independent streams).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ComparisonRow {
    /// Variant name.
    pub variant: String,
    /// Cohort name, or `*` for every cohort weighted by victims per year.
    pub cohort: String,
    /// Measure name (the `rates.csv` vocabulary).
    pub measure: &'static str,
    /// Rate in the baseline.
    pub baseline_rate: f64,
    /// Rate in the variant.
    pub variant_rate: f64,
    /// `variant_rate - baseline_rate`.
    pub difference: f64,
    /// 95 % lower bound of the difference (Newcombe; MOVER over cohorts for `*`).
    pub ci_low: f64,
    /// 95 % upper bound of the difference.
    pub ci_high: f64,
    /// Share of trials whose outcome differs between baseline and variant.
    pub discordant_share: f64,
    /// Trials compared (summed over cohorts for `*`).
    pub trials: u64,
    /// `difference` in victims per year (summed over cohorts for `*`).
    pub victims_per_year: f64,
    /// 95 % lower bound of `victims_per_year`.
    pub victims_per_year_low: f64,
    /// 95 % upper bound of `victims_per_year`.
    pub victims_per_year_high: f64,
    /// `paired` (common random numbers) or `independent` (`--independent`: unpaired interval).
    pub method: &'static str,
}

/// A row of `variants.csv`: what each variant is; a sweep point has one row per axis.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VariantRow {
    /// Variant name.
    pub variant: String,
    /// `baseline`, `intervention` or `sweep`.
    pub kind: &'static str,
    /// The sweep of a sweep point.
    pub sweep: Option<String>,
    /// The axis (by default the parameter name) of a sweep point.
    pub axis: Option<String>,
    /// The axis value of a sweep point.
    pub value: Option<f64>,
    /// Description from the scenario.
    pub description: String,
}

/// A row of `exact.csv`: a probability from the exact Markov-chain solution.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExactRow {
    /// `baseline`, `perfect_communication` (every quality and fidelity 1), or a variant's name.
    pub variant: String,
    /// Cohort name.
    pub cohort: String,
    /// `all`, `entry` or `country`.
    pub group: &'static str,
    /// `*`, entry authority id or entry country code.
    pub key: String,
    /// Measure name (the `rates.csv` vocabulary).
    pub measure: &'static str,
    /// Exact probability (no `protected_in_time` row: the chain has no clock).
    pub probability: f64,
}

/// A row of `exact_comparisons.csv`: one variant's exact difference from the baseline.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExactComparisonRow {
    /// Variant name.
    pub variant: String,
    /// Cohort name, or `*` for every cohort weighted by victims per year.
    pub cohort: String,
    /// Measure name (no `protected_in_time`: the chain has no clock).
    pub measure: &'static str,
    /// Exact probability in the baseline.
    pub baseline_probability: f64,
    /// Exact probability in the variant.
    pub variant_probability: f64,
    /// `variant_probability - baseline_probability`.
    pub difference: f64,
    /// `difference` in victims per year (summed over cohorts for `*`).
    pub victims_per_year: f64,
}

/// A row of `ranking.csv`: what one channel changes for one cohort (or `*`, all cohorts weighted
/// by victims per year).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RankingRow {
    /// Cohort name, or `*`.
    pub cohort: String,
    /// Channel id.
    pub channel: String,
    /// Sending authority id.
    pub from: String,
    /// Receiving authority id.
    pub to: String,
    /// Completed rate with the channel perfect (quality and fidelity 1).
    pub completed_if_perfect: f64,
    /// `completed_if_perfect - completed`.
    pub gain_if_perfect: f64,
    /// Completed rate with the channel removed.
    pub completed_if_cut: f64,
    /// `completed - completed_if_cut`.
    pub loss_if_cut: f64,
    /// 1 = largest gain within the cohort.
    pub rank: usize,
    /// `gain_if_perfect` in victims per year.
    pub gain_victims_per_year: f64,
    /// `loss_if_cut` in victims per year.
    pub loss_victims_per_year: f64,
}

/// A row type of one CSV file: its file name and its header, in field order.
pub trait CsvRow: Serialize {
    /// File name in the results folder.
    const FILE: &'static str;
    /// Column names, in field order (checked against the fields by a test).
    const HEADER: &'static [&'static str];
}

macro_rules! csv_row {
    ($t:ty, $file:literal, [$($col:literal),* $(,)?]) => {
        impl CsvRow for $t {
            const FILE: &'static str = $file;
            const HEADER: &'static [&'static str] = &[$($col),*];
        }
    };
}

// After the macro, which it uses.
mod cohorts;
mod leaks;
pub use cohorts::{CohortRow, cohort_rows};

csv_row!(
    RateRow,
    "rates.csv",
    [
        "variant",
        "cohort",
        "group",
        "key",
        "measure",
        "trials",
        "count",
        "rate",
        "ci_low",
        "ci_high",
        "victims_per_year"
    ]
);
csv_row!(
    TimeRow,
    "times.csv",
    [
        "variant",
        "cohort",
        "group",
        "key",
        "milestone",
        "n",
        "mean",
        "p50",
        "p90"
    ]
);
csv_row!(
    HopsRow,
    "hops.csv",
    ["variant", "cohort", "group", "key", "n", "mean", "p50", "p90"]
);
csv_row!(
    GapRow,
    "gap.csv",
    [
        "variant",
        "cohort",
        "completed_actual",
        "completed_perfect",
        "gap",
        "ci_low",
        "ci_high",
        "discordant_share",
        "gap_victims_per_year",
        "perfect_arm"
    ]
);
csv_row!(
    ComparisonRow,
    "comparisons.csv",
    [
        "variant",
        "cohort",
        "measure",
        "baseline_rate",
        "variant_rate",
        "difference",
        "ci_low",
        "ci_high",
        "discordant_share",
        "trials",
        "victims_per_year",
        "victims_per_year_low",
        "victims_per_year_high",
        "method"
    ]
);
csv_row!(
    VariantRow,
    "variants.csv",
    ["variant", "kind", "sweep", "axis", "value", "description"]
);
csv_row!(
    ExactRow,
    "exact.csv",
    ["variant", "cohort", "group", "key", "measure", "probability"]
);
csv_row!(
    ExactComparisonRow,
    "exact_comparisons.csv",
    [
        "variant",
        "cohort",
        "measure",
        "baseline_probability",
        "variant_probability",
        "difference",
        "victims_per_year"
    ]
);
csv_row!(
    RankingRow,
    "ranking.csv",
    [
        "cohort",
        "channel",
        "from",
        "to",
        "completed_if_perfect",
        "gain_if_perfect",
        "completed_if_cut",
        "loss_if_cut",
        "rank",
        "gain_victims_per_year",
        "loss_victims_per_year",
    ]
);
#[cfg(test)]
mod tests {
    use super::*;

    /// The declared header equals the header serde derives from the fields.
    pub(super) fn header_matches<T: CsvRow>(row: T) {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(row).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(text.lines().next().unwrap(), T::HEADER.join(","), "{}", T::FILE);
    }

    #[test]
    fn headers_match_fields() {
        let v = || "v".to_owned();
        header_matches(RateRow {
            variant: v(),
            cohort: v(),
            group: "all",
            key: v(),
            measure: "m",
            trials: 1,
            count: 0,
            rate: None,
            ci_low: None,
            ci_high: None,
            victims_per_year: 0.0,
        });
        header_matches(TimeRow {
            variant: v(),
            cohort: v(),
            group: "all",
            key: v(),
            milestone: "m",
            n: 0,
            mean: None,
            p50: None,
            p90: None,
        });
        header_matches(HopsRow {
            variant: v(),
            cohort: v(),
            group: "all",
            key: v(),
            n: 0,
            mean: None,
            p50: None,
            p90: None,
        });
        header_matches(GapRow {
            variant: v(),
            cohort: v(),
            completed_actual: 0.0,
            completed_perfect: 0.0,
            gap: 0.0,
            ci_low: 0.0,
            ci_high: 0.0,
            discordant_share: 0.0,
            gap_victims_per_year: 0.0,
            perfect_arm: "conditional",
        });
        header_matches(ComparisonRow {
            variant: v(),
            cohort: v(),
            measure: "m",
            baseline_rate: 0.0,
            variant_rate: 0.0,
            difference: 0.0,
            ci_low: 0.0,
            ci_high: 0.0,
            discordant_share: 0.0,
            trials: 0,
            victims_per_year: 0.0,
            victims_per_year_low: 0.0,
            victims_per_year_high: 0.0,
            method: "paired",
        });
        header_matches(VariantRow {
            variant: v(),
            kind: "baseline",
            sweep: None,
            axis: None,
            value: None,
            description: v(),
        });
        header_matches(ExactRow {
            variant: v(),
            cohort: v(),
            group: "all",
            key: v(),
            measure: "m",
            probability: 0.0,
        });
        header_matches(ExactComparisonRow {
            variant: v(),
            cohort: v(),
            measure: "m",
            baseline_probability: 0.0,
            variant_probability: 0.0,
            difference: 0.0,
            victims_per_year: 0.0,
        });
        header_matches(RankingRow {
            cohort: v(),
            channel: v(),
            from: v(),
            to: v(),
            completed_if_perfect: 0.0,
            gain_if_perfect: 0.0,
            completed_if_cut: 0.0,
            loss_if_cut: 0.0,
            rank: 1,
            gain_victims_per_year: 0.0,
            loss_victims_per_year: 0.0,
        });
    }
}
