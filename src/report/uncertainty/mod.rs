//! The tables of `refgap uncertainty`: the sampled factor values, every outcome of every arm in
//! every sampled world, and what they say about the decision — the distribution of each level
//! and gain, how often each practice is the best one (a rank-acceptability table), and how often
//! one practice beats another.
//!
//! Conventions (documented in the README): victims per year are `rate × victims` of a cohort,
//! and the cohort `*` sums them over cohorts (its rate is the victims-weighted mean). A *gain* is
//! a variant's value minus the baseline's in the same sampled world. Quantiles interpolate
//! linearly between order statistics (R's and numpy's default, "type 7"). `p_positive` is the
//! share of sampled worlds where the value is > 0. Every sampled world counts once (`subset =
//! all`); with observed figures, `subset = plausible` keeps the worlds that reproduce them.
//!
//! The large tables are written as the worlds come ([`UncertaintyWriter`], `stream.rs`); the
//! small ones are made at the end from the compact [`Numbers`] ([`UncertaintyReport::new`]).

use super::number::shown;
use std::fmt::Write as _;

use super::csv::{CsvRow, to_csv};
use super::folder::MANIFEST;
use super::manifest::Manifest;
use super::sensitivity::{self, Design, SensitivityRow};
use crate::scenario::Scenario;

mod rows;
mod stream;
pub use rows::{OutcomeRow, PairRow, PlausibleRow, RankRow, SampleRow, SummaryRow};
pub use stream::{IN_TIME, Numbers, UncertaintyWriter};

/// The small tables of one uncertainty run, computed from the [`Numbers`] of its worlds once
/// they are all evaluated (the large ones are streamed by [`UncertaintyWriter`]).
#[derive(Debug, Clone)]
pub struct UncertaintyReport {
    /// `summary.csv`.
    pub summary: Vec<SummaryRow>,
    /// `ranking.csv`.
    pub ranking: Vec<RankRow>,
    /// `pairwise.csv`.
    pub pairwise: Vec<PairRow>,
    /// `sensitivity.csv` (Sobol and Morris designs).
    pub sensitivity: Vec<SensitivityRow>,
    /// `manifest.json`.
    pub manifest: Manifest,
    /// Worlds evaluated.
    pub worlds: usize,
    /// Per observed figure that rules out some world, how many (see [`Numbers::outside`]).
    pub outside: Vec<(String, usize)>,
}

/// A file of an uncertainty results folder: its name and, for the small tables, how to render it
/// (`None`: streamed into the staging folder while the worlds are evaluated).
type File = (&'static str, Option<fn(&UncertaintyReport) -> Vec<u8>>);

/// The `q` quantile of sorted values, interpolating linearly (type 7; [`crate::stats::quantile`]),
/// or `NaN` when there are none.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    crate::stats::quantile(sorted, q)
}

fn summary_row(
    subset: &'static str,
    variant: &str,
    cohort: &str,
    (measure, quantity): (&'static str, &'static str),
    x: &[f64],
) -> SummaryRow {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sd = if x.len() > 1 {
        (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    SummaryRow {
        subset,
        variant: variant.to_owned(),
        cohort: cohort.to_owned(),
        measure,
        quantity,
        mean,
        sd,
        p05: quantile(&sorted, 0.05),
        p50: quantile(&sorted, 0.5),
        p95: quantile(&sorted, 0.95),
        p_positive: x.iter().filter(|v| **v > 0.0).count() as f64 / n,
    }
}

impl UncertaintyReport {
    /// Builds the small tables from the numbers of the worlds of `s` evaluated at the points of
    /// `design`, in order (the interventions are the arms after the baseline); `seed` is the
    /// design's, for the manifest and the bootstrap; `trials`: simulated with that many trials
    /// per cohort (and arm) instead of solved exactly.
    pub fn new(s: &Scenario, n: &Numbers, design: &Design, seed: u64, trials: Option<u64>) -> UncertaintyReport {
        let worlds = n.worlds();
        let mut out = UncertaintyReport {
            summary: Vec::new(),
            ranking: Vec::new(),
            pairwise: Vec::new(),
            sensitivity: Vec::new(),
            manifest: Manifest::uncertainty(s, design.name(), worlds, seed),
            worlds,
            outside: n.outside.clone(),
        };
        if let Some(t) = trials {
            out.manifest.set_simulated(t);
        }
        // Every world counts once in `all`; with observed figures, `plausible` keeps the worlds
        // that reproduce all of them.
        let mut subsets: Vec<(&'static str, Vec<usize>)> = vec![("all", (0..worlds).collect())];
        if !s.observed().is_empty() {
            subsets.push(("plausible", (0..worlds).filter(|&i| n.plausible[i]).collect()));
            out.manifest.set_plausible(subsets[1].1.len());
        }
        for (subset, keep) in &subsets {
            if keep.is_empty() {
                continue;
            }
            for (a, name) in n.arms.iter().enumerate() {
                for (c, cohort) in n.cohorts.iter().enumerate() {
                    for (m, measure) in n.measures.iter().enumerate() {
                        let level: Vec<f64> = keep.iter().map(|&i| n.at(i, a, c, m)).collect();
                        out.summary
                            .push(summary_row(subset, name, cohort, (measure, "level"), &level));
                        if a > 0 {
                            let gain: Vec<f64> = keep.iter().map(|&i| n.at(i, a, c, m) - n.at(i, 0, c, m)).collect();
                            out.summary
                                .push(summary_row(subset, name, cohort, (measure, "gain"), &gain));
                        }
                    }
                }
            }
            out.decision_tables(subset, n, keep);
        }
        if worlds > 0 {
            let factors: Vec<String> = s.factors().iter().map(|f| f.name.clone()).collect();
            let all = n.cohorts.len() - 1;
            let totals: Vec<Vec<[f64; 6]>> = (0..worlds)
                .map(|i| {
                    (0..n.arms.len())
                        .map(|a| std::array::from_fn(|m| n.at(i, a, all, m)))
                        .collect()
                })
                .collect();
            out.sensitivity = sensitivity::rows(design, &n.arms, &factors, &totals, seed);
        }
        out.manifest.files = UncertaintyReport::tables(!matches!(design, Design::Lhs(_)), !s.observed().is_empty())
            .iter()
            .map(|(name, _)| *name)
            .collect();
        out
    }

    /// `ranking.csv` and `pairwise.csv`, from the gains over all cohorts.
    fn decision_tables(&mut self, subset: &'static str, numbers: &Numbers, keep: &[usize]) {
        let arms = &numbers.arms;
        let all = numbers.cohorts.len() - 1;
        let n = keep.len() as f64;
        for (measure, m) in [("completed", 4), ("protected", 1)] {
            // gains[sample][intervention]
            let gains: Vec<Vec<f64>> = keep
                .iter()
                .map(|&i| {
                    (1..arms.len())
                        .map(|a| numbers.at(i, a, all, m) - numbers.at(i, 0, all, m))
                        .collect()
                })
                .collect();
            let k = arms.len() - 1;
            let mut best = vec![0usize; k];
            let mut top3 = vec![0usize; k];
            let mut rank_sum = vec![0usize; k];
            for g in &gains {
                let mut order: Vec<usize> = (0..k).collect();
                order.sort_by(|&a, &b| g[b].total_cmp(&g[a]).then(a.cmp(&b)));
                for (r, &a) in order.iter().enumerate() {
                    rank_sum[a] += r + 1;
                    if r == 0 {
                        best[a] += 1;
                    }
                    if r < 3 {
                        top3[a] += 1;
                    }
                }
            }
            for a in 0..k {
                let mut g: Vec<f64> = gains.iter().map(|x| x[a]).collect();
                g.sort_by(f64::total_cmp);
                self.ranking.push(RankRow {
                    subset,
                    variant: arms[a + 1].clone(),
                    measure,
                    p_best: best[a] as f64 / n,
                    p_top3: top3[a] as f64 / n,
                    mean_rank: rank_sum[a] as f64 / n,
                    p05_gain: quantile(&g, 0.05),
                    p50_gain: quantile(&g, 0.5),
                    p95_gain: quantile(&g, 0.95),
                });
                for b in 0..k {
                    if a == b {
                        continue;
                    }
                    let mut d: Vec<f64> = gains.iter().map(|x| x[a] - x[b]).collect();
                    let beats = d.iter().filter(|v| **v > 0.0).count() as f64 / n;
                    d.sort_by(f64::total_cmp);
                    self.pairwise.push(PairRow {
                        subset,
                        variant_a: arms[a + 1].clone(),
                        variant_b: arms[b + 1].clone(),
                        measure,
                        p_a_beats_b: beats,
                        p50_difference: quantile(&d, 0.5),
                    });
                }
            }
        }
    }

    /// The files of an `uncertainty` results folder, in writing order: the one list of its files.
    fn tables(indices: bool, observed: bool) -> Vec<File> {
        let mut t: Vec<File> = vec![
            (SampleRow::FILE, None),
            (OutcomeRow::FILE, None),
            (SummaryRow::FILE, Some(|r| to_csv(&r.summary))),
            (RankRow::FILE, Some(|r| to_csv(&r.ranking))),
            (PairRow::FILE, Some(|r| to_csv(&r.pairwise))),
        ];
        if indices {
            t.push((SensitivityRow::FILE, Some(|r| to_csv(&r.sensitivity))));
        }
        if observed {
            t.push((PlausibleRow::FILE, None));
        }
        t
    }

    /// The files of the results folder made in memory (name, bytes), `manifest.json` last; the
    /// streamed ones are already in the staging folder.
    pub fn files(&self) -> Vec<(&'static str, Vec<u8>)> {
        let info = self.manifest.uncertainty.as_ref();
        let indices = info.is_some_and(|u| u.design != "lhs");
        let observed = info.is_some_and(|u| u.plausible.is_some());
        let mut files: Vec<(&'static str, Vec<u8>)> = UncertaintyReport::tables(indices, observed)
            .into_iter()
            .filter_map(|(name, render)| render.map(|f| (name, f(self))))
            .collect();
        files.push((MANIFEST, self.manifest.to_json()));
        files
    }

    /// The three factors with the largest total index (`ST`, or `mu_star` for Morris) on one
    /// target, as `name (index)`; `None` without indices.
    fn drivers(&self, target: &str, variant: &str, measure: &str) -> Option<String> {
        let mut rows: Vec<&SensitivityRow> = self
            .sensitivity
            .iter()
            .filter(|r| r.target == target && r.variant == variant && r.measure == measure)
            .filter(|r| r.index == "ST" || r.index == "mu_star")
            .collect();
        rows.sort_by(|a, b| b.estimate.total_cmp(&a.estimate));
        let index = rows.first()?.index;
        let list: Vec<String> = rows
            .iter()
            .take(3)
            .map(|r| format!("{} ({:.2})", r.factor, r.estimate))
            .collect();
        Some(format!("{} [{index}]", list.join(", ")))
    }

    /// With observed figures: how many worlds are plausible (and, when none is, which figure
    /// rules out the most), and the subset the summary then describes.
    fn plausible_line(&self, out: &mut String) -> &'static str {
        let Some(plausible) = self.manifest.uncertainty.as_ref().and_then(|u| u.plausible) else {
            return "all";
        };
        let total = self.worlds;
        let _ = writeln!(
            out,
            "  {plausible} of {total} sampled worlds reproduce every observed figure (plausible); the ranking below is over {}",
            if plausible > 0 { "them" } else { "all worlds" }
        );
        if plausible > 0 {
            return "plausible";
        }
        let mut outside = self.outside.clone();
        outside.sort_by_key(|e| std::cmp::Reverse(e.1));
        if let Some((name, n)) = outside.first() {
            let _ = writeln!(
                out,
                "  no world is plausible: \"{name}\" rules out the most ({n} of {total}); check its range and the factors behind it"
            );
        }
        "all"
    }

    /// The terminal summary: per intervention, the median completed victims a year gained with
    /// its 90 % range and the share of worlds where it is best, and a plain sentence when the
    /// leading practice is not best in at least 90 % of them.
    pub fn render(&self, title: &str) -> String {
        let mut out = format!("{title}\n");
        let subset = self.plausible_line(&mut out);
        let mut rows: Vec<&RankRow> = self
            .ranking
            .iter()
            .filter(|r| r.measure == "completed" && r.subset == subset)
            .collect();
        if rows.is_empty() {
            let _ = writeln!(out, "  no interventions to compare: see summary.csv for the levels");
            return out;
        }
        rows.sort_by(|a, b| b.p50_gain.total_cmp(&a.p50_gain));
        let width = super::summary::name_width(rows.iter().map(|r| r.variant.as_str()));
        let _ = writeln!(
            out,
            "  {:<width$}  {:>14}  {:>22}  {:>7}",
            "intervention", "median gain/yr", "90% of worlds", "P(best)"
        );
        for r in &rows {
            let name = super::summary::clip(&r.variant, width);
            let _ = writeln!(
                out,
                "  {name:<width$}  {:>+14.1}  {:>+10.1} to {:>+8.1}  {:>6.0}%",
                shown(r.p50_gain, 1),
                shown(r.p05_gain, 1),
                shown(r.p95_gain, 1),
                100.0 * r.p_best
            );
        }
        if let Some(top) = rows.first() {
            for (what, target, variant, measure) in [
                ("the referral gap".to_owned(), "gap", super::BASELINE, "gap"),
                (
                    format!("the gain of {}", top.variant),
                    "gain",
                    top.variant.as_str(),
                    "completed",
                ),
            ] {
                if let Some(line) = self.drivers(target, variant, measure) {
                    let _ = writeln!(out, "  factors that drive {what} most: {line}");
                }
            }
        }
        let mut by_best: Vec<&&RankRow> = rows.iter().collect();
        by_best.sort_by(|a, b| b.p_best.total_cmp(&a.p_best));
        if let Some(first) = by_best.first()
            && first.p_best < 0.9
        {
            let second = by_best.get(1).map_or(String::new(), |r| {
                format!("; {} in {:.0} %", r.variant, 100.0 * r.p_best)
            });
            let _ = writeln!(
                out,
                "  The ranking is not robust: {} is best in {:.0} % of {} worlds{second}.",
                first.variant,
                100.0 * first.p_best,
                if subset == "plausible" { "plausible" } else { "sampled" }
            );
        }
        out
    }
}
