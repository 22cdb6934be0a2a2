//! Practice against practice (`pairwise.csv`, issue 13 item 6): every pair of variants compared
//! on the same trials, against hand values and the exact solver; symmetry, coverage over seeds,
//! the 20-variant cap and its second pass, independent streams, and the "≈ next" marks.

use refgap::engine::pairs::{PAIR_CAP, paired_variants};
use refgap::engine::{self, RunConfig, RunResult};
use refgap::exact::solve;
use refgap::model::Measure;
use refgap::report::Report;
use refgap::report::csv::PairwiseRow;
use refgap::scenario::Scenario;
use refgap::stats::interval::{Z95, Z999};

use crate::util::{scenario, simulate, simulate_on};

/// One entry point identifying 60 % of victims, one channel to the shelter; a sweep sets its
/// quality. By hand, completed = 0.6 × quality, so the difference between the points of
/// qualities `q_a` and `q_b` is `0.6 (q_b − q_a)`.
fn sweep(values: &str, seed: u64) -> Scenario {
    with_tail(
        &format!(
            r#"
[[sweep]]
name = "q"
select = {{ from = "A" }}
parameter = "quality"
{values}
"#
        ),
        seed,
    )
}

/// The scenario of [`sweep`] with `tail` (variant tables) instead of the sweep.
fn with_tail(tail: &str, seed: u64) -> Scenario {
    scenario(&format!(
        r#"
[scenario]
name = "pairs"
seed = {seed}

[[country]]
code = "AAA"

[[authority]]
id = "A"
country = "AAA"
kind = "police"
identification = 0.6

[[authority]]
id = "B"
country = "AAA"
kind = "shelter"
provides = ["protection"]

[[channel]]
from = "A"
to = "B"
quality = 0.5

[[cohort]]
name = "adults"
origin = "AAA"
age = "adult"
victims = 100
entry = [{{ at = "A", share = 1.0 }}]
goal = ["protection"]
{tail}
"#
    ))
}

fn completed(r: &RunResult, v: usize) -> u64 {
    r.variants[v][0]
        .entries
        .iter()
        .map(|e| e.count(Measure::Completed))
        .sum()
}

/// Hand and exact: every pair's simulated difference holds the exact one (which equals the hand
/// value) in its 99.9 % paired interval; the table's margins are the two variants' own counts;
/// the CSV row is the 95 % interval of the same table; with common random numbers a higher
/// quality never loses a case a lower one completed (one-sided discordance).
#[test]
fn pairs_hold_the_exact_difference() {
    let s = sweep("values = [0.3, 0.7, 0.9]", 31);
    let result = simulate(&s, 40_000);
    let report = Report::new(&s, &result);
    let q = [0.3, 0.7, 0.9];
    let exact: Vec<f64> = s
        .variants()
        .iter()
        .map(|v| solve(&v.scenario).unwrap()[0].entries[0][Measure::Completed.index()])
        .collect();
    for a in 0..3 {
        for b in a + 1..3 {
            let hand = 0.6 * (q[b] - q[a]);
            assert!((exact[b] - exact[a] - hand).abs() < 1e-12);
            let t = result.versus_variant(a, b, 0, Measure::Completed).unwrap();
            let n = result.stops[0].trials;
            assert_eq!(t.n(), n);
            assert_eq!(t.both + t.a_only, completed(&result, a));
            assert_eq!(t.both + t.b_only, completed(&result, b));
            assert_eq!(
                t.a_only, 0,
                "common random numbers: quality {} beats {} on every trial",
                q[b], q[a]
            );
            let (d, lo, hi) = t.difference(Z999);
            assert!(lo <= hand && hand <= hi, "{a} vs {b}: {d} [{lo}, {hi}] vs {hand}");
            let rows: Vec<&PairwiseRow> = report
                .pairwise
                .iter()
                .filter(|r| {
                    r.variant_a == s.variants()[a].name
                        && r.variant_b == s.variants()[b].name
                        && r.measure == "completed"
                })
                .collect();
            assert_eq!(rows.len(), 2, "the cohort and `*` (one cohort: the same figures)");
            let want = t.difference(Z95);
            for r in rows {
                assert_eq!((r.difference, r.ci_low, r.ci_high), want);
                assert_eq!(r.method, "paired");
            }
        }
    }
    // Pairs appear once, earlier variant first.
    let pairs: std::collections::BTreeSet<(&str, &str)> = report
        .pairwise
        .iter()
        .map(|r| (r.variant_a.as_str(), r.variant_b.as_str()))
        .collect();
    assert_eq!(pairs.len(), 3);
}

/// diff(a, b) = −diff(b, a): the table of (b, a) is the transpose of (a, b), and its interval
/// the mirror image, on the tallies of a real run with several cohorts (talibé's variants).
#[test]
fn pairs_are_antisymmetric() {
    let s = Scenario::load(&crate::util::bundled("talibe.toml")).unwrap();
    let result = simulate(&s, 4_000);
    let n = s.variants().len();
    for c in 0..s.cohorts().len() {
        for a in 0..n {
            for b in 0..n {
                if a == b {
                    continue;
                }
                for m in [Measure::Completed, Measure::Protected, Measure::Lost] {
                    let ab = result.versus_variant(a, b, c, m).unwrap();
                    let ba = result.versus_variant(b, a, c, m).unwrap();
                    assert_eq!((ab.a_only, ab.b_only, ab.both), (ba.b_only, ba.a_only, ba.both));
                    let (d, lo, hi) = ab.difference(Z95);
                    let (d2, lo2, hi2) = ba.difference(Z95);
                    assert!((d + d2).abs() < 1e-15 && (lo + hi2).abs() < 1e-12 && (hi + lo2).abs() < 1e-12);
                }
            }
        }
    }
}

/// Coverage over seeds: across 200 seeds of 2,000 trials, the 95 % paired interval of the
/// difference between qualities 0.5 and 0.6 (hand: 0.06) holds it at least as often as a
/// binomial(200, 0.95) count 4.5 standard deviations below its mean (176 of 200).
#[test]
fn paired_intervals_cover_over_seeds() {
    let (runs, hand) = (200u64, 0.6 * 0.1);
    let mut covered = 0;
    for seed in 0..runs {
        let s = sweep("values = [0.5, 0.6]", 1000 + seed);
        let result = simulate(&s, 2_000);
        let (_, lo, hi) = result
            .versus_variant(0, 1, 0, Measure::Completed)
            .unwrap()
            .difference(Z95);
        covered += u64::from(lo <= hand && hand <= hi);
    }
    let sd = (runs as f64 * 0.95 * 0.05).sqrt();
    assert!(covered as f64 >= runs as f64 * 0.95 - 4.5 * sd, "{covered} of {runs}");
}

/// 22 variants: 20 are paired, the 20 with the largest completed gains; with common random
/// numbers the counts are monotone in quality, so the two dropped are the two lowest qualities.
/// Their pairs come from the second pass on the same trials: the margins are the run's own
/// counts and the exact difference lies in the 99.9 % interval.
#[test]
fn at_most_twenty_variants_are_paired() {
    let s = sweep("range = { from = 0.0, to = 1.0, points = 22 }", 77);
    assert_eq!(s.variants().len(), 22);
    let result = simulate(&s, 5_000);
    let chosen = paired_variants(&s, &result);
    assert_eq!(chosen.len(), PAIR_CAP);
    assert_eq!(chosen, (2..22).collect::<Vec<_>>());
    let report = Report::new(&s, &result);
    let names: std::collections::BTreeSet<&str> = report
        .pairwise
        .iter()
        .flat_map(|r| [r.variant_a.as_str(), r.variant_b.as_str()])
        .collect();
    assert_eq!(names.len(), PAIR_CAP);
    assert_eq!(report.pairwise.len(), PAIR_CAP * (PAIR_CAP - 1) / 2 * 11 * 2);
    for v in [0, 1] {
        assert!(!names.contains(s.variants()[v].name.as_str()));
        assert!(result.versus_variant(v, 5, 0, Measure::Completed).is_none());
    }
    let exact: Vec<f64> = s
        .variants()
        .iter()
        .map(|v| solve(&v.scenario).unwrap()[0].entries[0][Measure::Completed.index()])
        .collect();
    for (a, b) in [(2, 3), (2, 21), (10, 11), (20, 21)] {
        let t = result.versus_variant(a, b, 0, Measure::Completed).unwrap();
        assert_eq!(t.both + t.a_only, completed(&result, a));
        assert_eq!(t.both + t.b_only, completed(&result, b));
        assert_eq!(t.a_only, 0);
        let (_, lo, hi) = t.difference(Z999);
        let want = exact[b] - exact[a];
        assert!(lo <= want && want <= hi, "{a} vs {b}: [{lo}, {hi}] vs {want}");
    }
    // The second pass depends on no thread count either.
    let other = Report::new(&s, &simulate_on(&s, 5_000, 3));
    assert_eq!(other.pairwise, report.pairwise);
}

/// Under `--independent` pairs are unpaired: built from the two margins, Newcombe's unpaired
/// interval, `method = independent`.
#[test]
fn independent_streams_give_unpaired_pairs() {
    let s = sweep("values = [0.3, 0.7, 0.9]", 31);
    let config = RunConfig {
        independent: true,
        ..RunConfig::new(s.seed(), 20_000)
    };
    let result = engine::run(&s, &config, &|_| {});
    assert!(result.variants.iter().all(|t| t[0].versus_variants.is_empty()));
    let report = Report::new(&s, &result);
    let r = report
        .pairwise
        .iter()
        .find(|r| {
            r.variant_b == s.variants()[2].name && r.variant_a == s.variants()[0].name && r.measure == "completed"
        })
        .unwrap();
    assert_eq!(r.method, "independent");
    let t = result.versus_variant(0, 2, 0, Measure::Completed).unwrap();
    assert_eq!((r.difference, r.ci_low, r.ci_high), t.difference_unpaired(Z95));
    let n = 20_000.0;
    let want = (completed(&result, 2) as f64 - completed(&result, 0) as f64) / n;
    assert!((r.difference - want).abs() < 1e-12);
    let (_, lo, hi) = t.difference_unpaired(Z999);
    assert!(lo <= 0.36 && 0.36 <= hi);
}

/// The ranking marks a line "≈ next" exactly when the `*` completed row of its pair with the next
/// line's variant has an interval containing 0, and the terminal shows the mark with its legend.
/// Two practices with the same completed rate by hand (0.7 × 0.6 = 0.6 × 0.7 = 0.42) through
/// different trials, and one far below (0.6 × 0.3 = 0.18).
#[test]
fn ranking_marks_neighbours_whose_difference_contains_zero() {
    let s = with_tail(
        r#"
[[intervention]]
name = "better channel"
[[intervention.change]]
select = { from = "A" }
set = { quality = 0.7 }

[[intervention]]
name = "better identification, channel 0.6"
[[intervention.change]]
select = { id = "A" }
set = { identification = 0.7 }
[[intervention.change]]
select = { from = "A" }
set = { quality = 0.6 }

[[intervention]]
name = "worse channel"
[[intervention.change]]
select = { from = "A" }
set = { quality = 0.3 }
"#,
        5,
    );
    let result = simulate(&s, 20_000);
    let report = Report::new(&s, &result);
    let marks: Vec<Option<bool>> = report.ranking.iter().map(|l| l.tied_with_next).collect();
    assert_eq!(report.ranking[2].variant, "worse channel");
    assert_eq!(marks[1..], [Some(false), None], "{:?}", report.ranking);
    for w in report.ranking.windows(2) {
        let row = report
            .pairwise
            .iter()
            .find(|r| {
                r.cohort == "*"
                    && r.measure == "completed"
                    && [&r.variant_a, &r.variant_b].contains(&&w[0].variant)
                    && [&r.variant_a, &r.variant_b].contains(&&w[1].variant)
            })
            .unwrap();
        assert_eq!(w[0].tied_with_next, Some(row.ci_low <= 0.0 && 0.0 <= row.ci_high));
    }
    let text = refgap::report::summary::render_ranking(&report.ranking, true);
    let want = if marks[0] == Some(true) { 2 } else { 0 };
    assert_eq!(
        text.matches("≈ next").count(),
        want,
        "a mark and the legend, or neither:\n{text}"
    );
    // The hand values: the two practices differ by 0 exactly, so this seed should show the tie
    // (a 95 % interval misses 0 in 5 % of seeds; the checks above hold either way).
    let exact = |v: usize| solve(&s.variants()[v].scenario).unwrap()[0].entries[0][Measure::Completed.index()];
    assert!((exact(0) - exact(1)).abs() < 1e-12);
    let (_, lo, hi) = result
        .versus_variant(0, 1, 0, Measure::Completed)
        .unwrap()
        .difference(Z999);
    assert!(lo <= 0.0 && 0.0 <= hi);
}
