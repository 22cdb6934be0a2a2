//! The rows of `inconsistency.csv`: how much the completed rate of one cohort depends on where
//! its victims were found, for two populations.
//!
//! - `all`: the completed rate of all victims of each group (`completed / trials`), weighted by
//!   the groups' entry shares. It mixes who identifies victims with how referral works.
//! - `identified`: the completed rate of the group's *identified* victims (`completed /
//!   identified`): **referral consistency**, the spread of what happens once a victim is in the
//!   system. Groups are weighted by their share of identified victims (entry share × identified
//!   rate), i.e. the spread is over identified victims.
//!
//! For each: the spread of [`crate::stats::gap::spread`], Wilson 95 % intervals of the best and
//! worst group, and the chi-square test of homogeneity of
//! [`crate::stats::homogeneity::homogeneity`] on the table (completed, not completed) per group,
//! from the integer counts of the simulated trials. A group whose population is empty (no trials,
//! or nobody identified) has weight 0 and no row in the test.

use super::Group;
use super::csv::InconsistencyRow;
use crate::model::Measure;
use crate::stats::gap::spread;
use crate::stats::homogeneity::homogeneity;
use crate::stats::interval::{Z95, wilson};

/// The populations of `inconsistency.csv`, in writing order, with the measure whose victims
/// form the denominator (`None`: all trials).
const POPULATIONS: [(&str, Option<Measure>); 2] = [("all", None), ("identified", Some(Measure::Identified))];

/// The rows of one cohort of one arm: per level (`entry`, then `country`) with at least two
/// groups, one row per population. (With two groups or more but fewer than two whose population
/// is not empty, the spread cannot be computed: empty cells.)
pub(super) fn rows(variant: &str, cohort: &str, groups: &[Group]) -> Vec<InconsistencyRow> {
    let mut out = Vec::new();
    for level in ["entry", "country"] {
        let level_groups: Vec<&Group> = groups.iter().filter(|g| g.level == level).collect();
        // With one entry point (or one entry country) there is nothing to compare: the measure
        // does not apply, so the level has no row.
        if level_groups.len() < 2 {
            continue;
        }
        for (population, base) in POPULATIONS {
            // (completed, population size, weight) per group.
            let counts: Vec<(u64, u64, f64)> = level_groups
                .iter()
                .map(|g| {
                    let n = base.map_or(g.tally.trials, |m| g.tally.count(m));
                    let done = g.tally.count(Measure::Completed).min(n);
                    // The group's share of the population: its entry share, times its identified
                    // rate for the identified population.
                    let weight = if n == 0 {
                        0.0
                    } else {
                        g.weight * n as f64 / g.tally.trials as f64
                    };
                    (done, n, weight)
                })
                .collect();
            let points: Vec<(f64, f64)> = counts
                .iter()
                .map(|&(k, n, w)| (w, if n == 0 { 0.0 } else { k as f64 / n as f64 }))
                .collect();
            let sp = spread(&points);
            let ci = |i: usize| wilson(counts[i].0, counts[i].1, Z95);
            let test = homogeneity(&counts.iter().map(|&(k, n, _)| (k, n)).collect::<Vec<_>>());
            out.push(InconsistencyRow {
                variant: variant.to_owned(),
                cohort: cohort.to_owned(),
                level,
                weighted_sd: sp.map(|x| x.weighted_sd),
                range: sp.map(|x| x.range),
                min_key: sp.map(|x| level_groups[x.min_group].key.clone()),
                max_key: sp.map(|x| level_groups[x.max_group].key.clone()),
                min_rate: sp.map(|x| points[x.min_group].1),
                max_rate: sp.map(|x| points[x.max_group].1),
                population,
                min_ci_low: sp.map(|x| ci(x.min_group).0),
                min_ci_high: sp.map(|x| ci(x.min_group).1),
                max_ci_low: sp.map(|x| ci(x.max_group).0),
                max_ci_high: sp.map(|x| ci(x.max_group).1),
                chi2: test.chi2,
                df: test.df,
                p_value: test.p_value,
            });
        }
    }
    out
}
