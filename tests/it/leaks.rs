//! Leaks and stalls where they happen (issue 13, item 4): `channels.csv` per cohort with
//! victims-weighted `*` rows and leaks split before / after the goal, `authorities.csv` with
//! stalls of each kind and dropouts, and the terminal summary rebuilt from those files.
//!
//! Hand-derived values, and the exact solver's per-entry probabilities, are checked against the
//! simulation with 99.9 % Wilson intervals (fixed seeds, never tuned); sums, balances and
//! weightings are checked exactly (to float rounding), on the bundled scenarios too.

use std::collections::HashMap;
use std::path::Path;

use refgap::engine::{self, RunConfig};
use refgap::exact::solve;
use refgap::model::Measure;
use refgap::report::csv::{AuthorityRow, ChannelRow};
use refgap::report::{ALL_COHORTS, Report};
use refgap::scenario::Scenario;
use refgap::stats::interval::{Z999, wilson};

use crate::util::{bundled_baseline, ecowas, refgap, scenario, simulate};

/// `count` of `n` trials holds `p` in its 99.9 % Wilson interval.
fn assert_rate(what: &str, count: u64, n: u64, p: f64) {
    let (lo, hi) = wilson(count, n, Z999);
    assert!(
        lo <= p && p <= hi,
        "{what}: {count}/{n} = {} has 99.9 % interval [{lo}, {hi}], hand value {p}",
        count as f64 / n as f64
    );
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + a.abs().max(b.abs()))
}

fn channel<'a>(r: &'a Report, cohort: &str, id: &str) -> &'a ChannelRow {
    r.channels
        .iter()
        .find(|c| c.cohort == cohort && c.channel == id)
        .unwrap_or_else(|| panic!("no channels.csv row for {cohort} / {id}"))
}

fn authority<'a>(r: &'a Report, cohort: &str, id: &str) -> &'a AuthorityRow {
    r.authorities
        .iter()
        .find(|a| a.cohort == cohort && a.authority == id)
        .unwrap_or_else(|| panic!("no authorities.csv row for {cohort} / {id}"))
}

// Two entry points feed one lossy channel Z -> W (q = 0.5). Victims entering at X (share 0.3)
// are protected there, so their goal (protection) is reached before Z -> W; those entering at Y
// (share 0.7) reach it only at W. Hence, per trial:
//   leaked on Z -> W after the goal  = 0.3 × 0.5 = 0.15,
//   leaked on Z -> W before the goal = 0.7 × 0.5 = 0.35,
//   completed = 0.3 + 0.7 × 0.5 = 0.65.
const GOAL_SPLIT: &str = r#"
[scenario]
name = "goal split"
seed = 1301

[[country]]
code = "AAA"

[[authority]]
id = "X"
country = "AAA"
kind = "ngo"
identification = 1.0
provides = ["protection"]

[[authority]]
id = "Y"
country = "AAA"
kind = "police"
identification = 1.0

[[authority]]
id = "Z"
country = "AAA"
kind = "social"

[[authority]]
id = "W"
country = "AAA"
kind = "shelter"
provides = ["protection"]
close = 1.0

[[channel]]
from = "X"
to = "Z"
quality = 1.0

[[channel]]
from = "Y"
to = "Z"
quality = 1.0

[[channel]]
from = "Z"
to = "W"
quality = 0.5

[[cohort]]
name = "c"
origin = "AAA"
age = "adult"
victims = 200
entry = [{ at = "X", share = 0.3 }, { at = "Y", share = 0.7 }]
goal = ["protection"]
"#;

#[test]
fn leaks_are_split_before_and_after_the_goal_by_hand() {
    let s = scenario(GOAL_SPLIT);
    let n = 40_000;
    let r = Report::new(&s, &simulate(&s, n));
    let zw = channel(&r, "c", "Z->W");
    assert_eq!(zw.leaked_before_goal + zw.leaked_after_goal, zw.losses);
    assert_rate("leaked after goal", zw.leaked_after_goal, n, 0.15);
    assert_rate("leaked before goal", zw.leaked_before_goal, n, 0.35);
    let rate = |k: u64| k as f64 / n as f64;
    assert_eq!(zw.leaked_before_goal_rate, Some(rate(zw.leaked_before_goal)));
    assert_eq!(zw.leaked_after_goal_rate, Some(rate(zw.leaked_after_goal)));
    assert!(close(
        zw.leaked_before_goal_per_year,
        200.0 * rate(zw.leaked_before_goal)
    ));
    assert!(close(zw.leaked_after_goal_per_year, 200.0 * rate(zw.leaked_after_goal)));
    for id in ["X->Z", "Y->Z"] {
        let c = channel(&r, "c", id);
        assert_eq!((c.leaked_before_goal, c.leaked_after_goal), (0, 0), "{id}");
    }
    // The terminal's worst channel counts the leaks before the goal only.
    let (worst, share) = r.summary[0].worst_channel.clone().unwrap();
    assert_eq!(worst, "Z->W");
    assert_eq!(share, rate(zw.leaked_before_goal));
}

// The split against the exact solver, with every kind of leak (losses with retries, dropouts
// during exponential delays, misclassification of incomplete files): victims entering at X are
// protected there, so every leak of theirs is after the goal; those entering at Y are protected
// only at W, so every leak of theirs is before it (a case misclassified at W is refused the
// goal there). Hence, over all channels, leaks after the goal = share(X) × P(lost, dropped or
// misclassified | X) and before = share(Y) × the same for Y, the per-entry probabilities the
// chain gives.
const GOAL_EXACT: &str = r#"
[scenario]
name = "goal split, exact"
seed = 1305

[[country]]
code = "AAA"

[[authority]]
id = "X"
country = "AAA"
kind = "ngo"
identification = 0.8
provides = ["protection"]
dropout_per_day = 0.01

[[authority]]
id = "Y"
country = "AAA"
kind = "police"
identification = 0.9

[[authority]]
id = "Z"
country = "AAA"
kind = "social"
dropout_per_day = 0.02

[[authority]]
id = "W"
country = "AAA"
kind = "shelter"
provides = ["protection"]
assist_incomplete = 0.5
close = 1.0

[[channel]]
from = "X"
to = "Z"
quality = 0.9
fidelity = 0.7
delay = { exponential = 4.0 }

[[channel]]
from = "Y"
to = "Z"
quality = 0.9
fidelity = 0.7

[[channel]]
from = "Z"
to = "W"
quality = 0.6
retries = 1
delay = { exponential = 5.0 }

[[cohort]]
name = "c"
origin = "AAA"
age = "adult"
victims = 50
entry = [{ at = "X", share = 0.4 }, { at = "Y", share = 0.6 }]
goal = ["protection"]
"#;

#[test]
fn leaks_before_and_after_the_goal_match_the_exact_solver() {
    let s = scenario(GOAL_EXACT);
    let n = 60_000;
    let r = Report::new(&s, &simulate(&s, n));
    let exact = solve(&s).unwrap();
    let leaks = |entry: usize| {
        let p = &exact[0].entries[entry];
        p[Measure::Lost.index()] + p[Measure::Dropped.index()] + p[Measure::Misclassified.index()]
    };
    let (after, before) = (0.4 * leaks(0), 0.6 * leaks(1));
    assert!(after > 0.05 && before > 0.1, "both kinds occur: {after} {before}");
    let rows: Vec<&ChannelRow> = r.channels.iter().filter(|c| c.cohort == "c").collect();
    let sum = |f: fn(&ChannelRow) -> u64| rows.iter().map(|c| f(c)).sum::<u64>();
    assert_rate("leaked after goal", sum(|c| c.leaked_after_goal), n, after);
    assert_rate("leaked before goal", sum(|c| c.leaked_before_goal), n, before);
    assert_eq!(channel(&r, "c", "X->Z").leaked_before_goal, 0);
    assert_eq!(channel(&r, "c", "Y->Z").leaked_after_goal, 0);
    let zw = channel(&r, "c", "Z->W");
    assert!(zw.leaked_before_goal > 0 && zw.leaked_after_goal > 0, "{zw:?}");
    assert!(zw.dropouts > 0 && zw.losses > 0, "{zw:?}");
    // A misclassification is the leak of the channel that degraded the file: before the goal.
    let yz = channel(&r, "c", "Y->Z");
    assert!(
        yz.misclassified > 0 && yz.leaked_before_goal >= yz.misclassified,
        "{yz:?}"
    );
    assert_eq!(
        channel(&r, "c", "X->Z").misclassified,
        0,
        "X's victims are already protected at W"
    );
}

// Victims entering at X (share 0.6) are protected there and then lose half their cases on
// X -> W: 0.3 per trial, all after the goal. Those entering at Y (share 0.4) lose half on
// Y -> W before any service: 0.2 per trial. X -> W leaks most, but Y -> W is the worst channel
// before the goal, which is what the terminal names.
const AFTER_GOAL_LEAKS_MOST: &str = r#"
[scenario]
name = "after goal leaks most"
seed = 1302

[[country]]
code = "AAA"

[[authority]]
id = "X"
country = "AAA"
kind = "ngo"
identification = 1.0
provides = ["protection"]

[[authority]]
id = "Y"
country = "AAA"
kind = "police"
identification = 1.0

[[authority]]
id = "W"
country = "AAA"
kind = "shelter"
provides = ["protection"]
close = 1.0

[[channel]]
from = "X"
to = "W"
quality = 0.5

[[channel]]
from = "Y"
to = "W"
quality = 0.5

[[cohort]]
name = "c"
origin = "AAA"
age = "adult"
victims = 100
entry = [{ at = "X", share = 0.6 }, { at = "Y", share = 0.4 }]
"#;

#[test]
fn the_worst_channel_ignores_leaks_after_the_goal() {
    let s = scenario(AFTER_GOAL_LEAKS_MOST);
    let n = 20_000;
    let r = Report::new(&s, &simulate(&s, n));
    let (xw, yw) = (channel(&r, "c", "X->W"), channel(&r, "c", "Y->W"));
    assert_rate("X->W after goal", xw.leaked_after_goal, n, 0.3);
    assert_eq!(xw.leaked_before_goal, 0);
    assert_rate("Y->W before goal", yw.leaked_before_goal, n, 0.2);
    assert_eq!(yw.leaked_after_goal, 0);
    assert!(xw.losses > yw.losses, "X->W leaks most in all");
    assert_eq!(r.summary[0].worst_channel.as_ref().unwrap().0, "Y->W");
}

// Cohort "hole" enters at P (close 1, P -> Q weight 1, a fixed 5-day delay, dropout 0.1 per day
// at P); Q has no option at all, a structural hole:
//   closed at P = 0.5, dropped at P = 0.5 (1 − e^−0.5), stalled (hole) at Q = 0.5 e^−0.5.
// Cohort "loop" enters at L0, in a loop L0 <-> L1 with no close and max_hops = 4: every case
// makes the hops L0 -> L1 -> L0 -> L1 -> L0 and stalls on arrival at L0, by max_hops.
const STALLS: &str = r#"
[scenario]
name = "stalls"
seed = 1303
max_hops = 4

[[country]]
code = "AAA"

[[authority]]
id = "P"
country = "AAA"
kind = "police"
identification = 1.0
close = 1.0
dropout_per_day = 0.1

[[authority]]
id = "Q"
country = "AAA"
kind = "prosecutor"

[[authority]]
id = "L0"
country = "AAA"
kind = "police"
identification = 1.0

[[authority]]
id = "L1"
country = "AAA"
kind = "social"

[[channel]]
from = "P"
to = "Q"
quality = 1.0
delay = { fixed = 5.0 }

[[channel]]
from = "L0"
to = "L1"
quality = 1.0

[[channel]]
from = "L1"
to = "L0"
quality = 1.0

[[cohort]]
name = "hole"
origin = "AAA"
age = "adult"
victims = 10
entry = [{ at = "P", share = 1.0 }]

[[cohort]]
name = "loop"
origin = "AAA"
age = "adult"
victims = 30
entry = [{ at = "L0", share = 1.0 }]
"#;

#[test]
fn stalls_of_each_kind_and_dropouts_by_hand() {
    let s = scenario(STALLS);
    let n = 20_000;
    let r = Report::new(&s, &simulate(&s, n));
    let survive = (-0.5f64).exp();
    let p = authority(&r, "hole", "P");
    assert_eq!((p.entered, p.arrivals), (n, 0));
    assert_rate("closed at P", p.closed, n, 0.5);
    assert_rate("dropped at P", p.dropped, n, 0.5 * (1.0 - survive));
    assert_eq!((p.stalled_hole, p.stalled_max_hops), (0, 0));
    let q = authority(&r, "hole", "Q");
    assert_eq!(q.arrivals, p.referred);
    assert_rate("stalled in the hole at Q", q.stalled_hole, n, 0.5 * survive);
    assert_eq!(q.stalled_hole, q.arrivals, "every case that reaches Q stalls there");
    assert_eq!(q.stalled_max_hops, 0);
    // The dropouts are the channel's too (the referral on P -> Q was pending).
    assert_eq!(channel(&r, "hole", "P->Q").dropouts, p.dropped);

    let (l0, l1) = (authority(&r, "loop", "L0"), authority(&r, "loop", "L1"));
    assert_eq!((l0.entered, l0.arrivals, l0.referred), (n, 2 * n, 2 * n));
    assert_eq!((l1.entered, l1.arrivals, l1.referred), (0, 2 * n, 2 * n));
    assert_eq!((l0.stalled_max_hops, l0.stalled_hole), (n, 0));
    assert_eq!(l0.stalled_max_hops_rate, Some(1.0));
    assert_eq!((l1.stalled_max_hops, l1.stalled_hole), (0, 0));
    // Cohorts visit disjoint authorities: no row of one cohort at the other's.
    assert!(!r.authorities.iter().any(|a| a.cohort == "loop" && a.authority == "P"));

    // `*` rows weight the cohorts by victims (10 and 30).
    let star = authority(&r, ALL_COHORTS, "L0");
    assert_eq!(star.stalled_max_hops, n);
    assert!(close(star.stalled_max_hops_rate.unwrap(), 0.75));
    assert!(close(star.stalled_max_hops_per_year, 30.0));
    let star_q = authority(&r, ALL_COHORTS, "Q");
    assert!(close(
        star_q.stalled_hole_rate.unwrap(),
        0.25 * q.stalled_hole_rate.unwrap()
    ));
}

/// Every `*` row is the victims-weighted combination of the cohorts' rows (absent cohort rows
/// are zeros): counts and per-year figures add up, rates are victims-weighted means; and every
/// authority row balances (each visit ends in exactly one way), with the outcomes of `rates.csv`.
#[test]
fn cohort_rows_combine_into_the_star_rows() {
    check_combines(&bundled_baseline("talibe.toml"), 3_000);
    check_combines(&ecowas().baseline, 2_000);
}

fn check_combines(s: &Scenario, n: u64) {
    let r = Report::new(s, &simulate(s, n));
    let victims: HashMap<&str, f64> = s.cohorts().iter().map(|c| (c.name.as_str(), c.victims)).collect();
    let total: f64 = victims.values().sum();
    let weight = |cohort: &str| victims[cohort] / total;

    for star in r.channels.iter().filter(|c| c.cohort == ALL_COHORTS) {
        let rows: Vec<&ChannelRow> = r
            .channels
            .iter()
            .filter(|c| c.cohort != ALL_COHORTS && c.channel == star.channel)
            .collect();
        let sum = |f: fn(&ChannelRow) -> u64| rows.iter().map(|c| f(c)).sum::<u64>();
        let sum_f = |f: fn(&ChannelRow) -> f64| rows.iter().map(|c| f(c)).sum::<f64>();
        let mean =
            |f: fn(&ChannelRow) -> Option<f64>| rows.iter().map(|c| weight(&c.cohort) * f(c).unwrap()).sum::<f64>();
        let what = &star.channel;
        assert_eq!(star.attempts, sum(|c| c.attempts), "{what}");
        assert_eq!(star.losses, sum(|c| c.losses), "{what}");
        assert_eq!(star.leaked_before_goal, sum(|c| c.leaked_before_goal), "{what}");
        assert_eq!(star.leaked_after_goal, sum(|c| c.leaked_after_goal), "{what}");
        assert!(close(star.lost_per_year, sum_f(|c| c.lost_per_year)), "{what}");
        assert!(close(star.leaked_per_year, sum_f(|c| c.leaked_per_year)), "{what}");
        assert!(close(
            star.leaked_before_goal_per_year,
            sum_f(|c| c.leaked_before_goal_per_year)
        ));
        assert!(close(
            star.leaked_after_goal_per_year,
            sum_f(|c| c.leaked_after_goal_per_year)
        ));
        assert!(close(
            star.leaked_before_goal_rate.unwrap(),
            mean(|c| c.leaked_before_goal_rate)
        ));
        assert!(close(
            star.leaked_after_goal_rate.unwrap(),
            mean(|c| c.leaked_after_goal_rate)
        ));
        for c in &rows {
            assert_eq!(
                c.leaked_before_goal + c.leaked_after_goal,
                c.losses + c.dropouts + c.misclassified
            );
            assert!(close(
                c.leaked_per_year,
                c.leaked_before_goal_per_year + c.leaked_after_goal_per_year
            ));
        }
    }
    // With victims, the `*` loss shares are shares of lost victims per year.
    let lost: f64 = r
        .channels
        .iter()
        .filter(|c| c.cohort == ALL_COHORTS)
        .map(|c| c.lost_per_year)
        .sum();
    for star in r.channels.iter().filter(|c| c.cohort == ALL_COHORTS && c.losses > 0) {
        assert!(
            close(star.loss_share.unwrap(), star.lost_per_year / lost),
            "{}",
            star.channel
        );
    }

    for star in r.authorities.iter().filter(|a| a.cohort == ALL_COHORTS) {
        let rows: Vec<&AuthorityRow> = r
            .authorities
            .iter()
            .filter(|a| a.cohort != ALL_COHORTS && a.authority == star.authority)
            .collect();
        let sum = |f: fn(&AuthorityRow) -> u64| rows.iter().map(|a| f(a)).sum::<u64>();
        let sum_f = |f: fn(&AuthorityRow) -> f64| rows.iter().map(|a| f(a)).sum::<f64>();
        let mean =
            |f: fn(&AuthorityRow) -> Option<f64>| rows.iter().map(|a| weight(&a.cohort) * f(a).unwrap()).sum::<f64>();
        let what = &star.authority;
        assert_eq!(star.trials, s.cohorts().len() as u64 * n);
        for f in [
            (|a: &AuthorityRow| a.entered) as fn(&AuthorityRow) -> u64,
            |a| a.arrivals,
            |a| a.referred,
            |a| a.closed,
            |a| a.stalled_hole,
            |a| a.stalled_max_hops,
            |a| a.dropped,
            |a| a.lost,
            |a| a.misclassified,
        ] {
            assert_eq!(f(star), sum(f), "{what}");
        }
        assert!(
            close(star.stalled_hole_per_year, sum_f(|a| a.stalled_hole_per_year)),
            "{what}"
        );
        assert!(close(star.dropped_per_year, sum_f(|a| a.dropped_per_year)), "{what}");
        assert!(close(star.closed_per_year, sum_f(|a| a.closed_per_year)), "{what}");
        assert!(
            close(star.stalled_hole_rate.unwrap(), mean(|a| a.stalled_hole_rate)),
            "{what}"
        );
        assert!(close(star.dropped_rate.unwrap(), mean(|a| a.dropped_rate)), "{what}");
    }
    for a in &r.authorities {
        let ends = a.referred + a.closed + a.stalled_hole + a.stalled_max_hops + a.dropped + a.lost + a.misclassified;
        assert_eq!(a.entered + a.arrivals, ends, "every visit ends one way: {a:?}");
    }
    // The authorities' outcomes are the cohort's outcomes of rates.csv.
    for cohort in s.cohorts() {
        let count = |m: &str| {
            r.rates
                .iter()
                .find(|x| x.cohort == cohort.name && x.group == "all" && x.measure == m)
                .map(|x| x.count)
                .unwrap()
        };
        let rows: Vec<&AuthorityRow> = r.authorities.iter().filter(|a| a.cohort == cohort.name).collect();
        let sum = |f: fn(&AuthorityRow) -> u64| rows.iter().map(|a| f(a)).sum::<u64>();
        assert_eq!(sum(|a| a.closed), count("closed"));
        assert_eq!(sum(|a| a.stalled_hole + a.stalled_max_hops), count("stalled"));
        assert_eq!(sum(|a| a.dropped), count("dropped"));
        assert_eq!(sum(|a| a.lost), count("lost"));
        assert_eq!(sum(|a| a.misclassified), count("misclassified"));
        assert_eq!(sum(|a| a.entered), count("identified"));
    }
}

// Cohort "sure" loses every case on A0 -> A1 (quality 0); cohort "half" loses half on B0 -> B1.
// With --precision, "sure" (a certain gap) stops after one stage and "half" after two, so the
// cohorts have different trial counts; the `*` rows must not care: A0 -> A1 leaks a share
// 100 / (100 + 300) = 0.25 of all victims before their goal, whatever the trials.
const UNEQUAL_TRIALS: &str = r#"
[scenario]
name = "unequal trials"
seed = 1304

[[country]]
code = "AAA"

[[authority]]
id = "A0"
country = "AAA"
kind = "police"
identification = 1.0

[[authority]]
id = "A1"
country = "AAA"
kind = "shelter"
provides = ["protection"]
close = 1.0

[[authority]]
id = "B0"
country = "AAA"
kind = "police"
identification = 1.0

[[authority]]
id = "B1"
country = "AAA"
kind = "shelter"
provides = ["protection"]
close = 1.0

[[channel]]
from = "A0"
to = "A1"
quality = 0.0

[[channel]]
from = "B0"
to = "B1"
quality = 0.5

[[cohort]]
name = "sure"
origin = "AAA"
age = "adult"
victims = 100
entry = [{ at = "A0", share = 1.0 }]

[[cohort]]
name = "half"
origin = "AAA"
age = "adult"
victims = 300
entry = [{ at = "B0", share = 1.0 }]
"#;

#[test]
fn star_rows_are_weighted_by_victims_not_by_trials() {
    let s = scenario(UNEQUAL_TRIALS);
    let config = RunConfig {
        precision: Some(0.003),
        ..RunConfig::new(s.seed(), 1 << 20)
    };
    let result = engine::run(&s, &config, &|_| {});
    let trials: Vec<u64> = result.stops.iter().map(|st| st.trials).collect();
    assert_eq!(trials, [65_536, 131_072], "the cohorts stop at different stages");
    let r = Report::new(&s, &result);
    let a = channel(&r, ALL_COHORTS, "A0->A1");
    assert_eq!(a.losses, 65_536);
    assert_eq!(a.leaked_before_goal_rate, Some(0.25));
    assert_eq!(a.lost_per_year, 100.0);
    let half = channel(&r, "half", "B0->B1").leaked_before_goal_rate.unwrap();
    assert_rate("B0->B1 lost", channel(&r, "half", "B0->B1").losses, 131_072, 0.5);
    let b = channel(&r, ALL_COHORTS, "B0->B1");
    assert!(close(b.leaked_before_goal_rate.unwrap(), 0.75 * half));
    // Loss shares: victims lost per year, not simulated losses (which would give A0 -> A1 the
    // share 65,536 / (65,536 + 131,072 × half)).
    assert!(close(a.loss_share.unwrap(), 100.0 / (100.0 + 300.0 * half)));
    assert!(close(a.loss_share.unwrap() + b.loss_share.unwrap(), 1.0));
    // The same cohorts run to the same trial count give the same `*` rate for A0 -> A1.
    let equal = Report::new(&s, &simulate(&s, 65_536));
    assert_eq!(
        channel(&equal, ALL_COHORTS, "A0->A1").leaked_before_goal_rate,
        Some(0.25)
    );
}

/// One CSV row: column name -> cell.
type Row = HashMap<String, String>;

fn read_csv(path: &Path) -> Vec<Row> {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .map(str::to_owned)
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

fn num(row: &Row, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|e| panic!("{column} = {:?}: {e}", row[column]))
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// Every figure of the terminal summary of `refgap run` is rebuilt from the results folder:
/// victims from the manifest, rates and the completed interval from `rates.csv`, the gap from
/// `gap.csv`, and the worst channel from the cohort's `channels.csv` rows (most
/// `leaked_before_goal`, first in file order on a tie, with its `leaked_before_goal_rate`).
#[test]
fn the_terminal_summary_is_rebuilt_from_the_csv_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = refgap([
        "run",
        "scenarios/talibe.toml",
        "--no-variants",
        "--trials",
        "4000",
        "--out",
    ])
    .arg(tmp.path())
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let dir = tmp.path().join("talibe");
    let rates = read_csv(&dir.join("rates.csv"));
    let gap = read_csv(&dir.join("gap.csv"));
    let channels = read_csv(&dir.join("channels.csv"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let cohorts = manifest["cohorts"].as_array().unwrap();
    assert_eq!(cohorts.len(), 3);
    let mut named_a_channel = 0;
    for c in cohorts {
        let name = c["name"].as_str().unwrap();
        let rate = |m: &str, col: &str| {
            let row = rates
                .iter()
                .find(|r| r["cohort"] == name && r["group"] == "all" && r["measure"] == m)
                .unwrap();
            num(row, col)
        };
        let g = gap.iter().find(|r| r["cohort"] == name).unwrap();
        let mut worst: Option<&Row> = None;
        for row in channels.iter().filter(|r| r["cohort"] == name) {
            let k = num(row, "leaked_before_goal");
            if k > 0.0 && worst.is_none_or(|w| k > num(w, "leaked_before_goal")) {
                worst = Some(row);
            }
        }
        let worst = worst.map_or_else(
            || "none".to_owned(),
            |w| format!("{} ({})", w["channel"], pct(num(w, "leaked_before_goal_rate"))),
        );
        named_a_channel += usize::from(worst != "none");
        let figures = [
            format!("{:.0}", c["victims"].as_f64().unwrap()),
            pct(rate("identified", "rate")),
            pct(rate("protected", "rate")),
            format!(
                "{} ({}–{})",
                pct(rate("completed", "rate")),
                pct(rate("completed", "ci_low")),
                pct(rate("completed", "ci_high"))
            ),
            format!(
                "{:+.1} pts ({:+.1}–{:+.1})",
                100.0 * num(g, "gap"),
                100.0 * num(g, "ci_low"),
                100.0 * num(g, "ci_high")
            ),
            worst,
        ];
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no summary line for {name} in\n{stdout}"));
        let mut rest = &line[line.find(name).unwrap() + name.len()..];
        for f in &figures {
            let at = rest
                .find(f.as_str())
                .unwrap_or_else(|| panic!("{name}: {f:?} not next in {line:?}"));
            rest = &rest[at + f.len()..];
        }
        assert_eq!(rest.trim(), "", "{name}: the line has figures not rebuilt: {line:?}");
    }
    assert!(named_a_channel > 0, "the run names some worst channel");
}
