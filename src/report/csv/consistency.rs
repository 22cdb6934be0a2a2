//! The row of `inconsistency.csv`: the spread of the completed rate across entry points or entry
//! countries, for all victims or for identified victims only, with the chi-square test of
//! homogeneity (see [`crate::stats::homogeneity`]).

use serde::Serialize;

use super::CsvRow;

/// A row of `inconsistency.csv`: for one cohort, level and population, how much the completed
/// rate depends on where the victim was found.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InconsistencyRow {
    /// Variant name.
    pub variant: String,
    /// Cohort name.
    pub cohort: String,
    /// `entry` or `country`.
    pub level: &'static str,
    /// Weighted standard deviation of the rate across groups (empty with fewer than two groups).
    pub weighted_sd: Option<f64>,
    /// Highest minus lowest rate (empty with fewer than two groups).
    pub range: Option<f64>,
    /// Group with the lowest rate.
    pub min_key: Option<String>,
    /// Group with the highest rate.
    pub max_key: Option<String>,
    /// Lowest rate.
    pub min_rate: Option<f64>,
    /// Highest rate.
    pub max_rate: Option<f64>,
    /// `all` (rate = completed / victims of the group) or `identified` (rate = completed /
    /// identified victims of the group: referral consistency).
    pub population: &'static str,
    /// Wilson 95 % lower bound of `min_rate`.
    pub min_ci_low: Option<f64>,
    /// Wilson 95 % upper bound of `min_rate`.
    pub min_ci_high: Option<f64>,
    /// Wilson 95 % lower bound of `max_rate`.
    pub max_ci_low: Option<f64>,
    /// Wilson 95 % upper bound of `max_rate`.
    pub max_ci_high: Option<f64>,
    /// Pearson's chi-square statistic of homogeneity across the groups (empty when `df = 0`).
    pub chi2: Option<f64>,
    /// Its degrees of freedom: groups with a non-empty population minus 1 (0: nothing to test).
    pub df: u64,
    /// `P(χ²_df > chi2)` (empty when `df = 0`).
    pub p_value: Option<f64>,
}

impl CsvRow for InconsistencyRow {
    const FILE: &'static str = "inconsistency.csv";
    const HEADER: &'static [&'static str] = &[
        "variant",
        "cohort",
        "level",
        "weighted_sd",
        "range",
        "min_key",
        "max_key",
        "min_rate",
        "max_rate",
        "population",
        "min_ci_low",
        "min_ci_high",
        "max_ci_low",
        "max_ci_high",
        "chi2",
        "df",
        "p_value",
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_matches_fields() {
        super::super::tests::header_matches(InconsistencyRow {
            variant: "v".to_owned(),
            cohort: "c".to_owned(),
            level: "entry",
            weighted_sd: None,
            range: None,
            min_key: None,
            max_key: None,
            min_rate: None,
            max_rate: None,
            population: "all",
            min_ci_low: None,
            min_ci_high: None,
            max_ci_low: None,
            max_ci_high: None,
            chi2: None,
            df: 0,
            p_value: None,
        });
    }
}
