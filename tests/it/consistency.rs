//! Referral consistency (`inconsistency.csv`, issue 13 item 5): the spread of the completed rate
//! across entry points for all victims and for identified victims only, the Wilson intervals of
//! the extremes, and the chi-square test of homogeneity — against hand values and the exact
//! solver.

use refgap::engine::{CohortStop, RunConfig, RunResult, Stop};
use refgap::exact::solve;
use refgap::model::Measure;
use refgap::report::Report;
use refgap::report::csv::InconsistencyRow;
use refgap::stats::CohortTally;
use refgap::stats::interval::{Z999, wilson};

use crate::util::{scenario, simulate};

/// Three entry points that identify differently (0.8, 0.4, 0.6) and refer over channels of
/// different quality (0.9, 0.5, 0.3) to the one shelter; goal protection. By hand, per entry `k`:
/// P(completed | identified) = quality of its channel, P(completed) = identification × quality.
const THREE_ENTRIES: &str = r#"
[scenario]
name = "three entries"
seed = 1313

[[country]]
code = "AAA"

[[country]]
code = "BBB"

[[authority]]
id = "A"
country = "AAA"
kind = "ngo"
identification = 0.8

[[authority]]
id = "B"
country = "AAA"
kind = "police"
identification = 0.4

[[authority]]
id = "C"
country = "BBB"
kind = "border"
identification = 0.6

[[authority]]
id = "D"
country = "AAA"
kind = "shelter"
provides = ["protection"]

[[channel]]
from = "A"
to = "D"
quality = 0.9

[[channel]]
from = "B"
to = "D"
quality = 0.5

[[channel]]
from = "C"
to = "D"
quality = 0.3

[[cohort]]
name = "adults"
origin = "AAA"
age = "adult"
victims = 100
entry = [{ at = "A", share = 0.5 }, { at = "B", share = 0.3 }, { at = "C", share = 0.2 }]
goal = ["protection"]
"#;

fn row<'a>(rows: &'a [InconsistencyRow], level: &str, population: &str) -> &'a InconsistencyRow {
    rows.iter()
        .find(|r| r.level == level && r.population == population)
        .unwrap_or_else(|| panic!("no {level}/{population} row in {rows:?}"))
}

/// A report of [`THREE_ENTRIES`] from hand-made tallies: per entry (trials, identified,
/// completed).
fn report_of(counts: [(u64, u64, u64); 3]) -> Report {
    let s = scenario(THREE_ENTRIES);
    let mut t = CohortTally::new(3, s.channels().len(), s.authorities().len(), false);
    for (e, (n, ident, done)) in t.entries.iter_mut().zip(counts) {
        e.trials = n;
        e.counts[Measure::Identified.index()] = ident;
        e.counts[Measure::Completed.index()] = done;
        e.counts[Measure::Protected.index()] = done;
    }
    let n = counts.iter().map(|c| c.0).sum();
    let result = RunResult {
        config: RunConfig::new(s.seed(), n),
        cohorts: vec![t],
        variants: Vec::new(),
        stops: vec![CohortStop {
            trials: n,
            reason: Stop::Trials,
            half_width: 0.0,
        }],
    };
    Report::new(&s, &result)
}

/// Hand case through the report. Entries (trials, identified, completed): A (100, 50, 10),
/// B (100, 25, 10), C (100, 50, 30).
///
/// `identified`: rates 0.2, 0.4, 0.6 over (10/50, 10/25, 30/50); pooled p = 50/125 = 0.4; rows
/// contribute (10 − 20)²/(50·0.24) = 8⅓, (10 − 10)²/6 = 0 and (30 − 20)²/12 = 8⅓: chi2 = 50/3,
/// df = 2, p = exp(−chi2/2) = exp(−25/3) (the df = 2 tail is exactly exponential). Weights are
/// entry share × identified rate: 0.25, 0.075, 0.1.
///
/// `all`: rates 0.1, 0.1, 0.3 over 100 each; p = 50/300 = 1/6, `n p (1 − p)` = 13.8̅; rows
/// (10 − 16.6̅)² twice and (30 − 16.6̅)²: chi2 = (44.4̅ + 44.4̅ + 177.7̅) / 13.8̅ = 19.2, df = 2.
#[test]
fn populations_by_hand() {
    let r = report_of([(100, 50, 10), (100, 25, 10), (100, 50, 30)]);
    let rows = &r.inconsistency;
    assert_eq!(rows.len(), 4, "entry and country level, two populations each: {rows:?}");

    let id = row(rows, "entry", "identified");
    let chi2 = 50.0 / 3.0;
    assert!((id.chi2.unwrap() - chi2).abs() < 1e-12, "{id:?}");
    assert_eq!(id.df, 2);
    let p = (-chi2 / 2.0).exp();
    assert!((id.p_value.unwrap() - p).abs() < 1e-9 * p, "{id:?} {p}");
    assert_eq!((id.min_key.as_deref(), id.max_key.as_deref()), (Some("A"), Some("C")));
    assert_eq!((id.min_rate, id.max_rate), (Some(0.2), Some(0.6)));
    let (w, r_) = ([0.25, 0.075, 0.1], [0.2, 0.4, 0.6]);
    let total: f64 = w.iter().sum();
    let mean: f64 = w.iter().zip(r_).map(|(w, r)| w * r).sum::<f64>() / total;
    let var: f64 = w.iter().zip(r_).map(|(w, r)| w * (r - mean).powi(2)).sum::<f64>() / total;
    assert!((id.weighted_sd.unwrap() - var.sqrt()).abs() < 1e-12, "{id:?}");
    assert_eq!((id.min_ci_low, id.min_ci_high), {
        let (lo, hi) = wilson(10, 50, refgap::stats::interval::Z95);
        (Some(lo), Some(hi))
    });

    let all = row(rows, "entry", "all");
    assert!((all.chi2.unwrap() - 19.2).abs() < 1e-9, "{all:?}");
    assert_eq!(all.df, 2);
    assert!((all.p_value.unwrap() - (-9.6f64).exp()).abs() < 1e-9 * (-9.6f64).exp());
    assert_eq!((all.min_rate, all.max_rate), (Some(0.1), Some(0.3)));
    assert_eq!(all.min_key.as_deref(), Some("A"), "ties go to the first group");

    // Country level: AAA = A + B (20/75 identified completed, 20/200 of all), BBB = C.
    let c = row(rows, "country", "identified");
    assert_eq!(c.df, 1);
    let (y, n): ([f64; 2], [f64; 2]) = ([20.0, 30.0], [75.0, 50.0]);
    let p: f64 = 50.0 / 125.0;
    let want: f64 = y
        .iter()
        .zip(n)
        .map(|(y, n)| (y - n * p).powi(2) / (n * p * (1.0 - p)))
        .sum();
    assert!((c.chi2.unwrap() - want).abs() < 1e-12, "{c:?} {want}");
}

/// Zero identified at an entry: it drops out of the identified population (weight 0, no row of
/// the test), but stays in `all`. Nobody completed anywhere: nothing to test (df = 0).
#[test]
fn empty_groups_and_df_zero() {
    let r = report_of([(100, 0, 0), (100, 20, 5), (100, 40, 20)]);
    let id = row(&r.inconsistency, "entry", "identified");
    assert_eq!(id.df, 1, "{id:?}");
    assert_eq!(id.min_key.as_deref(), Some("B"));
    assert_eq!(row(&r.inconsistency, "entry", "all").df, 2);

    let r = report_of([(100, 10, 0), (100, 20, 0), (100, 0, 0)]);
    for x in &r.inconsistency {
        assert_eq!((x.chi2, x.df, x.p_value), (None, 0, None), "{x:?}");
    }
    // The spread itself is still defined (all rates 0).
    assert_eq!(row(&r.inconsistency, "entry", "identified").range, Some(0.0));
}

/// Simulated: the identified population's extremes are the channel qualities (hand) and the
/// exact solver's ratio P(completed)/P(identified) of the same entries, inside the 99.9 % Wilson
/// interval of the simulated counts; the `all` population's are identification × quality. With
/// these rates the spread is far beyond noise: p-values are ~0.
#[test]
fn simulated_rates_match_exact_ratios() {
    let s = scenario(THREE_ENTRIES);
    let result = simulate(&s, 60_000);
    let exact = solve(&s).unwrap();
    let report = Report::new(&s, &result);
    let entry_index = |key: &str| ["A", "B", "C"].iter().position(|k| *k == key).unwrap();
    let hand_identified = [0.9, 0.5, 0.3];
    let hand_all = [0.8 * 0.9, 0.4 * 0.5, 0.6 * 0.3];
    for (population, hand) in [("identified", hand_identified), ("all", hand_all)] {
        let x = row(&report.inconsistency, "entry", population);
        for (key, rate, lo, hi) in [
            (&x.min_key, x.min_rate, x.min_ci_low, x.min_ci_high),
            (&x.max_key, x.max_rate, x.max_ci_low, x.max_ci_high),
        ] {
            let k = entry_index(key.as_deref().unwrap());
            let e = &result.cohorts[0].entries[k];
            let n = if population == "identified" {
                e.count(Measure::Identified)
            } else {
                e.trials
            };
            let done = e.count(Measure::Completed);
            assert_eq!(rate, Some(done as f64 / n as f64));
            assert!(lo.unwrap() <= rate.unwrap() && rate.unwrap() <= hi.unwrap());
            let p = &exact[0].entries[k];
            let exact_rate = if population == "identified" {
                p[Measure::Completed.index()] / p[Measure::Identified.index()]
            } else {
                p[Measure::Completed.index()]
            };
            assert!(
                (exact_rate - hand[k]).abs() < 1e-12,
                "exact {exact_rate} vs hand {}",
                hand[k]
            );
            let (wl, wh) = wilson(done, n, Z999);
            assert!(
                wl <= exact_rate && exact_rate <= wh,
                "{population} {key:?}: {done}/{n} vs {exact_rate}"
            );
        }
        assert_eq!(x.df, 2);
        assert!(x.p_value.unwrap() < 1e-12, "{x:?}");
    }
    let id = row(&report.inconsistency, "entry", "identified");
    assert_eq!((id.min_key.as_deref(), id.max_key.as_deref()), (Some("C"), Some("A")));
}
