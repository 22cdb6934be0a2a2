//! The tables of `refgap transfer`: `transfer.csv` (every practice in every context, gains over
//! all cohorts) and `transfer_cohorts.csv` (the same per cohort), and the terminal summary.
//!
//! Conventions (documented in the README, "Which practice transfers where"): a **gain** is the
//! practice's value minus the baseline's, in victims per year (`rate × victims` of a cohort,
//! summed over cohorts for all of them), for `completed` and `protected`; for `gap` it is the
//! referral gap **closed**, the baseline's gap minus the variant's (each against its own perfect
//! communication), so that for every measure a larger gain is better. `gain_rate` is the same
//! gain as a rate (per cohort: the difference in probability; all cohorts: per victim of the
//! scenario). `gain_per_year`, `gain_rate` and `rank` describe the scenario as given; with
//! sampled worlds, `p05`, `p50`, `p95` (type-7 quantiles) and `p_positive` (share of worlds
//! with a gain above [`ZERO`]) describe the gain over the worlds of `subset`: `all`, and with
//! observed figures also `plausible`.

use super::number::shown;
use std::fmt::Write as _;

use serde::Serialize;

use super::csv::{CsvRow, to_csv};
use super::manifest::{Manifest, PracticeInfo, TransferInfo};
use super::uncertainty::quantile;
use super::write::{Table, names, render};
use crate::exact::transfer::{Levels, MEASURES, Solved};
use crate::scenario::Scenario;
use crate::scenario::variant::transfer::Matrix;

/// Gains within this many victims per year of 0 count as 0 in `p_positive`: what two exact
/// solves of the same chain can differ by in rounding, far below any effect worth reporting.
pub const ZERO: f64 = 1e-9;

/// A row of `transfer.csv`: one practice in one context, one measure, all cohorts.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TransferRow {
    /// The practice.
    pub practice: String,
    /// The country code, or `A-B` for a pair.
    pub context: String,
    /// Whether the practice changes anything there (in the scenario as given).
    pub applies: bool,
    /// `completed`, `protected` or `gap` (closed).
    pub measure: &'static str,
    /// Victims per year gained, all cohorts, in the scenario as given.
    pub gain_per_year: f64,
    /// The same per victim of the scenario (empty when it has none).
    pub gain_rate: Option<f64>,
    /// 5 % quantile of the gain per year over the subset's worlds (empty without samples).
    pub p05: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 95 % quantile.
    pub p95: Option<f64>,
    /// Share of the subset's worlds with a gain > 0.
    pub p_positive: Option<f64>,
    /// Rank of the context within the practice and measure (1 = largest gain as given).
    pub rank: usize,
    /// `all` or `plausible` worlds (empty without samples).
    pub subset: Option<&'static str>,
    /// Worlds in the subset (empty without samples).
    pub worlds: Option<usize>,
}

/// A row of `transfer_cohorts.csv`: [`TransferRow`] for one cohort.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TransferCohortRow {
    /// The practice.
    pub practice: String,
    /// The context.
    pub context: String,
    /// Whether the practice changes anything there.
    pub applies: bool,
    /// The cohort.
    pub cohort: String,
    /// `completed`, `protected` or `gap` (closed).
    pub measure: &'static str,
    /// Victims per year of the cohort gained.
    pub gain_per_year: f64,
    /// The difference in the cohort's probability.
    pub gain_rate: f64,
    /// 5 % quantile over the subset's worlds.
    pub p05: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 95 % quantile.
    pub p95: Option<f64>,
    /// Share of worlds with a gain > 0.
    pub p_positive: Option<f64>,
    /// Rank within the practice, cohort and measure.
    pub rank: usize,
    /// `all` or `plausible` (empty without samples).
    pub subset: Option<&'static str>,
    /// Worlds in the subset.
    pub worlds: Option<usize>,
}

macro_rules! row {
    ($t:ty, $file:literal, [$($col:literal),* $(,)?]) => {
        impl CsvRow for $t {
            const FILE: &'static str = $file;
            const HEADER: &'static [&'static str] = &[$($col),*];
        }
    };
}
row!(
    TransferRow,
    "transfer.csv",
    [
        "practice",
        "context",
        "applies",
        "measure",
        "gain_per_year",
        "gain_rate",
        "p05",
        "p50",
        "p95",
        "p_positive",
        "rank",
        "subset",
        "worlds"
    ]
);
row!(
    TransferCohortRow,
    "transfer_cohorts.csv",
    [
        "practice",
        "context",
        "applies",
        "cohort",
        "measure",
        "gain_per_year",
        "gain_rate",
        "p05",
        "p50",
        "p95",
        "p_positive",
        "rank",
        "subset",
        "worlds"
    ]
);

/// Every table of one transfer matrix.
#[derive(Debug, Clone)]
pub struct TransferReport {
    /// `transfer.csv`.
    pub rows: Vec<TransferRow>,
    /// `transfer_cohorts.csv`.
    pub cohorts: Vec<TransferCohortRow>,
    /// `manifest.json`.
    pub manifest: Manifest,
    /// Per practice: name, scope, contexts tried.
    practices: Vec<(String, &'static str, usize)>,
    /// Country codes, and per cell the country indices of its context.
    countries: Vec<String>,
    contexts: Vec<Vec<usize>>,
}

/// Per cohort, the gain per year of each measure from `base` to `cell` (`None`: no change).
fn gains(s: &Scenario, base: &Levels, cell: Option<&Levels>) -> Vec<[f64; 3]> {
    s.cohorts()
        .iter()
        .enumerate()
        .map(|(c, cohort)| {
            let Some(cell) = cell else {
                return [0.0; 3];
            };
            let (b, v) = (base[c], cell[c]);
            [v[0] - b[0], v[1] - b[1], b[2] - v[2]].map(|d| d * cohort.victims)
        })
        .collect()
}

/// Quantiles and share positive of `x`, or all `None` when there are no worlds.
type Spread = (Option<f64>, Option<f64>, Option<f64>, Option<f64>);

fn spread(x: &[f64]) -> Spread {
    if x.is_empty() {
        return (None, None, None, None);
    }
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let positive = x.iter().filter(|v| **v > ZERO).count() as f64 / x.len() as f64;
    (
        Some(quantile(&sorted, 0.05)),
        Some(quantile(&sorted, 0.5)),
        Some(quantile(&sorted, 0.95)),
        Some(positive),
    )
}

/// Ranks of `values` (1 = largest), ties in order.
fn ranks(values: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    let mut out = vec![0; values.len()];
    for (r, i) in order.into_iter().enumerate() {
        out[i] = r + 1;
    }
    out
}

impl TransferReport {
    /// Builds the tables of matrix `m` of `s`, solved as given (`nominal`) and, with samples,
    /// in each sampled world (`worlds`, drawn by a Latin hypercube from `seed`).
    pub fn new(s: &Scenario, m: &Matrix, nominal: &Solved, worlds: &[Solved], seed: Option<u64>) -> TransferReport {
        let victims: f64 = s.cohorts().iter().map(|c| c.victims).sum();
        // gains[cell][cohort][measure], as given and per world.
        let given: Vec<Vec<[f64; 3]>> = nominal
            .cells
            .iter()
            .map(|c| gains(s, &nominal.base, c.as_ref()))
            .collect();
        let sampled: Vec<Vec<Vec<[f64; 3]>>> = worlds
            .iter()
            .map(|w| w.cells.iter().map(|c| gains(s, &w.base, c.as_ref())).collect())
            .collect();
        let mut subsets: Vec<(Option<&'static str>, Vec<usize>)> = Vec::new();
        if worlds.is_empty() {
            subsets.push((None, Vec::new()));
        } else {
            subsets.push((Some("all"), (0..worlds.len()).collect()));
            let plausible: Vec<usize> = (0..worlds.len()).filter(|&i| worlds[i].plausible).collect();
            if !s.observed().is_empty() && !plausible.is_empty() {
                subsets.push((Some("plausible"), plausible));
            }
        }
        let total = |g: &[[f64; 3]], k: usize| g.iter().map(|x| x[k]).sum::<f64>();
        let mut rows = Vec::new();
        let mut cohorts = Vec::new();
        for (p, practice) in m.practices.iter().enumerate() {
            let cells: Vec<usize> = (0..m.cells.len()).filter(|&i| m.cells[i].practice == p).collect();
            let all_ranks: Vec<Vec<usize>> = (0..MEASURES.len())
                .map(|k| ranks(&cells.iter().map(|&i| total(&given[i], k)).collect::<Vec<_>>()))
                .collect();
            // cohort_ranks[measure][cohort][cell of the practice]
            let cohort_ranks: Vec<Vec<Vec<usize>>> = (0..MEASURES.len())
                .map(|k| {
                    (0..s.cohorts().len())
                        .map(|c| ranks(&cells.iter().map(|&i| given[i][c][k]).collect::<Vec<_>>()))
                        .collect()
                })
                .collect();
            for (subset, keep) in &subsets {
                let worlds = subset.map(|_| keep.len());
                for (j, &i) in cells.iter().enumerate() {
                    let cell = &m.cells[i];
                    let context = &m.contexts[cell.context].label;
                    for (k, measure) in MEASURES.iter().enumerate() {
                        let gain = total(&given[i], k);
                        let x: Vec<f64> = keep.iter().map(|&w| total(&sampled[w][i], k)).collect();
                        let (p05, p50, p95, p_positive) = spread(&x);
                        rows.push(TransferRow {
                            practice: practice.name.clone(),
                            context: context.clone(),
                            applies: cell.applies(),
                            measure,
                            gain_per_year: gain,
                            gain_rate: (victims > 0.0).then(|| gain / victims),
                            p05,
                            p50,
                            p95,
                            p_positive,
                            rank: all_ranks[k][j],
                            subset: *subset,
                            worlds,
                        });
                    }
                    for (c, cohort) in s.cohorts().iter().enumerate() {
                        for (k, measure) in MEASURES.iter().enumerate() {
                            let x: Vec<f64> = keep.iter().map(|&w| sampled[w][i][c][k]).collect();
                            let (p05, p50, p95, p_positive) = spread(&x);
                            let rate = nominal.cells[i].as_ref().map_or(0.0, |l| {
                                let (b, v) = (nominal.base[c], l[c]);
                                [v[0] - b[0], v[1] - b[1], b[2] - v[2]][k]
                            });
                            cohorts.push(TransferCohortRow {
                                practice: practice.name.clone(),
                                context: context.clone(),
                                applies: cell.applies(),
                                cohort: cohort.name.clone(),
                                measure,
                                gain_per_year: given[i][c][k],
                                gain_rate: rate,
                                p05,
                                p50,
                                p95,
                                p_positive,
                                rank: cohort_ranks[k][c][j],
                                subset: *subset,
                                worlds,
                            });
                        }
                    }
                }
            }
        }
        let info = TransferInfo {
            contexts: m.mode.name(),
            practices: m
                .practices
                .iter()
                .map(|p| PracticeInfo {
                    name: p.name.clone(),
                    scope: p.scope.name(),
                    origin: p.origin,
                })
                .collect(),
            cells: m.cells.len(),
            applies: m.cells.iter().filter(|c| c.applies()).count(),
        };
        let mut manifest = Manifest::transfer(s, info, seed.map(|seed| (worlds.len(), seed)));
        if seed.is_some() && !s.observed().is_empty() {
            manifest.set_plausible(worlds.iter().filter(|w| w.plausible).count());
        }
        manifest.files = names(&TransferReport::tables());
        TransferReport {
            rows,
            cohorts,
            manifest,
            practices: m
                .practices
                .iter()
                .enumerate()
                .map(|(p, x)| {
                    (
                        x.name.clone(),
                        x.scope.name(),
                        m.cells.iter().filter(|c| c.practice == p).count(),
                    )
                })
                .collect(),
            countries: s.countries().iter().map(|c| c.code.clone()).collect(),
            contexts: m
                .cells
                .iter()
                .map(|c| m.contexts[c.context].countries.clone())
                .collect(),
        }
    }

    /// The tables of a `transfer` results folder, in writing order: the one list of its files.
    fn tables() -> Vec<Table<TransferReport>> {
        vec![
            (TransferRow::FILE, |r| to_csv(&r.rows)),
            (TransferCohortRow::FILE, |r| to_csv(&r.cohorts)),
        ]
    }

    /// Every file of the results folder (name, bytes), `manifest.json` last.
    pub fn files(&self) -> Vec<(&'static str, Vec<u8>)> {
        render(self, &TransferReport::tables(), self.manifest.to_json())
    }

    /// The `completed` rows of the subset the summary describes (`plausible` when there are
    /// plausible worlds, else `all`, else the rows without samples), in cell order.
    fn completed(&self) -> Vec<&TransferRow> {
        let subset = if self.rows.iter().any(|r| r.subset == Some("plausible")) {
            Some("plausible")
        } else if self.rows.iter().any(|r| r.subset == Some("all")) {
            Some("all")
        } else {
            None
        };
        self.rows
            .iter()
            .filter(|r| r.measure == "completed" && r.subset == subset)
            .collect()
    }

    /// The terminal summary: per practice, the five contexts with the largest completed gain
    /// (with the 90 % range over the worlds when sampled); per country, its best first practice.
    pub fn render(&self, title: &str) -> String {
        let mut out = format!("{title}\n");
        let rows = self.completed();
        if let Some(r) = rows.first()
            && let (Some(subset), Some(n)) = (r.subset, r.worlds)
        {
            let _ = writeln!(out, "  ranges: 90 % of {n} {subset} sampled worlds");
        }
        let range = |r: &TransferRow| match (r.p05, r.p95, r.p_positive) {
            (Some(lo), Some(hi), Some(p)) => format!(
                "  ({:+.1} to {:+.1}, P(gain>0) {:.0}%)",
                shown(lo, 1),
                shown(hi, 1),
                100.0 * p
            ),
            _ => String::new(),
        };
        for (name, scope, tried) in &self.practices {
            let mut mine: Vec<&&TransferRow> = rows.iter().filter(|r| &r.practice == name).collect();
            let applies = mine.iter().filter(|r| r.applies).count();
            mine.sort_by_key(|r| r.rank);
            let _ = writeln!(
                out,
                "  {name} ({scope}; applies in {applies} of {tried} contexts): completed victims/year gained"
            );
            for r in mine.iter().take(5).filter(|r| r.applies) {
                let _ = writeln!(
                    out,
                    "    {:>2}. {:<9} {:>+8.1}{}",
                    r.rank,
                    r.context,
                    shown(r.gain_per_year, 1),
                    range(r)
                );
            }
        }
        let _ = writeln!(
            out,
            "  best first practice per country (completed victims/year gained):"
        );
        for (c, code) in self.countries.iter().enumerate() {
            let best = rows
                .iter()
                .enumerate()
                .filter(|(i, r)| r.applies && self.contexts[*i].contains(&c))
                .max_by(|(i, a), (j, b)| a.gain_per_year.total_cmp(&b.gain_per_year).then(j.cmp(i)));
            match best {
                Some((_, r)) if r.gain_per_year > ZERO => {
                    let _ = writeln!(
                        out,
                        "    {code:<4} {} in {} {:+.1}{}",
                        r.practice,
                        r.context,
                        shown(r.gain_per_year, 1),
                        range(r)
                    );
                }
                _ => {
                    let _ = writeln!(out, "    {code:<4} no practice tried here gains completed referrals");
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<T: CsvRow>(row: T) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(row).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        text.lines().next().unwrap().to_owned()
    }

    #[test]
    fn headers_match_fields() {
        let row = TransferRow {
            practice: "p".into(),
            context: "c".into(),
            applies: true,
            measure: "completed",
            gain_per_year: 1.0,
            gain_rate: None,
            p05: None,
            p50: None,
            p95: None,
            p_positive: None,
            rank: 1,
            subset: None,
            worlds: None,
        };
        assert_eq!(header(row), TransferRow::HEADER.join(","));
        let row = TransferCohortRow {
            practice: "p".into(),
            context: "c".into(),
            applies: true,
            cohort: "k".into(),
            measure: "completed",
            gain_per_year: 1.0,
            gain_rate: 0.1,
            p05: None,
            p50: None,
            p95: None,
            p_positive: None,
            rank: 1,
            subset: None,
            worlds: None,
        };
        assert_eq!(header(row), TransferCohortRow::HEADER.join(","));
    }

    #[test]
    fn ranks_are_descending_with_ties_in_order() {
        assert_eq!(ranks(&[0.0, 2.0, -1.0, 2.0, 0.0]), vec![3, 1, 5, 2, 4]);
    }

    #[test]
    fn spread_counts_only_gains_above_rounding() {
        let (p05, p50, p95, pos) = spread(&[1e-12, 1.0, 2.0, 3.0]);
        assert_eq!(pos, Some(0.75));
        assert_eq!(p50, Some(1.5));
        assert!(p05.unwrap() < p50.unwrap() && p50.unwrap() < p95.unwrap());
        assert_eq!(spread(&[]), (None, None, None, None));
    }
}
