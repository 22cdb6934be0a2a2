//! The exact solution as tables: `exact.csv` (every measure's probability, as given, with
//! perfect communication and in every variant, overall, by entry point and by entry country),
//! `exact_comparisons.csv` (every variant's exact difference from the baseline), `ranking.csv`
//! (every channel's effect if made perfect or cut, per cohort and for all cohorts weighted by
//! victims per year), and the terminal summary of `refgap exact`.

use super::number::shown;
use std::fmt::Write;

use super::csv::{CsvRow, ExactComparisonRow, ExactRow, RankingRow, to_csv};
use super::manifest::Manifest;
use super::write::{Table, names, render};
use crate::exact::ExactCohort;
use crate::exact::rank::CohortRanking;
use crate::model::Measure;
use crate::scenario::Scenario;

/// The measures the chain solves: all but `protected_in_time`, which needs a clock the chain has
/// not and so has no row (a measure that does not apply has no row; docs/MODEL.md, "Outputs").
fn exact_measures() -> impl Iterator<Item = Measure> {
    Measure::ALL.into_iter().filter(|&m| m != Measure::ProtectedInTime)
}

/// The variant name of the perfect-communication solution in `exact.csv`.
pub const PERFECT: &str = "perfect_communication";

/// Every table of `refgap exact` for one scenario.
#[derive(Debug, Clone)]
pub struct ExactReport {
    /// `exact.csv`.
    pub exact: Vec<ExactRow>,
    /// `ranking.csv`.
    pub ranking: Vec<RankingRow>,
    /// Whether the channels were ranked (else `ranking.csv` is not written).
    pub ranked: bool,
    /// `exact_comparisons.csv` (when the scenario has variants).
    pub comparisons: Vec<ExactComparisonRow>,
    /// Per cohort: name, completed, completed with perfect communication, states, bound on the
    /// `max_hops` difference.
    pub cohorts: Vec<(String, f64, f64, usize, f64)>,
    /// `manifest.json`.
    pub manifest: Manifest,
}

/// The method named in the manifest of an exact folder.
const METHOD: &str = "absorbing Markov chain on (authority, file complete, services granted): sparse LU (faer) up to \
                      50,000 states per chain, iterative propagation above (or as --solver chose); channel ranking by \
                      Woodbury low-rank updates";

/// Share-weighted probabilities of the groups `all`, `entry` and `country`.
fn groups(
    s: &Scenario,
    c: usize,
    probs: &[[f64; Measure::COUNT]],
) -> Vec<(&'static str, String, [f64; Measure::COUNT])> {
    let cohort = &s.cohorts()[c];
    let mut out = vec![("all", "*".to_owned(), ExactCohort::aggregate(probs, cohort, |_| true))];
    for (k, &(a, _)) in cohort.entry.iter().enumerate() {
        out.push(("entry", s.authorities()[a].id.clone(), probs[k]));
    }
    let country_of = |k: usize| s.authorities()[cohort.entry[k].0].country;
    let mut seen = Vec::new();
    for k in 0..cohort.entry.len() {
        let country = country_of(k);
        if !seen.contains(&country) {
            seen.push(country);
            let p = ExactCohort::aggregate(probs, cohort, |j| country_of(j) == country);
            out.push(("country", s.countries()[country].code.clone(), p));
        }
    }
    out
}

impl ExactReport {
    /// Builds the tables from the exact solution and the channel ranking of `s` (`None` when it
    /// was skipped: no `ranking.csv` then), and the exact solution of each of its variants (in
    /// [`Scenario::variants`] order).
    pub fn new(
        s: &Scenario,
        exact: &[ExactCohort],
        ranking: Option<&[CohortRanking]>,
        variants: &[Vec<ExactCohort>],
    ) -> ExactReport {
        let mut rows = Vec::new();
        let mut cohorts = Vec::new();
        let mut comparisons = Vec::new();
        for (c, (cohort, ex)) in s.cohorts().iter().zip(exact).enumerate() {
            for (variant, probs) in [(super::BASELINE, &ex.entries), (PERFECT, &ex.perfect)] {
                for (group, key, p) in groups(s, c, probs) {
                    for m in exact_measures() {
                        let x = p[m.index()];
                        rows.push(ExactRow {
                            variant: variant.to_owned(),
                            cohort: cohort.name.clone(),
                            group,
                            key: key.clone(),
                            measure: m.name(),
                            probability: x,
                        });
                    }
                }
            }
            let done = Measure::Completed.index();
            let all = ExactCohort::aggregate(&ex.entries, cohort, |_| true)[done];
            let perfect = ExactCohort::aggregate(&ex.perfect, cohort, |_| true)[done];
            cohorts.push((cohort.name.clone(), all, perfect, ex.states, ex.beyond_max_hops));
        }
        for (v, solved) in s.variants().iter().zip(variants) {
            for (c, (cohort, ex)) in s.cohorts().iter().zip(solved).enumerate() {
                for (group, key, p) in groups(&v.scenario, c, &ex.entries) {
                    for m in exact_measures() {
                        let x = p[m.index()];
                        rows.push(ExactRow {
                            variant: v.name.clone(),
                            cohort: cohort.name.clone(),
                            group,
                            key: key.clone(),
                            measure: m.name(),
                            probability: x,
                        });
                    }
                }
            }
            comparisons.extend(comparison_rows(s, &v.name, exact, solved));
        }
        let mut manifest = Manifest::exact(s, METHOD);
        for (info, ex) in manifest.cohorts.iter_mut().zip(exact) {
            info.solver = Some(ex.solver);
        }
        manifest.files = names(&ExactReport::tables(manifest.has_variants(), ranking.is_some()));
        ExactReport {
            exact: rows,
            ranked: ranking.is_some(),
            ranking: ranking.map(|r| ranking_rows(s, r)).unwrap_or_default(),
            comparisons,
            cohorts,
            manifest,
        }
    }

    /// The tables of an `exact` results folder, in writing order: the one list of its files.
    fn tables(has_variants: bool, ranked: bool) -> Vec<Table<ExactReport>> {
        let mut t: Vec<Table<ExactReport>> = vec![(ExactRow::FILE, |r| to_csv(&r.exact))];
        if has_variants {
            t.push((ExactComparisonRow::FILE, |r| to_csv(&r.comparisons)));
        }
        if ranked {
            t.push((RankingRow::FILE, |r| to_csv(&r.ranking)));
        }
        t
    }

    /// Every file of the results folder (name, bytes), `manifest.json` last.
    pub fn files(&self) -> Vec<(&'static str, Vec<u8>)> {
        render(
            self,
            &ExactReport::tables(self.manifest.has_variants(), self.ranked),
            self.manifest.to_json(),
        )
    }

    /// The terminal summary: per-cohort exact rates and gap, then the ten channels whose
    /// perfection would complete most victims per year.
    pub fn render(&self, title: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{title}");
        let width = super::summary::name_width(self.cohorts.iter().map(|c| c.0.as_str()));
        let _ = writeln!(
            out,
            "  {:<width$}  {:>10}  {:>10}  {:>9}  {:>7}  {:>17}",
            "cohort", "completed", "perfect", "gap", "states", "P(hit max_hops)"
        );
        for (name, done, perfect, states, beyond) in &self.cohorts {
            let name = super::summary::clip(name, width);
            let _ = writeln!(
                out,
                "  {name:<width$}  {:>9.4}%  {:>9.4}%  {:>+8.4}  {states:>7}  {beyond:>17.1e}",
                100.0 * done,
                100.0 * perfect,
                100.0 * (perfect - done)
            );
        }
        let mut top: Vec<&RankingRow> = self.ranking.iter().filter(|r| r.cohort == "*").collect();
        top.sort_by_key(|r| r.rank);
        if !self.ranked {
            let _ = writeln!(
                out,
                "\n  channels not ranked (no ranking.csv): see the note on the terminal"
            );
        } else {
            let _ = writeln!(
                out,
                "\n  top channels, all cohorts (gain if perfect, loss if cut; victims per year):"
            );
            let _ = writeln!(
                out,
                "  {:>4}  {:<40}  {:>12}  {:>9}  {:>12}  {:>9}",
                "rank", "channel", "gain (pts)", "gain/yr", "loss (pts)", "loss/yr"
            );
            for r in top.iter().take(10) {
                let id: String = r.channel.chars().take(40).collect();
                let _ = writeln!(
                    out,
                    "  {:>4}  {id:<40}  {:>+12.4}  {:>+9.1}  {:>12.4}  {:>9.1}",
                    r.rank,
                    shown(100.0 * r.gain_if_perfect, 4),
                    shown(r.gain_victims_per_year, 1),
                    100.0 * r.loss_if_cut,
                    r.loss_victims_per_year
                );
            }
        }
        let mut variants: Vec<&ExactComparisonRow> = self
            .comparisons
            .iter()
            .filter(|r| r.cohort == super::ALL_COHORTS && r.measure == Measure::Completed.name())
            .collect();
        if !variants.is_empty() {
            variants.sort_by(|a, b| b.victims_per_year.total_cmp(&a.victims_per_year));
            let width = super::summary::name_width(variants.iter().map(|r| r.variant.as_str()));
            let _ = writeln!(
                out,
                "\n  variants ranked by exact completed victims per year gained, all cohorts:"
            );
            let _ = writeln!(
                out,
                "  {:>4}  {:<width$}  {:>12}  {:>14}",
                "rank", "variant", "gain (pts)", "gain / year"
            );
            for (i, r) in variants.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "  {:>4}  {:<width$}  {:>+12.4}  {:>+14.2}",
                    i + 1,
                    super::summary::clip(&r.variant, width),
                    shown(100.0 * r.difference, 4),
                    shown(r.victims_per_year, 2)
                );
            }
        }
        out
    }
}

/// Exact differences of one variant from the baseline: per cohort (all entries) and for every
/// cohort together weighted by victims per year (`*`, when there are victims).
fn comparison_rows(
    s: &Scenario,
    variant: &str,
    base: &[ExactCohort],
    solved: &[ExactCohort],
) -> Vec<ExactComparisonRow> {
    let total: f64 = s.cohorts().iter().map(|c| c.victims).sum();
    let mut rows = Vec::new();
    for m in exact_measures() {
        let (mut b_sum, mut v_sum) = (0.0, 0.0);
        for ((cohort, b), v) in s.cohorts().iter().zip(base).zip(solved) {
            let pb = ExactCohort::aggregate(&b.entries, cohort, |_| true)[m.index()];
            let pv = ExactCohort::aggregate(&v.entries, cohort, |_| true)[m.index()];
            rows.push(ExactComparisonRow {
                variant: variant.to_owned(),
                cohort: cohort.name.clone(),
                measure: m.name(),
                baseline_probability: pb,
                variant_probability: pv,
                difference: pv - pb,
                victims_per_year: (pv - pb) * cohort.victims,
            });
            b_sum += cohort.victims * pb;
            v_sum += cohort.victims * pv;
        }
        if total > 0.0 {
            rows.push(ExactComparisonRow {
                variant: variant.to_owned(),
                cohort: super::ALL_COHORTS.to_owned(),
                measure: m.name(),
                baseline_probability: b_sum / total,
                variant_probability: v_sum / total,
                difference: (v_sum - b_sum) / total,
                victims_per_year: v_sum - b_sum,
            });
        }
    }
    rows
}

/// Ranking rows: per cohort, and `*` for all cohorts weighted by victims per year (equal weights
/// when no cohort has victims). Within each, rank 1 is the largest gain if perfect (ties: file
/// order).
fn ranking_rows(s: &Scenario, ranking: &[CohortRanking]) -> Vec<RankingRow> {
    let victims: Vec<f64> = s.cohorts().iter().map(|c| c.victims).collect();
    let total: f64 = victims.iter().sum();
    let weights: Vec<f64> = if total > 0.0 {
        victims.iter().map(|v| v / total).collect()
    } else {
        vec![1.0 / ranking.len().max(1) as f64; ranking.len()]
    };
    let mut out = Vec::new();
    // Differences below 1e-14 are rounding residue of the solves, not effects.
    let snap = |x: f64| if x.abs() < 1e-14 { 0.0 } else { x };
    let mut push_ranked = |cohort: &str, completed: f64, effects: Vec<(f64, f64)>, per_year: f64| {
        let mut rows: Vec<RankingRow> = s
            .channels()
            .iter()
            .zip(effects)
            .map(|(ch, (perfect, cut))| RankingRow {
                cohort: cohort.to_owned(),
                channel: ch.id.clone(),
                from: s.authorities()[ch.from].id.clone(),
                to: s.authorities()[ch.to].id.clone(),
                completed_if_perfect: perfect,
                gain_if_perfect: snap(perfect - completed),
                completed_if_cut: cut,
                loss_if_cut: snap(completed - cut),
                rank: 0,
                gain_victims_per_year: snap(perfect - completed) * per_year,
                loss_victims_per_year: snap(completed - cut) * per_year,
            })
            .collect();
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| {
            rows[b]
                .gain_if_perfect
                .total_cmp(&rows[a].gain_if_perfect)
                .then(a.cmp(&b))
        });
        for (rank, &i) in order.iter().enumerate() {
            rows[i].rank = rank + 1;
        }
        out.extend(rows);
    };
    for (cohort, r) in s.cohorts().iter().zip(ranking) {
        let effects = r.channels.iter().map(|x| (x.if_perfect, x.if_cut)).collect();
        push_ranked(&cohort.name, r.completed, effects, cohort.victims);
    }
    let completed: f64 = ranking.iter().zip(&weights).map(|(r, w)| w * r.completed).sum();
    let effects = (0..s.channels().len())
        .map(|e| {
            let perfect = ranking
                .iter()
                .zip(&weights)
                .map(|(r, w)| w * r.channels[e].if_perfect)
                .sum();
            let cut = ranking
                .iter()
                .zip(&weights)
                .map(|(r, w)| w * r.channels[e].if_cut)
                .sum();
            (perfect, cut)
        })
        .collect();
    push_ranked("*", completed, effects, total);
    out
}
