//! Simulated outcomes of sampled worlds (`refgap uncertainty --simulate`): for each point of a
//! design over the scenario's uncertain factors, the world it makes ([`Scenario::world`])
//! simulated by [`run`] in the baseline and in every intervention, each with its
//! perfect-communication twin for the gap.
//!
//! **Common random numbers across worlds.** Every world is simulated with the same [`RunConfig`]
//! (seed, trials): since a trial's words depend only on (seed, cohort name, trial index), trial
//! `i` of a cohort sees the same words in every world and every arm, so differences between
//! worlds and arms are not blurred by independent noise. Each rate is still an estimate from
//! `trials` simulated victims per cohort (binomial noise, see the README), unlike the exact
//! solver's; what the simulation adds is `protected_in_time` when the scenario has a horizon.
//! Points are evaluated in parallel and returned in design order; results do not depend on the
//! thread count. Nothing here reads or writes files.

use rayon::prelude::*;

use super::{RunConfig, run};
use crate::model::Measure;
use crate::scenario::Scenario;
use crate::stats::CohortTally;
use crate::stats::interval::ratio;
use crate::stats::world::{Arm, MEASURES, Sample};

/// Per cohort, the simulated rate of every measure at each entry point (count / trials there).
fn entry_rates(tallies: &[CohortTally]) -> Vec<Vec<[f64; Measure::COUNT]>> {
    tallies
        .iter()
        .map(|t| {
            t.entries
                .iter()
                .map(|e| Measure::ALL.map(|m| ratio(e.count(m), e.trials)))
                .collect()
        })
        .collect()
}

/// The rates of one simulated arm (see [`Arm`]): count / trials of the cohort, and the gap as the
/// perfect-communication twin's completed rate minus the arm's, on the same trials.
fn arm(tallies: &[CohortTally]) -> Arm {
    tallies
        .iter()
        .map(|t| {
            let total = t.total();
            let mut out = [0.0; 6];
            for (o, m) in out.iter_mut().zip(MEASURES) {
                *o = ratio(total.count(m), total.trials);
            }
            out[5] = t.gap(crate::stats::interval::Z95).0.gap;
            out
        })
        .collect()
}

/// Simulates one point: its world, in every arm, on the streams of `config`.
pub fn simulate(s: &Scenario, point: &[f64], config: &RunConfig) -> crate::Result<Sample> {
    let values: Vec<f64> = s.factors().iter().zip(point).map(|(f, &u)| f.value(u)).collect();
    let (world, clamped) = s.world(&values)?;
    let result = run(&world, config, &|_| {});
    let base = entry_rates(&result.cohorts);
    let observed = s.observed().iter().map(|o| o.value(&world, |c| &base[c])).collect();
    let horizon = world.horizon_days().is_some();
    let arms_count = 1 + result.variants.len();
    let in_time = if horizon {
        (0..arms_count)
            .map(|v| {
                result
                    .arm(v)
                    .iter()
                    .map(|t| ratio(t.total().count(Measure::ProtectedInTime), t.trials()))
                    .collect()
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Sample {
        values,
        clamped,
        arms: (0..arms_count).map(|v| arm(result.arm(v))).collect(),
        in_time,
        observed,
    })
}

/// Simulates every point of a design, in parallel, in design order; `progress` is called once
/// per point.
pub fn simulate_all(
    s: &Scenario,
    points: &[Vec<f64>],
    config: &RunConfig,
    progress: &(dyn Fn() + Sync),
) -> crate::Result<Vec<Sample>> {
    points
        .par_iter()
        .map(|p| {
            let out = simulate(s, p, config);
            progress();
            out
        })
        .collect()
}
