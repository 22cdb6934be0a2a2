//! The large tables of `refgap uncertainty` (`samples.csv`, `outcomes.csv`, `plausible.csv`)
//! written into the staging folder as the worlds are evaluated, a chunk at a time, so that their
//! bytes are never held in memory; and the compact numbers the small tables are computed from.
//!
//! What is kept per world is what the estimators read: victims per year of each outcome, arm and
//! cohort (then `*`), one `f64` each (summary quantiles need every world's value, so this part
//! grows with the number of worlds: `8 × outcomes × arms × (cohorts + 1)` bytes per world), and
//! whether the world is plausible. Everything else (factor values, observed values, row text)
//! goes to disk and is dropped.

use super::{OutcomeRow, PlausibleRow, SampleRow, UncertaintyReport};
use crate::error::{Error, Result};
use crate::report::csv::{CsvRow, CsvWriter};
use crate::report::folder::{OutputFolder, StagedFile};
use crate::report::sensitivity::Design;
use crate::report::{ALL_COHORTS, BASELINE};
use crate::scenario::{Scenario, VariantKind};
use crate::stats::world::{OUTCOME_NAMES, Sample};

/// The name of the measure only simulated worlds with a horizon have.
pub const IN_TIME: &str = "protected_in_time";

/// The numbers of every evaluated world that the summary, ranking, pairwise and sensitivity
/// tables need, in design order.
#[derive(Debug, Clone)]
pub struct Numbers {
    /// `baseline`, then the interventions.
    pub arms: Vec<String>,
    /// The cohorts, then `*`.
    pub cohorts: Vec<String>,
    /// Victims per year of each cohort, then their sum.
    pub weights: Vec<f64>,
    /// The outcomes: [`OUTCOME_NAMES`], then [`IN_TIME`] when the worlds have it.
    pub measures: Vec<&'static str>,
    /// Victims per year, world by world, arm by arm, cohort by cohort, outcome by outcome.
    vpy: Vec<f64>,
    /// Whether each world reproduces every observed figure.
    pub plausible: Vec<bool>,
    /// Per observed figure ruling out at least one world, in order of first appearance, the
    /// number of worlds it rules out.
    pub outside: Vec<(String, usize)>,
}

impl Numbers {
    /// Worlds recorded.
    pub fn worlds(&self) -> usize {
        self.plausible.len()
    }

    fn stride(&self) -> usize {
        self.arms.len() * self.cohorts.len() * self.measures.len()
    }

    /// Victims per year of outcome `m` of cohort `c` (`cohorts.len() - 1` is `*`) in arm `a` of
    /// world `i`.
    pub fn at(&self, i: usize, a: usize, c: usize, m: usize) -> f64 {
        self.vpy[i * self.stride() + (a * self.cohorts.len() + c) * self.measures.len() + m]
    }

    /// Appends one world: per arm, per cohort, its rates times the cohort's victims, then their
    /// sum over cohorts (`*`).
    fn push(&mut self, s: &Scenario, sample: &Sample) {
        let in_time = self.measures.len() > OUTCOME_NAMES.len();
        for (a, arm) in sample.arms.iter().enumerate() {
            let mut total = vec![0.0; self.measures.len()];
            for (c, rates) in arm.iter().enumerate() {
                let w = self.weights[c];
                let mut row: Vec<f64> = rates.iter().map(|r| r * w).collect();
                if in_time {
                    row.push(sample.in_time[a][c] * w);
                }
                for (t, v) in total.iter_mut().zip(&row) {
                    *t += v;
                }
                self.vpy.extend(row);
            }
            self.vpy.extend(total);
        }
        let plausible = sample.plausible(s);
        self.plausible.push(plausible);
        for (o, v) in s.observed().iter().zip(&sample.observed) {
            if !(o.lo..=o.hi).contains(v) {
                match self.outside.iter_mut().find(|(n, _)| *n == o.name) {
                    Some(e) => e.1 += 1,
                    None => self.outside.push((o.name.clone(), 1)),
                }
            }
        }
    }
}

/// A table streamed into the staging folder.
struct Stream {
    csv: CsvWriter<StagedFile>,
    path: std::path::PathBuf,
}

impl Stream {
    fn open<T: CsvRow>(folder: &OutputFolder) -> Result<Stream> {
        let file = folder.stage(T::FILE)?;
        let path = file.path().to_path_buf();
        let csv = CsvWriter::new::<T>(file).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        Ok(Stream { csv, path })
    }

    fn write<R: serde::Serialize>(&mut self, row: &R) -> Result<()> {
        self.csv.write(row).map_err(|source| Error::Write {
            path: self.path.clone(),
            source,
        })
    }

    fn finish(self) -> Result<()> {
        let path = self.path;
        self.csv
            .finish()
            .map_err(|source| Error::Write { path, source })?
            .finish()
    }
}

/// Writes the large tables of one uncertainty run as its worlds come, and keeps their
/// [`Numbers`]; [`finish`](UncertaintyWriter::finish) then makes the small tables.
pub struct UncertaintyWriter<'a> {
    s: &'a Scenario,
    samples: Stream,
    outcomes: Stream,
    plausible: Option<Stream>,
    numbers: Numbers,
}

impl std::fmt::Debug for UncertaintyWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UncertaintyWriter")
            .field("worlds", &self.numbers.worlds())
            .finish_non_exhaustive()
    }
}

impl<'a> UncertaintyWriter<'a> {
    /// Starts the tables of an uncertainty run of `s` in `folder`'s staging area. `in_time`:
    /// the worlds carry `protected_in_time` (simulated, with a horizon).
    pub fn start(folder: &OutputFolder, s: &'a Scenario, in_time: bool) -> Result<UncertaintyWriter<'a>> {
        let mut arms = vec![BASELINE.to_owned()];
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
        let mut measures = OUTCOME_NAMES.to_vec();
        if in_time {
            measures.push(IN_TIME);
        }
        Ok(UncertaintyWriter {
            s,
            samples: Stream::open::<SampleRow>(folder)?,
            outcomes: Stream::open::<OutcomeRow>(folder)?,
            plausible: if s.observed().is_empty() {
                None
            } else {
                Some(Stream::open::<PlausibleRow>(folder)?)
            },
            numbers: Numbers {
                arms,
                cohorts,
                weights,
                measures,
                vpy: Vec::new(),
                plausible: Vec::new(),
                outside: Vec::new(),
            },
        })
    }

    /// Writes the rows of the next worlds (in design order) and keeps their numbers.
    pub fn push(&mut self, worlds: &[Sample]) -> Result<()> {
        for sample in worlds {
            let i = self.numbers.worlds();
            for (f, v) in self.s.factors().iter().zip(&sample.values) {
                self.samples.write(&SampleRow {
                    sample: i,
                    factor: f.name.clone(),
                    value: *v,
                })?;
            }
            self.numbers.push(self.s, sample);
            let n = &self.numbers;
            for (a, name) in n.arms.iter().enumerate() {
                for (c, (cohort, w)) in n.cohorts.iter().zip(&n.weights).enumerate() {
                    for (m, measure) in n.measures.iter().enumerate() {
                        let v = n.at(i, a, c, m);
                        self.outcomes.write(&OutcomeRow {
                            sample: i,
                            variant: name.clone(),
                            cohort: cohort.clone(),
                            measure,
                            // A cohort with no victims keeps no rate (only victims per year are kept): empty.
                            rate: (*w > 0.0).then(|| v / w),
                            victims_per_year: v,
                        })?;
                    }
                }
            }
            if let Some(p) = self.plausible.as_mut() {
                for (o, v) in self.s.observed().iter().zip(&sample.observed) {
                    p.write(&PlausibleRow {
                        sample: i,
                        observation: o.name.clone(),
                        value: *v,
                        inside: (o.lo..=o.hi).contains(v),
                    })?;
                }
            }
        }
        Ok(())
    }

    /// Flushes the streamed tables to disk and computes the small ones from the numbers of the
    /// worlds of `design` (from `seed`); `trials`: the worlds were simulated with that many
    /// trials per cohort instead of solved exactly.
    pub fn finish(self, design: &Design, seed: u64, trials: Option<u64>) -> Result<UncertaintyReport> {
        self.samples.finish()?;
        self.outcomes.finish()?;
        if let Some(p) = self.plausible {
            p.finish()?;
        }
        Ok(UncertaintyReport::new(self.s, &self.numbers, design, seed, trials))
    }
}
