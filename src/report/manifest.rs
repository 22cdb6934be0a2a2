//! `manifest.json`: what produced a results folder. It holds only what determines the results
//! (tool version, scenario hash, seed, trials, format constants, variants, cohorts, files), no
//! clock time or thread count, so two runs of the same inputs give byte-identical folders.

use serde::Serialize;

use crate::engine::stream::WINDOW_WORDS;
use crate::engine::{BLOCK_TRIALS, RunConfig};
use crate::scenario::Scenario;

/// The manifest of a results folder.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Manifest {
    /// Always `refgap`.
    pub tool: &'static str,
    /// The crate version that wrote the folder.
    pub version: &'static str,
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// Seed of every stream.
    pub seed: u64,
    /// Trials per cohort.
    pub trials: u64,
    /// Trials per block (a format constant).
    pub block_trials: u64,
    /// Words in each trial's stream window (a format constant).
    pub window_words: usize,
    /// Variants in the tables.
    pub variants: Vec<String>,
    /// Cohorts in the tables.
    pub cohorts: Vec<CohortInfo>,
    /// Files of the folder, manifest excluded.
    pub files: Vec<&'static str>,
}

/// Scenario identity in the manifest.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScenarioInfo {
    /// Scenario name.
    pub name: String,
    /// File it was read from.
    pub file: String,
    /// SHA-256 of the file and its CSV tables.
    pub sha256: String,
    /// Deadline of `protected_in_time`, if any.
    pub horizon_days: Option<f64>,
    /// Hop limit.
    pub max_hops: u32,
}

/// Cohort identity in the manifest.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CohortInfo {
    /// Cohort name.
    pub name: String,
    /// Victims per year.
    pub victims: f64,
    /// Goal milestones.
    pub goal: Vec<&'static str>,
}

impl Manifest {
    /// The manifest of a run of `s` with `config`.
    pub fn new(s: &Scenario, config: &RunConfig) -> Manifest {
        use super::csv::{ChannelRow, CsvRow, GapRow, HopsRow, InconsistencyRow, RateRow, TimeRow};
        Manifest {
            tool: "refgap",
            version: env!("CARGO_PKG_VERSION"),
            scenario: ScenarioInfo {
                name: s.name().to_owned(),
                file: s.source().path.display().to_string(),
                sha256: s.source().sha256.clone(),
                horizon_days: s.horizon_days(),
                max_hops: s.max_hops(),
            },
            seed: config.seed,
            trials: config.trials,
            block_trials: BLOCK_TRIALS,
            window_words: WINDOW_WORDS,
            variants: vec![super::BASELINE.to_owned()],
            cohorts: s
                .cohorts()
                .iter()
                .map(|c| CohortInfo {
                    name: c.name.clone(),
                    victims: c.victims,
                    goal: c.goal.iter().map(|g| g.name()).collect(),
                })
                .collect(),
            files: vec![
                RateRow::FILE,
                TimeRow::FILE,
                HopsRow::FILE,
                ChannelRow::FILE,
                GapRow::FILE,
                InconsistencyRow::FILE,
            ],
        }
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("the manifest is plain data");
        v.push(b'\n');
        v
    }
}
