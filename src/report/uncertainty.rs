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
//! all`).

use std::fmt::Write as _;

use serde::Serialize;

use super::ALL_COHORTS;
use super::csv::{CsvRow, to_csv};
use super::manifest::Manifest;
use super::sensitivity::{self, Design, SensitivityRow};
use super::write::{Table, names, render};
use crate::exact::uncertainty::{OUTCOME_NAMES, Sample};
use crate::scenario::{Scenario, VariantKind};

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
    /// Exact probability (victims-weighted mean for `*`).
    pub rate: f64,
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

/// Every table of one uncertainty run.
#[derive(Debug, Clone)]
pub struct UncertaintyReport {
    /// `samples.csv`.
    pub samples: Vec<SampleRow>,
    /// `outcomes.csv`.
    pub outcomes: Vec<OutcomeRow>,
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
}

/// The `q` quantile of sorted values, interpolating linearly (type 7).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn summary_row(variant: &str, cohort: &str, measure: &'static str, quantity: &'static str, x: &[f64]) -> SummaryRow {
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
        subset: "all",
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

/// Per sample, per arm, per cohort (then `*` last), victims per year of each outcome.
fn victims(s: &Scenario, samples: &[Sample]) -> Vec<Vec<Vec<[f64; 6]>>> {
    let weights: Vec<f64> = s.cohorts().iter().map(|c| c.victims).collect();
    samples
        .iter()
        .map(|sample| {
            sample
                .arms
                .iter()
                .map(|arm| {
                    let mut rows: Vec<[f64; 6]> = arm
                        .iter()
                        .zip(&weights)
                        .map(|(rates, w)| rates.map(|r| r * w))
                        .collect();
                    let mut total = [0.0; 6];
                    for r in &rows {
                        for (t, v) in total.iter_mut().zip(r) {
                            *t += v;
                        }
                    }
                    rows.push(total);
                    rows
                })
                .collect()
        })
        .collect()
}

impl UncertaintyReport {
    /// Builds every table from the samples of `s` evaluated at the points of `design`, in order
    /// (the interventions are the arms after the baseline); `seed` is the design's, for the
    /// manifest and the bootstrap.
    pub fn new(s: &Scenario, samples: &[Sample], design: &Design, seed: u64) -> UncertaintyReport {
        let mut arms = vec![super::BASELINE.to_owned()];
        arms.extend(
            s.variants()
                .iter()
                .filter(|v| matches!(v.kind, VariantKind::Intervention))
                .map(|v| v.name.clone()),
        );
        let mut cohorts: Vec<String> = s.cohorts().iter().map(|c| c.name.clone()).collect();
        cohorts.push(ALL_COHORTS.to_owned());
        let total_victims: f64 = s.cohorts().iter().map(|c| c.victims).sum();
        let weights: Vec<f64> = s.cohorts().iter().map(|c| c.victims).chain([total_victims]).collect();
        let vpy = victims(s, samples);
        let mut out = UncertaintyReport {
            samples: Vec::new(),
            outcomes: Vec::new(),
            summary: Vec::new(),
            ranking: Vec::new(),
            pairwise: Vec::new(),
            sensitivity: Vec::new(),
            manifest: Manifest::uncertainty(s, design.name(), samples.len(), seed),
        };
        for (i, sample) in samples.iter().enumerate() {
            for (f, v) in s.factors().iter().zip(&sample.values) {
                out.samples.push(SampleRow {
                    sample: i,
                    factor: f.name.clone(),
                    value: *v,
                });
            }
            for (a, name) in arms.iter().enumerate() {
                for (c, cohort) in cohorts.iter().enumerate() {
                    for (m, measure) in OUTCOME_NAMES.iter().enumerate() {
                        let v = vpy[i][a][c][m];
                        out.outcomes.push(OutcomeRow {
                            sample: i,
                            variant: name.clone(),
                            cohort: cohort.clone(),
                            measure,
                            rate: if weights[c] > 0.0 { v / weights[c] } else { 0.0 },
                            victims_per_year: v,
                        });
                    }
                }
            }
        }
        if !samples.is_empty() {
            for (a, name) in arms.iter().enumerate() {
                for (c, cohort) in cohorts.iter().enumerate() {
                    for (m, measure) in OUTCOME_NAMES.iter().enumerate() {
                        let level: Vec<f64> = vpy.iter().map(|x| x[a][c][m]).collect();
                        out.summary.push(summary_row(name, cohort, measure, "level", &level));
                        if a > 0 {
                            let gain: Vec<f64> = vpy.iter().map(|x| x[a][c][m] - x[0][c][m]).collect();
                            out.summary.push(summary_row(name, cohort, measure, "gain", &gain));
                        }
                    }
                }
            }
            out.decision_tables(&arms, &vpy);
            let factors: Vec<String> = s.factors().iter().map(|f| f.name.clone()).collect();
            let all = cohorts.len() - 1;
            let totals: Vec<Vec<[f64; 6]>> = vpy.iter().map(|x| x.iter().map(|arm| arm[all]).collect()).collect();
            out.sensitivity = sensitivity::rows(design, &arms, &factors, &totals, seed);
        }
        out.manifest.files = names(&UncertaintyReport::tables(!matches!(design, Design::Lhs(_))));
        out
    }

    /// `ranking.csv` and `pairwise.csv`, from the gains over all cohorts.
    fn decision_tables(&mut self, arms: &[String], vpy: &[Vec<Vec<[f64; 6]>>]) {
        let all = vpy.first().map_or(0, |x| x[0].len() - 1);
        let n = vpy.len() as f64;
        for (measure, m) in [("completed", 4), ("protected", 1)] {
            // gains[sample][intervention]
            let gains: Vec<Vec<f64>> = vpy
                .iter()
                .map(|x| (1..arms.len()).map(|a| x[a][all][m] - x[0][all][m]).collect())
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
                    subset: "all",
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
                        subset: "all",
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

    /// The tables of an `uncertainty` results folder, in writing order: the one list of its files.
    fn tables(indices: bool) -> Vec<Table<UncertaintyReport>> {
        let mut t: Vec<Table<UncertaintyReport>> = vec![
            (SampleRow::FILE, |r| to_csv(&r.samples)),
            (OutcomeRow::FILE, |r| to_csv(&r.outcomes)),
            (SummaryRow::FILE, |r| to_csv(&r.summary)),
            (RankRow::FILE, |r| to_csv(&r.ranking)),
            (PairRow::FILE, |r| to_csv(&r.pairwise)),
        ];
        if indices {
            t.push((SensitivityRow::FILE, |r| to_csv(&r.sensitivity)));
        }
        t
    }

    /// Every file of the results folder (name, bytes), `manifest.json` last.
    pub fn files(&self) -> Vec<(&'static str, Vec<u8>)> {
        let indices = self.manifest.uncertainty.as_ref().is_some_and(|u| u.design != "lhs");
        render(self, &UncertaintyReport::tables(indices), self.manifest.to_json())
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

    /// The terminal summary: per intervention, the median completed victims a year gained with
    /// its 90 % range and the share of worlds where it is best, and a plain sentence when the
    /// leading practice is not best in at least 90 % of them.
    pub fn render(&self, title: &str) -> String {
        let mut out = format!("{title}\n");
        let mut rows: Vec<&RankRow> = self.ranking.iter().filter(|r| r.measure == "completed").collect();
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
                r.p50_gain,
                r.p05_gain,
                r.p95_gain,
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
                "  The ranking is not robust: {} is best in {:.0} % of sampled worlds{second}.",
                first.variant,
                100.0 * first.p_best
            );
        }
        out
    }
}
