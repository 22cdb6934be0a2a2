//! `cohorts.csv`: who each cohort is, so that every cohort attribute shown anywhere (the summary,
//! the report page) can be read from the results folder. One row per (cohort, entry point).

use serde::Serialize;

use super::CsvRow;
use crate::scenario::Scenario;

/// A row of `cohorts.csv`: a cohort and one of its entry points.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CohortRow {
    /// Cohort name.
    pub cohort: String,
    /// Origin country code.
    pub origin: String,
    /// `child` or `adult`.
    pub age: &'static str,
    /// Form of exploitation (free label of the scenario).
    pub exploitation: String,
    /// Expected victims per year.
    pub victims_per_year: f64,
    /// Goal milestones of victims entering here, in pathway order, joined by `;`.
    pub goal: String,
    /// Entry authority id.
    pub entry: String,
    /// Country code of the entry authority.
    pub entry_country: String,
    /// Share of the cohort's victims who enter here (the shares of a cohort sum to 1).
    pub entry_share: f64,
}

csv_row!(
    CohortRow,
    "cohorts.csv",
    [
        "cohort",
        "origin",
        "age",
        "exploitation",
        "victims_per_year",
        "goal",
        "entry",
        "entry_country",
        "entry_share"
    ]
);

/// The rows of `cohorts.csv` for `s`, cohorts and entry points in scenario order.
pub fn cohort_rows(s: &Scenario) -> Vec<CohortRow> {
    let code = |i: usize| s.countries()[i].code.clone();
    s.cohorts()
        .iter()
        .flat_map(|c| {
            c.entry.iter().enumerate().map(move |(k, &(a, share))| {
                let auth = &s.authorities()[a];
                CohortRow {
                    cohort: c.name.clone(),
                    origin: code(c.origin),
                    age: c.age.name(),
                    exploitation: c.exploitation.clone(),
                    victims_per_year: c.victims,
                    goal: c.goal(k).iter().map(|g| g.name()).collect::<Vec<_>>().join(";"),
                    entry: auth.id.clone(),
                    entry_country: code(auth.country),
                    entry_share: share,
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_matches_fields() {
        let row = CohortRow {
            cohort: "c".into(),
            origin: "BFA".into(),
            age: "child",
            exploitation: "labour".into(),
            victims_per_year: 1.0,
            goal: "protection".into(),
            entry: "CIV.police".into(),
            entry_country: "CIV".into(),
            entry_share: 1.0,
        };
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(row).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(text.lines().next().unwrap(), CohortRow::HEADER.join(","));
    }
}
