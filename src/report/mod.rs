//! Results as plain data, and the only code that turns them into bytes and files.
//!
//! [`Report::new`] builds every table of docs/MODEL.md, "Outputs", from a [`RunResult`], one row set per
//! variant: rows of
//! [`csv`] row types, a [`manifest::Manifest`] and per-cohort [`summary`] lines (`consistency`
//! builds `inconsistency.csv`, `pairwise` the variant pairs of `pairwise.csv`). [`mod@write`] puts
//! them in a results folder atomically. The engine knows nothing of this module; this module
//! never simulates.

mod consistency;
pub mod csv;
pub mod exact;
pub mod folder;
pub mod html;
mod leaks;
pub mod manifest;
pub mod number;
mod pairwise;
pub mod sensitivity;
pub mod shard;
pub mod summary;
pub mod transfer;
pub mod uncertainty;
pub mod write;

use self::csv::{
    AuthorityRow, ChannelRow, ComparisonRow, GapRow, HopsRow, InconsistencyRow, PairwiseRow, RateRow, TimeRow,
    VariantRow, round,
};
use crate::engine::{PerfectArm, RunResult};
use crate::model::{Measure, Milestone};
pub use crate::scenario::BASELINE;
use crate::scenario::{Cohort, Scenario, VariantKind};
use crate::stats::histogram::Histogram;
use crate::stats::interval::{WeightedSum, Z95, wilson};
use crate::stats::{CohortTally, GroupTally};

/// Every result table of one run.
#[derive(Debug, Clone)]
pub struct Report {
    /// `rates.csv`.
    pub rates: Vec<RateRow>,
    /// `times.csv`.
    pub times: Vec<TimeRow>,
    /// `hops.csv`.
    pub hops: Vec<HopsRow>,
    /// `channels.csv`.
    pub channels: Vec<ChannelRow>,
    /// `authorities.csv`.
    pub authorities: Vec<AuthorityRow>,
    /// `gap.csv`.
    pub gap: Vec<GapRow>,
    /// `inconsistency.csv`.
    pub inconsistency: Vec<InconsistencyRow>,
    /// `comparisons.csv` (written when the scenario has variants).
    pub comparisons: Vec<ComparisonRow>,
    /// `pairwise.csv` (written when the scenario has variants).
    pub pairwise: Vec<PairwiseRow>,
    /// `variants.csv`.
    pub variants: Vec<VariantRow>,
    /// `cohorts.csv`.
    pub cohorts: Vec<self::csv::CohortRow>,
    /// `manifest.json`.
    pub manifest: manifest::Manifest,
    /// One line per cohort for the terminal (baseline).
    pub summary: Vec<summary::CohortLine>,
    /// Variants ranked by completed victims per year gained, for the terminal.
    pub ranking: Vec<summary::VariantLine>,
    /// The terminal summary (cohort lines, then the ranking), also saved as `summary.txt`.
    pub text: String,
}

/// A breakdown group of a cohort: its level, key, weight (entry share) and tally.
struct Group {
    level: &'static str,
    key: String,
    weight: f64,
    tally: GroupTally,
}

fn groups(s: &Scenario, cohort: &Cohort, t: &CohortTally) -> Vec<Group> {
    let mut out = vec![Group {
        level: "all",
        key: "*".to_owned(),
        weight: 1.0,
        tally: t.total(),
    }];
    let mut countries: Vec<Group> = Vec::new();
    for (k, &(a, share)) in cohort.entry.iter().enumerate() {
        let auth = &s.authorities()[a];
        out.push(Group {
            level: "entry",
            key: auth.id.clone(),
            weight: share,
            tally: t.entries[k].clone(),
        });
        let code = &s.countries()[auth.country].code;
        match countries.iter_mut().find(|g| &g.key == code) {
            Some(g) => {
                g.weight += share;
                g.tally.merge(&t.entries[k]);
            }
            None => countries.push(Group {
                level: "country",
                key: code.clone(),
                weight: share,
                tally: t.entries[k].clone(),
            }),
        }
    }
    out.extend(countries);
    out
}

fn stats(h: &Histogram) -> (Option<f64>, Option<f64>, Option<f64>) {
    (h.mean(), h.quantile(0.5), h.quantile(0.9))
}

impl Report {
    /// Builds every table from the tallies of a run of `s`: one row set per arm (baseline, then
    /// each variant), the paired comparisons of each variant with the baseline, and the summary.
    pub fn new(s: &Scenario, result: &RunResult) -> Report {
        let mut r = Report {
            rates: Vec::new(),
            times: Vec::new(),
            hops: Vec::new(),
            channels: Vec::new(),
            authorities: Vec::new(),
            gap: Vec::new(),
            inconsistency: Vec::new(),
            comparisons: Vec::new(),
            pairwise: pairwise::rows(s, result),
            variants: variant_rows(s),
            cohorts: self::csv::cohort_rows(s),
            manifest: manifest::Manifest::new(s, result),
            summary: Vec::new(),
            ranking: Vec::new(),
            text: String::new(),
        };
        r.manifest.files = write::names(&Report::tables(r.manifest.has_variants()));
        let trials: Vec<u64> = result.stops.iter().map(|st| st.trials).collect();
        r.add_arm(BASELINE, s, &result.cohorts, &trials);
        for (i, v) in s.variants().iter().enumerate() {
            r.add_arm(&v.name, &v.scenario, &result.variants[i], &trials);
        }
        for (cohort, tally) in s.cohorts().iter().zip(&result.cohorts) {
            r.summary
                .push(summary::CohortLine::new(s, cohort, tally, &tally.total()));
        }
        let paired = !result.config.independent;
        for (i, v) in s.variants().iter().enumerate() {
            let rows = comparison_rows(s, result, i, paired);
            let completed = rows
                .iter()
                .find(|c| c.cohort == ALL_COHORTS && c.measure == Measure::Completed.name());
            let protected = rows
                .iter()
                .find(|c| c.cohort == ALL_COHORTS && c.measure == Measure::Protected.name());
            if let (Some(c), Some(p)) = (completed, protected) {
                // As comparisons.csv holds them (rounded), so the summary is rebuilt exactly.
                let vpy = |x: &ComparisonRow| {
                    (
                        round(x.victims_per_year),
                        round(x.victims_per_year_low),
                        round(x.victims_per_year_high),
                    )
                };
                r.ranking.push(summary::VariantLine {
                    variant: v.name.clone(),
                    completed: vpy(c),
                    protected: vpy(p),
                    gap_closed: None,
                    tied_with_next: None,
                });
            }
            r.comparisons.extend(rows);
        }
        let gap_per_year: f64 = r
            .gap
            .iter()
            .filter(|g| g.variant == BASELINE && g.cohort != ALL_COHORTS)
            .map(|g| g.gap_victims_per_year)
            .sum();
        for line in &mut r.ranking {
            // The total as gap.csv's `*` row holds it.
            line.gap_closed = (gap_per_year > 0.0).then(|| line.completed.0 / round(gap_per_year));
        }
        r.ranking.sort_by(|a, b| b.completed.0.total_cmp(&a.completed.0));
        pairwise::mark_ties(&mut r.ranking, &r.pairwise);
        r.text = summary::text(s, result, &r.summary, &r.ranking);
        r
    }

    /// Adds the rows of one arm: `sc` is its network, `tallies` its tally per cohort and
    /// `trials` the trials simulated per cohort.
    fn add_arm(&mut self, variant: &str, sc: &Scenario, tallies: &[CohortTally], trials: &[u64]) {
        let r = self;
        let variant = variant.to_owned();
        for ((cohort, tally), &n) in sc.cohorts().iter().zip(tallies).zip(trials) {
            let groups = groups(sc, cohort, tally);
            for g in &groups {
                // A measure that does not apply has no row: `protected_in_time` without a horizon.
                for m in Measure::ALL.into_iter().filter(|&m| applies(sc, m)) {
                    let count = g.tally.count(m);
                    let (lo, hi) = wilson(count, g.tally.trials, Z95);
                    // A rate over no trials cannot be computed: empty cells.
                    let known = g.tally.trials > 0;
                    r.rates.push(RateRow {
                        variant: variant.clone(),
                        cohort: cohort.name.clone(),
                        group: g.level,
                        key: g.key.clone(),
                        measure: m.name(),
                        trials: g.tally.trials,
                        count,
                        rate: known.then(|| count as f64 / g.tally.trials as f64),
                        ci_low: known.then_some(lo),
                        ci_high: known.then_some(hi),
                        victims_per_year: cohort.victims * count as f64 / n as f64,
                    });
                }
                for m in Milestone::ALL {
                    let h = &g.tally.times[m.index()];
                    let (mean, p50, p90) = stats(h);
                    r.times.push(TimeRow {
                        variant: variant.clone(),
                        cohort: cohort.name.clone(),
                        group: g.level,
                        key: g.key.clone(),
                        milestone: m.name(),
                        n: h.count(),
                        mean,
                        p50,
                        p90,
                    });
                }
                let hops = &g.tally.hops;
                let (mean, p50, p90) = (hops.mean(), hops.quantile(0.5), hops.quantile(0.9));
                r.hops.push(HopsRow {
                    variant: variant.clone(),
                    cohort: cohort.name.clone(),
                    group: g.level,
                    key: g.key.clone(),
                    n: g.tally.hops.count(),
                    mean,
                    p50,
                    p90,
                });
            }
            let (g, actual) = tally.gap(Z95);
            r.gap.push(GapRow {
                variant: variant.clone(),
                cohort: cohort.name.clone(),
                completed_actual: actual,
                completed_perfect: actual + g.gap,
                gap: g.gap,
                ci_low: g.lo,
                ci_high: g.hi,
                discordant_share: g.mean_abs,
                gap_victims_per_year: g.gap * cohort.victims,
                perfect_arm: perfect_arm_name(tally),
            });
            r.inconsistency
                .extend(consistency::rows(&variant, &cohort.name, &groups));
        }
        r.channels.extend(leaks::channel_rows(sc, tallies, trials, &variant));
        r.authorities
            .extend(leaks::authority_rows(sc, tallies, trials, &variant));
        if let Some(row) = gap_total(sc, tallies, &variant) {
            r.gap.push(row);
        }
    }
}

/// The `*` row of `gap.csv` for one arm: every cohort weighted by its victims per year, with the
/// cohorts' paired interval arms added in quadrature on each side (MOVER, as the `*` rows of
/// `comparisons.csv`; with one cohort it repeats the cohort's row). `None` when no cohort has
/// victims.
fn gap_total(sc: &Scenario, tallies: &[CohortTally], variant: &str) -> Option<GapRow> {
    let total: f64 = sc.cohorts().iter().map(|c| c.victims).sum();
    if total <= 0.0 {
        return None;
    }
    let (mut actual, mut perfect, mut disc) = (0.0, 0.0, 0.0);
    let mut gap = WeightedSum::default();
    for (cohort, tally) in sc.cohorts().iter().zip(tallies) {
        let (g, rate) = tally.gap(Z95);
        let w = cohort.victims;
        actual += w * rate;
        perfect += w * (rate + g.gap);
        gap.add(w, (g.gap, g.lo, g.hi));
        disc += w * g.mean_abs;
    }
    let mut arms = tallies.iter().map(perfect_arm_name);
    let first = arms.next().unwrap_or(PerfectArm::default().name());
    let perfect_arm = if arms.all(|a| a == first) { first } else { "mixed" };
    let (gap, lo, hi) = gap.interval();
    Some(GapRow {
        variant: variant.to_owned(),
        cohort: ALL_COHORTS.to_owned(),
        completed_actual: actual / total,
        completed_perfect: perfect / total,
        gap: gap / total,
        ci_low: lo / total,
        ci_high: hi / total,
        discordant_share: disc / total,
        gap_victims_per_year: gap,
        perfect_arm,
    })
}

/// How a tally's perfect arm was estimated, as `gap.csv` names it.
fn perfect_arm_name(t: &CohortTally) -> &'static str {
    let arm = if t.perfect_simulated {
        PerfectArm::Simulated
    } else {
        PerfectArm::Conditional
    };
    arm.name()
}

/// The `cohort` key of comparison rows that combine every cohort, weighted by victims per year.
pub const ALL_COHORTS: &str = "*";

/// Whether measure `m` applies to the simulated results of `s`: every measure but
/// `protected_in_time` without a horizon. A measure that does not apply has no row in any table
/// (docs/MODEL.md, "Outputs").
pub(crate) fn applies(s: &Scenario, m: Measure) -> bool {
    m != Measure::ProtectedInTime || s.horizon_days().is_some()
}

/// The rows of `comparisons.csv` for variant `i`: per cohort and measure, then every cohort
/// together weighted by victims per year. The combined interval adds the cohorts' independent
/// interval arms in quadrature on each side (MOVER; Zou & Donner 2008, *Construction of
/// confidence limits about effect measures: a general approach*, Stat Med 27:1693).
fn comparison_rows(s: &Scenario, result: &RunResult, i: usize, paired: bool) -> Vec<ComparisonRow> {
    let variant = &s.variants()[i].name;
    let total_victims: f64 = s.cohorts().iter().map(|c| c.victims).sum();
    let mut rows = Vec::new();
    for m in Measure::ALL {
        if !applies(s, m) {
            continue;
        }
        // Victims-weighted sums over cohorts: rates, difference, squared interval arms.
        let (mut base, mut var, mut disc) = (0.0, 0.0, 0.0);
        let mut diff = WeightedSum::default();
        for (c, cohort) in s.cohorts().iter().enumerate() {
            let t = result.versus_baseline(i, c, m);
            let (d, lo, hi) = if paired {
                t.difference(Z95)
            } else {
                t.difference_unpaired(Z95)
            };
            rows.push(ComparisonRow {
                variant: variant.clone(),
                cohort: cohort.name.clone(),
                measure: m.name(),
                baseline_rate: t.rate_a(),
                variant_rate: t.rate_b(),
                difference: d,
                ci_low: lo,
                ci_high: hi,
                discordant_share: t.discordant_share(),
                trials: t.n(),
                victims_per_year: d * cohort.victims,
                victims_per_year_low: lo * cohort.victims,
                victims_per_year_high: hi * cohort.victims,
                method: if paired { "paired" } else { "independent" },
            });
            let w = cohort.victims;
            base += w * t.rate_a();
            var += w * t.rate_b();
            diff.add(w, (d, lo, hi));
            disc += w * t.discordant_share();
        }
        if total_victims > 0.0 && s.cohorts().len() > 1 {
            let (diff, lo, hi) = diff.interval();
            rows.push(ComparisonRow {
                variant: variant.clone(),
                cohort: ALL_COHORTS.to_owned(),
                measure: m.name(),
                baseline_rate: base / total_victims,
                variant_rate: var / total_victims,
                difference: diff / total_victims,
                ci_low: lo / total_victims,
                ci_high: hi / total_victims,
                discordant_share: disc / total_victims,
                trials: result.stops.iter().map(|st| st.trials).sum(),
                victims_per_year: diff,
                victims_per_year_low: lo,
                victims_per_year_high: hi,
                method: if paired { "paired" } else { "independent" },
            });
        }
    }
    // With one cohort, the cohort's rows are the all-cohort figures; repeat them under `*` so
    // that scripts and the ranking find the combined rows (with several cohorts and no victims
    // at all there is no weighting, hence no `*` rows and no ranking).
    if s.cohorts().len() == 1 {
        let extra: Vec<ComparisonRow> = rows
            .iter()
            .map(|r| ComparisonRow {
                cohort: ALL_COHORTS.to_owned(),
                ..r.clone()
            })
            .collect();
        rows.extend(extra);
    }
    rows
}

/// `variants.csv`: what each variant is (one row per sweep axis value).
fn variant_rows(s: &Scenario) -> Vec<VariantRow> {
    let mut rows = vec![VariantRow {
        variant: BASELINE.to_owned(),
        kind: "baseline",
        sweep: None,
        axis: None,
        value: None,
        description: s.description().to_owned(),
    }];
    for v in s.variants() {
        match &v.kind {
            VariantKind::Intervention => rows.push(VariantRow {
                variant: v.name.clone(),
                kind: v.kind.name(),
                sweep: None,
                axis: None,
                value: None,
                description: v.description.clone(),
            }),
            VariantKind::SweepPoint { sweep, values } => {
                for (axis, value) in values {
                    rows.push(VariantRow {
                        variant: v.name.clone(),
                        kind: v.kind.name(),
                        sweep: Some(sweep.clone()),
                        axis: Some(axis.clone()),
                        value: Some(*value),
                        description: v.description.clone(),
                    });
                }
            }
        }
    }
    rows
}
