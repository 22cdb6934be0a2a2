//! Every number of the terminal summary can be rebuilt from the results folder (issue 16): the
//! run saves the summary as `summary.txt`, and this test rebuilds each of its figures from the
//! CSV tables and the manifest alone, with the summary's own formatting.

use refgap::report::number::shown;
use std::fs;
use std::path::Path;

use crate::util::refgap;

/// A CSV table as maps from column name to cell.
fn table(dir: &Path, file: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(dir.join(file)).unwrap();
    let headers: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    r.records()
        .map(|rec| {
            headers
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

fn num(row: &std::collections::HashMap<String, String>, col: &str) -> f64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col} = {:?} is not a number", row[col]))
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

#[test]
fn every_number_of_the_terminal_summary_is_rebuilt_from_the_csvs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = refgap(["run", "scenarios/talibe.toml", "--trials", "3000", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let dir = tmp.path().join("talibe");
    let summary = fs::read_to_string(dir.join("summary.txt")).unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        summary,
        "summary.txt is what was printed"
    );
    let lines: Vec<&str> = summary.lines().collect();
    let manifest: serde_json::Value = serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let cohorts = manifest["cohorts"].as_array().unwrap();

    // Title: from the manifest.
    assert_eq!(
        lines[0],
        format!(
            "{}: {} cohort(s) × {} trials, seed {}, {} variant(s) besides the baseline",
            manifest["scenario"]["name"].as_str().unwrap(),
            cohorts.len(),
            manifest["trials"],
            manifest["seed"],
            manifest["variants"].as_array().unwrap().len() - 1
        )
    );

    // One line per cohort: victims (manifest), identified, protected and completed (rates.csv),
    // the gap (gap.csv); the worst channel needs per-cohort rows of channels.csv.
    let rates = table(&dir, "rates.csv");
    let gaps = table(&dir, "gap.csv");
    let rate = |cohort: &str, m: &str| {
        rates
            .iter()
            .find(|r| r["variant"] == "baseline" && r["cohort"] == cohort && r["group"] == "all" && r["measure"] == m)
            .unwrap()
    };
    for (i, c) in cohorts.iter().enumerate() {
        let name = c["name"].as_str().unwrap();
        let line = lines[2 + i];
        let done = rate(name, "completed");
        let g = gaps
            .iter()
            .find(|r| r["variant"] == "baseline" && r["cohort"] == name)
            .unwrap();
        let expected = format!(
            "{:>8}  {:>10}  {:>9}  {:>22}  {:>24}",
            format!("{:.0}", c["victims"].as_f64().unwrap()),
            pct(num(rate(name, "identified"), "rate")),
            pct(num(rate(name, "protected"), "rate")),
            format!(
                "{} ({}–{})",
                pct(num(done, "rate")),
                pct(num(done, "ci_low")),
                pct(num(done, "ci_high"))
            ),
            format!(
                "{:+.1} pts ({:+.1}–{:+.1})",
                shown(100.0 * num(g, "gap"), 1),
                shown(100.0 * num(g, "ci_low"), 1),
                shown(100.0 * num(g, "ci_high"), 1)
            ),
        );
        assert!(
            line.contains(&expected),
            "cohort {name}:\n  {line}\nlacks\n  {expected}"
        );
        let channels = table(&dir, "channels.csv");
        if channels.first().is_some_and(|r| r.contains_key("cohort")) {
            let trials = num(done, "trials");
            // Leaks before the goal, on channels that are not the victims' own movements.
            let leaked = |r: &std::collections::HashMap<String, String>| num(r, "leaked_before_goal");
            // The first channel (in table order) among those that leak most, as the summary picks.
            let worst = channels
                .iter()
                .filter(|r| {
                    r["variant"] == "baseline" && r["cohort"] == name && r["movement"] == "false" && leaked(r) > 0.0
                })
                .fold(None, |best: Option<&std::collections::HashMap<String, String>>, r| {
                    if best.is_none_or(|b| leaked(r) > leaked(b)) {
                        Some(r)
                    } else {
                        best
                    }
                });
            let text = worst.map_or("none".to_owned(), |w| {
                format!("{} ({})", w["channel"], pct(leaked(w) / trials))
            });
            assert!(line.ends_with(&text), "cohort {name}: worst channel {text}");
        }
    }

    // The ranking: comparisons.csv `*` rows, and the share of the total gap (gap.csv `*` row).
    let comparisons = table(&dir, "comparisons.csv");
    let star = |variant: &str, m: &str| {
        comparisons
            .iter()
            .find(|r| r["variant"] == variant && r["cohort"] == "*" && r["measure"] == m)
            .unwrap()
    };
    let total_gap = num(
        gaps.iter()
            .find(|r| r["variant"] == "baseline" && r["cohort"] == "*")
            .unwrap(),
        "gap_victims_per_year",
    );
    let mut variants: Vec<&str> = manifest["variants"].as_array().unwrap()[1..]
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    variants.sort_by(|a, b| {
        num(star(b, "completed"), "victims_per_year").total_cmp(&num(star(a, "completed"), "victims_per_year"))
    });
    let start = lines.iter().position(|l| l.starts_with("variants ranked")).unwrap() + 2;
    assert!(!variants.is_empty());
    // "≈ next": the `*` completed row of pairwise.csv for this variant and the next-ranked one
    // has an interval containing 0.
    let pairwise = table(&dir, "pairwise.csv");
    let tied = |x: &str, y: &str| {
        pairwise
            .iter()
            .find(|r| {
                r["cohort"] == "*"
                    && r["measure"] == "completed"
                    && ((r["variant_a"] == x && r["variant_b"] == y) || (r["variant_a"] == y && r["variant_b"] == x))
            })
            .is_some_and(|r| num(r, "ci_low") <= 0.0 && 0.0 <= num(r, "ci_high"))
    };
    for (i, v) in variants.iter().enumerate() {
        let f = |r: &std::collections::HashMap<String, String>| {
            format!(
                "{:+.1} ({:+.1} to {:+.1})",
                shown(num(r, "victims_per_year"), 1),
                shown(num(r, "victims_per_year_low"), 1),
                shown(num(r, "victims_per_year_high"), 1)
            )
        };
        let c = star(v, "completed");
        let closed = if total_gap > 0.0 {
            pct(num(c, "victims_per_year") / total_gap)
        } else {
            "-".to_owned()
        };
        let mark = if variants.get(i + 1).is_some_and(|next| tied(v, next)) {
            "  ≈ next"
        } else {
            ""
        };
        let expected = format!("{:>30}  {:>30}  {:>10}{mark}", f(c), f(star(v, "protected")), closed);
        let line = lines[start + i];
        assert!(line.starts_with(&format!("  {:>4}  ", i + 1)), "{line}");
        assert!(line.ends_with(&expected), "variant {v}:\n  {line}\nlacks\n  {expected}");
    }
}
