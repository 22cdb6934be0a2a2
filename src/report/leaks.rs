//! Where cases end, per cohort and for all cohorts: the rows of `channels.csv` (the leak map,
//! split before and after the goal) and `authorities.csv` (arrivals, closes, stalls of each kind,
//! dropouts), built from the tallies of one arm.
//!
//! **All-cohort rows are weighted by victims, never by trials.** A `cohort = *` row's rates are
//! the victims-weighted means of the cohorts' rates (each a count over the cohort's own trials)
//! and its per-year figures are sums over cohorts; so a cohort that ran more trials (with
//! `--precision`, cohorts stop at different stages) weighs no more than its victims say. Its
//! counts are plain sums of simulated events, for reference. With no victims in any cohort the
//! cohorts weigh equally (as in `ranking.csv`).

use super::ALL_COHORTS;
use super::csv::{AuthorityRow, ChannelRow};
use crate::scenario::Scenario;
use crate::stats::{AuthorityCounts, ChannelCounts, CohortTally};

/// How the cohorts of a run combine into `*` rows: per cohort, its victims per year, its trials
/// and its weight (victims over total victims, or equal weights when no cohort has victims).
struct Cohorts<'a> {
    names: Vec<&'a str>,
    victims: Vec<f64>,
    trials: Vec<u64>,
    weight: Vec<f64>,
}

impl<'a> Cohorts<'a> {
    fn new(s: &'a Scenario, trials: &[u64]) -> Cohorts<'a> {
        let victims: Vec<f64> = s.cohorts().iter().map(|c| c.victims).collect();
        let total: f64 = victims.iter().sum();
        let weight = if total > 0.0 {
            victims.iter().map(|v| v / total).collect()
        } else {
            vec![1.0 / victims.len().max(1) as f64; victims.len()]
        };
        Cohorts {
            names: s.cohorts().iter().map(|c| c.name.as_str()).collect(),
            victims,
            trials: trials.to_vec(),
            weight,
        }
    }

    /// `count` of cohort `c` per simulated victim.
    fn rate(&self, c: usize, count: u64) -> f64 {
        count as f64 / self.trials[c].max(1) as f64
    }

    /// The victims-weighted mean of a per-cohort rate.
    fn mean_rate(&self, count: impl Fn(usize) -> u64) -> f64 {
        (0..self.trials.len())
            .map(|c| self.weight[c] * self.rate(c, count(c)))
            .sum()
    }

    /// `count` of cohort `c` in victims per year (computed as `rates.csv` computes it, so the
    /// two files agree to the last digit).
    fn per_year(&self, c: usize, count: u64) -> f64 {
        self.victims[c] * count as f64 / self.trials[c].max(1) as f64
    }

    /// The sum over cohorts of a count in victims per year.
    fn total_per_year(&self, count: impl Fn(usize) -> u64) -> f64 {
        (0..self.trials.len()).map(|c| self.per_year(c, count(c))).sum()
    }
}

/// `part / whole`, empty when `whole` is 0.
fn share(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole)
}

/// The rows of `channels.csv` for one arm: per cohort, the channels it used (an attempt made),
/// in channel order; then every channel with `cohort = *`.
pub(super) fn channel_rows(s: &Scenario, tallies: &[CohortTally], trials: &[u64], variant: &str) -> Vec<ChannelRow> {
    let k = Cohorts::new(s, trials);
    let row = |e: usize, cohort: &str, sum: &ChannelCounts| {
        let ch = &s.channels()[e];
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
            loss_share: None,
            misclassified: sum.misclassified,
            lost_per_year: 0.0,
            leaked_per_year: 0.0,
            cohort: cohort.to_owned(),
            leaked_before_goal: sum.leaked_before_goal(),
            leaked_after_goal: sum.leaked_after_goal(),
            leaked_before_goal_rate: None,
            leaked_after_goal_rate: None,
            leaked_before_goal_per_year: 0.0,
            leaked_after_goal_per_year: 0.0,
            movement: ch.movement,
            from_country: s.countries()[s.authorities()[ch.from].country].code.clone(),
            to_country: s.countries()[s.authorities()[ch.to].country].code.clone(),
            cross_border: ch.cross_border,
            formal: ch.formal,
        }
    };
    let mut rows = Vec::new();
    for (c, t) in tallies.iter().enumerate() {
        let cohort_losses: u64 = t.channels.iter().map(|x| x.losses).sum();
        for (e, x) in t.channels.iter().enumerate().filter(|(_, x)| x.attempts > 0) {
            rows.push(ChannelRow {
                loss_share: share(x.losses as f64, cohort_losses as f64),
                lost_per_year: k.per_year(c, x.losses),
                leaked_per_year: k.per_year(c, x.leaked()),
                leaked_before_goal_rate: Some(k.rate(c, x.leaked_before_goal())),
                leaked_after_goal_rate: Some(k.rate(c, x.leaked_after_goal())),
                leaked_before_goal_per_year: k.per_year(c, x.leaked_before_goal()),
                leaked_after_goal_per_year: k.per_year(c, x.leaked_after_goal()),
                ..row(e, k.names[c], x)
            });
        }
    }
    // Victims-weighted lost rate of all channels together: the denominator of `*` loss shares.
    let all_lost = k.mean_rate(|c| tallies[c].channels.iter().map(|x| x.losses).sum());
    for e in 0..s.channels().len() {
        let mut sum = ChannelCounts::default();
        for t in tallies {
            sum.merge(&t.channels[e]);
        }
        let at = |f: fn(&ChannelCounts) -> u64| move |c: usize| f(&tallies[c].channels[e]);
        rows.push(ChannelRow {
            loss_share: share(k.mean_rate(at(|x| x.losses)), all_lost),
            lost_per_year: k.total_per_year(at(|x| x.losses)),
            leaked_per_year: k.total_per_year(at(ChannelCounts::leaked)),
            leaked_before_goal_rate: (!tallies.is_empty()).then(|| k.mean_rate(at(ChannelCounts::leaked_before_goal))),
            leaked_after_goal_rate: (!tallies.is_empty()).then(|| k.mean_rate(at(ChannelCounts::leaked_after_goal))),
            leaked_before_goal_per_year: k.total_per_year(at(ChannelCounts::leaked_before_goal)),
            leaked_after_goal_per_year: k.total_per_year(at(ChannelCounts::leaked_after_goal)),
            ..row(e, ALL_COHORTS, &sum)
        });
    }
    rows
}

/// The rows of `authorities.csv` for one arm: per cohort, the authorities its cases visited (an
/// entry or an arrival), in authority order; then every authority with `cohort = *`.
pub(super) fn authority_rows(
    s: &Scenario,
    tallies: &[CohortTally],
    trials: &[u64],
    variant: &str,
) -> Vec<AuthorityRow> {
    let k = Cohorts::new(s, trials);
    // Referrals delivered from each authority, per cohort.
    let referred: Vec<Vec<u64>> = tallies
        .iter()
        .map(|t| {
            let mut out = vec![0; s.authorities().len()];
            for (ch, x) in s.channels().iter().zip(&t.channels) {
                out[ch.from] += x.delivered();
            }
            out
        })
        .collect();
    let row = |a: usize, cohort: &str, n: u64, sum: &AuthorityCounts, referred: u64| {
        let auth = &s.authorities()[a];
        AuthorityRow {
            variant: variant.to_owned(),
            cohort: cohort.to_owned(),
            authority: auth.id.clone(),
            country: s.countries()[auth.country].code.clone(),
            kind: auth.kind.name(),
            trials: n,
            entered: sum.entered,
            arrivals: sum.arrivals,
            referred,
            closed: sum.closed,
            stalled_hole: sum.stalled_hole,
            stalled_max_hops: sum.stalled_max_hops,
            dropped: sum.dropped,
            lost: sum.lost,
            misclassified: sum.misclassified,
            closed_rate: None,
            stalled_hole_rate: None,
            stalled_max_hops_rate: None,
            dropped_rate: None,
            closed_per_year: 0.0,
            stalled_hole_per_year: 0.0,
            stalled_max_hops_per_year: 0.0,
            dropped_per_year: 0.0,
        }
    };
    let mut rows = Vec::new();
    for (c, t) in tallies.iter().enumerate() {
        let visited = t
            .authorities
            .iter()
            .enumerate()
            .filter(|(_, x)| x.entered + x.arrivals > 0);
        for (a, x) in visited {
            rows.push(AuthorityRow {
                closed_rate: Some(k.rate(c, x.closed)),
                stalled_hole_rate: Some(k.rate(c, x.stalled_hole)),
                stalled_max_hops_rate: Some(k.rate(c, x.stalled_max_hops)),
                dropped_rate: Some(k.rate(c, x.dropped)),
                closed_per_year: k.per_year(c, x.closed),
                stalled_hole_per_year: k.per_year(c, x.stalled_hole),
                stalled_max_hops_per_year: k.per_year(c, x.stalled_max_hops),
                dropped_per_year: k.per_year(c, x.dropped),
                ..row(a, k.names[c], trials[c], x, referred[c][a])
            });
        }
    }
    let known = !tallies.is_empty();
    for a in 0..s.authorities().len() {
        let mut sum = AuthorityCounts::default();
        for t in tallies {
            sum.merge(&t.authorities[a]);
        }
        let at = |f: fn(&AuthorityCounts) -> u64| move |c: usize| f(&tallies[c].authorities[a]);
        let n = trials.iter().sum();
        rows.push(AuthorityRow {
            closed_rate: known.then(|| k.mean_rate(at(|x| x.closed))),
            stalled_hole_rate: known.then(|| k.mean_rate(at(|x| x.stalled_hole))),
            stalled_max_hops_rate: known.then(|| k.mean_rate(at(|x| x.stalled_max_hops))),
            dropped_rate: known.then(|| k.mean_rate(at(|x| x.dropped))),
            closed_per_year: k.total_per_year(at(|x| x.closed)),
            stalled_hole_per_year: k.total_per_year(at(|x| x.stalled_hole)),
            stalled_max_hops_per_year: k.total_per_year(at(|x| x.stalled_max_hops)),
            dropped_per_year: k.total_per_year(at(|x| x.dropped)),
            ..row(a, ALL_COHORTS, n, &sum, referred.iter().map(|r| r[a]).sum())
        });
    }
    rows
}
