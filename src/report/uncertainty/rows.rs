//! The row types of the uncertainty tables: one `#[derive(Serialize)]` struct per CSV file,
//! fields in column order.

use serde::Serialize;

use crate::report::csv::CsvRow;

/// A row of `samples.csv`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SampleRow {
    /// Index of the sampled world (design order).
    pub sample: usize,
    /// Factor name.
    pub factor: String,
    /// Its value in that world.
    pub value: f64,
}

/// A row of `outcomes.csv`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OutcomeRow {
    /// Index of the sampled world.
    pub sample: usize,
    /// `baseline` or an intervention.
    pub variant: String,
    /// Cohort name, or `*` for all cohorts.
    pub cohort: String,
    /// `identified`, `protected`, `returned`, `reintegrated`, `completed` or `gap`.
    pub measure: &'static str,
    /// Exact probability (victims-weighted mean for `*`); empty for a cohort (or all cohorts)
    /// with no victims, whose rate is not kept.
    pub rate: Option<f64>,
    /// Victims per year.
    pub victims_per_year: f64,
}

/// A row of `summary.csv`: victims per year over the sampled worlds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SummaryRow {
    /// `all` (every sampled world).
    pub subset: &'static str,
    /// `baseline` or an intervention.
    pub variant: String,
    /// Cohort name, or `*`.
    pub cohort: String,
    /// Outcome name.
    pub measure: &'static str,
    /// `level` (the value) or `gain` (variant minus baseline in the same world; not for the
    /// baseline).
    pub quantity: &'static str,
    /// Mean over the worlds.
    pub mean: f64,
    /// Standard deviation over the worlds (n − 1 denominator; 0 for one world).
    pub sd: f64,
    /// 5 % quantile.
    pub p05: f64,
    /// Median.
    pub p50: f64,
    /// 95 % quantile.
    pub p95: f64,
    /// Share of worlds where the value is > 0.
    pub p_positive: f64,
}

/// A row of the uncertainty run's `ranking.csv`: how the interventions rank by gain.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RankRow {
    /// `all`.
    pub subset: &'static str,
    /// The intervention.
    pub variant: String,
    /// `completed` or `protected` victims per year gained, all cohorts.
    pub measure: &'static str,
    /// Share of worlds where it has the largest gain (ties broken by variant order).
    pub p_best: f64,
    /// Share of worlds where it is among the three largest gains.
    pub p_top3: f64,
    /// Mean rank (1 = largest gain).
    pub mean_rank: f64,
    /// 5 % quantile of the gain.
    pub p05_gain: f64,
    /// Median gain.
    pub p50_gain: f64,
    /// 95 % quantile of the gain.
    pub p95_gain: f64,
}

/// A row of `pairwise.csv`: one intervention against another, in the same worlds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PairRow {
    /// `all`.
    pub subset: &'static str,
    /// First intervention.
    pub variant_a: String,
    /// Second intervention.
    pub variant_b: String,
    /// `completed` or `protected` victims per year, all cohorts.
    pub measure: &'static str,
    /// Share of worlds where `a` gains strictly more than `b`.
    pub p_a_beats_b: f64,
    /// Median of `a`'s gain minus `b`'s.
    pub p50_difference: f64,
}

/// A row of `plausible.csv`: an observed figure in one sampled world.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlausibleRow {
    /// Index of the sampled world.
    pub sample: usize,
    /// The observation's name.
    pub observation: String,
    /// Its value in that world (a rate, or victims per year).
    pub value: f64,
    /// Whether it falls in the observation's range.
    pub inside: bool,
}

macro_rules! row {
    ($t:ty, $file:literal, [$($col:literal),* $(,)?]) => {
        impl CsvRow for $t {
            const FILE: &'static str = $file;
            const HEADER: &'static [&'static str] = &[$($col),*];
        }
    };
}
row!(SampleRow, "samples.csv", ["sample", "factor", "value"]);
row!(
    PlausibleRow,
    "plausible.csv",
    ["sample", "observation", "value", "inside"]
);
row!(
    OutcomeRow,
    "outcomes.csv",
    ["sample", "variant", "cohort", "measure", "rate", "victims_per_year"]
);
row!(
    SummaryRow,
    "summary.csv",
    [
        "subset",
        "variant",
        "cohort",
        "measure",
        "quantity",
        "mean",
        "sd",
        "p05",
        "p50",
        "p95",
        "p_positive"
    ]
);
row!(
    RankRow,
    "ranking.csv",
    [
        "subset",
        "variant",
        "measure",
        "p_best",
        "p_top3",
        "mean_rank",
        "p05_gain",
        "p50_gain",
        "p95_gain"
    ]
);
row!(
    PairRow,
    "pairwise.csv",
    [
        "subset",
        "variant_a",
        "variant_b",
        "measure",
        "p_a_beats_b",
        "p50_difference"
    ]
);
