//! Results as plain data, and the only code that turns them into bytes and files.
//!
//! [`Report::new`] builds every table of MODEL.md "Outputs" from a [`RunResult`]: rows of
//! [`csv`] row types, a [`manifest::Manifest`] and per-cohort [`summary`] lines. [`mod@write`] puts
//! them in a results folder atomically. The engine knows nothing of this module; this module
//! never simulates.

pub mod csv;
pub mod exact;
pub mod manifest;
pub mod summary;
pub mod write;

use self::csv::{ChannelRow, GapRow, HopsRow, InconsistencyRow, RateRow, TimeRow};
use crate::engine::RunResult;
use crate::model::{Measure, Milestone};
use crate::scenario::{Cohort, Scenario};
use crate::stats::gap::spread;
use crate::stats::histogram::Histogram;
use crate::stats::interval::{Z95, wilson};
use crate::stats::{CohortTally, GroupTally};

/// The variant name of the scenario as given.
pub const BASELINE: &str = "baseline";

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
    /// `gap.csv`.
    pub gap: Vec<GapRow>,
    /// `inconsistency.csv`.
    pub inconsistency: Vec<InconsistencyRow>,
    /// `manifest.json`.
    pub manifest: manifest::Manifest,
    /// One line per cohort for the terminal.
    pub summary: Vec<summary::CohortLine>,
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
    /// Builds every table from the tallies of a run of `s`.
    pub fn new(s: &Scenario, result: &RunResult) -> Report {
        let variant = BASELINE.to_owned();
        let trials = result.config.trials;
        let mut r = Report {
            rates: Vec::new(),
            times: Vec::new(),
            hops: Vec::new(),
            channels: Vec::new(),
            gap: Vec::new(),
            inconsistency: Vec::new(),
            manifest: manifest::Manifest::new(s, &result.config),
            summary: Vec::new(),
        };
        for (cohort, tally) in s.cohorts().iter().zip(&result.cohorts) {
            let groups = groups(s, cohort, tally);
            for g in &groups {
                for m in Measure::ALL {
                    let applicable = m != Measure::ProtectedInTime || s.horizon_days().is_some();
                    let count = g.tally.count(m);
                    let (lo, hi) = wilson(count, g.tally.trials, Z95);
                    let known = applicable && g.tally.trials > 0;
                    r.rates.push(RateRow {
                        variant: variant.clone(),
                        cohort: cohort.name.clone(),
                        group: g.level,
                        key: g.key.clone(),
                        measure: m.name(),
                        trials: g.tally.trials,
                        count: applicable.then_some(count),
                        rate: known.then(|| count as f64 / g.tally.trials as f64),
                        ci_low: known.then_some(lo),
                        ci_high: known.then_some(hi),
                        victims_per_year: applicable.then(|| cohort.victims * count as f64 / trials as f64),
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
            let pair = &tally.perfect(Measure::Completed);
            let (gap, lo, hi) = pair.difference(Z95);
            r.gap.push(GapRow {
                variant: variant.clone(),
                cohort: cohort.name.clone(),
                completed_actual: pair.rate_a(),
                completed_perfect: pair.rate_b(),
                gap,
                ci_low: lo,
                ci_high: hi,
                discordant_share: pair.discordant_share(),
                gap_victims_per_year: gap * cohort.victims,
            });
            for level in ["entry", "country"] {
                let level_groups: Vec<&Group> = groups.iter().filter(|g| g.level == level).collect();
                let points: Vec<(f64, f64)> = level_groups
                    .iter()
                    .map(|g| {
                        let rate = g.tally.count(Measure::Completed) as f64 / g.tally.trials.max(1) as f64;
                        (if g.tally.trials > 0 { g.weight } else { 0.0 }, rate)
                    })
                    .collect();
                let sp = spread(&points);
                r.inconsistency.push(InconsistencyRow {
                    variant: variant.clone(),
                    cohort: cohort.name.clone(),
                    level,
                    weighted_sd: sp.map(|x| x.weighted_sd),
                    range: sp.map(|x| x.range),
                    min_key: sp.map(|x| level_groups[x.min_group].key.clone()),
                    max_key: sp.map(|x| level_groups[x.max_group].key.clone()),
                    min_rate: sp.map(|x| points[x.min_group].1),
                    max_rate: sp.map(|x| points[x.max_group].1),
                });
            }
            r.summary
                .push(summary::CohortLine::new(s, cohort, tally, &groups[0].tally));
        }
        r.channels = channel_rows(s, result, &variant);
        r
    }
}

fn channel_rows(s: &Scenario, result: &RunResult, variant: &str) -> Vec<ChannelRow> {
    let trials = result.config.trials as f64;
    let total_losses: u64 = result.cohorts.iter().flat_map(|t| &t.channels).map(|c| c.losses).sum();
    s.channels()
        .iter()
        .enumerate()
        .map(|(e, ch)| {
            let mut sum = crate::stats::ChannelCounts::default();
            let (mut lost_py, mut leaked_py) = (0.0, 0.0);
            for (cohort, t) in s.cohorts().iter().zip(&result.cohorts) {
                let c = &t.channels[e];
                sum.merge(c);
                lost_py += cohort.victims * c.losses as f64 / trials;
                leaked_py += cohort.victims * c.leaked() as f64 / trials;
            }
            ChannelRow {
                variant: variant.to_owned(),
                channel: ch.id.clone(),
                from: s.authorities()[ch.from].id.clone(),
                to: s.authorities()[ch.to].id.clone(),
                attempts: sum.attempts,
                failures: sum.failures,
                losses: sum.losses,
                dropouts: sum.dropouts,
                degraded: sum.degraded,
                loss_share: (total_losses > 0).then(|| sum.losses as f64 / total_losses as f64),
                misclassified: sum.misclassified,
                lost_per_year: lost_py,
                leaked_per_year: leaked_py,
            }
        })
        .collect()
}
