//! Shard files: the integer tallies of part of a run, written by `refgap run --shard I/N` (one
//! file per shard, `OUT/NAME-shards/shard-IIIII.json`) and by a resumable run (its checkpoints),
//! read back and checked by `refgap merge`, `refgap missing` and `refgap run --resume` (a
//! checkpoint is a shard of the run's first work items, rewritten as the run goes).
//!
//! **Format.** One JSON object: `format` (`refgap-shard`) and `format_version` first, then
//! `run` (everything that makes shards parts of the same run: refgap version, results name,
//! scenario file and SHA-256 of it and its CSV tables, intervention files and their SHA-256,
//! variants, cohorts, seed, trials, random numbers, block size, window size, shard count),
//! `inputs` (where to read the scenario again to merge, and the reading rules), the shard's
//! `index` and work `items` (see [`crate::engine::part::WorkItems`]), and `arms`: per arm
//! (baseline first) and per cohort, the [`CohortTally`] exactly as the engine keeps it.
//! JSON was chosen over a binary encoding because it is self-describing and versioned by
//! its first two keys, `serde_json` is already a dependency, integers up to `u128` stay exact,
//! and a user can read a shard with any JSON tool; the price, a few times the size of a binary
//! file, is small next to the simulation a shard stands for.
//!
//! **Intact or absent.** Files are written through [`FileSlot`] (temporary file, flush, rename),
//! so a killed task leaves no file named `shard-*.json`. A file that is there anyway but cut
//! short or damaged fails to parse or fails [`Shard::check`]: every cohort's tally must hold
//! exactly the trials of the shard's items, in every arm, and every histogram must be
//! consistent. A file whose `run` names a setting this refgap does not know (`random_numbers`,
//! `perfect_arm`: edited by hand, or written by another version) fails [`RunId::check`] rather
//! than being read as some other setting.

mod checkpoint;
mod set;

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::folder::FileSlot;
pub use checkpoint::{Resume, checkpoint};
pub use set::ShardSet;

use crate::engine::part::WorkItems;
use crate::engine::stream::WINDOW_WORDS;
use crate::engine::{BLOCK_TRIALS, PerfectArm, RunConfig};
use crate::error::{Error, Result};
use crate::exact::uncertainty::Sample;
use crate::scenario::Scenario;
use crate::stats::CohortTally;

/// The value of a shard file's `format` key.
pub const FORMAT: &str = "refgap-shard";

/// The version of the shard format this refgap writes and reads.
pub const FORMAT_VERSION: u32 = 2;

/// Largest shard file read: 4 GiB.
const MAX_SHARD_BYTES: u64 = 4 << 30;

/// Why a shard file was not read: what is wrong with it, then what to do if it is a shard (with
/// its leading separator, or nothing); [`Shard::read`]'s error is the two joined.
struct Unread {
    what: String,
    advice: &'static str,
}

/// The name of shard `index`'s file: `shard-00003.json`.
pub fn file_name(index: u64) -> String {
    format!("shard-{index:05}.json")
}

/// The index in a shard file's name, if it is one.
fn index_of(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("shard-")?.strip_suffix(".json")?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// A file and its SHA-256.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileId {
    /// The path as the user gave it (as in the manifest).
    pub file: String,
    /// SHA-256 of the file (and its tables).
    pub sha256: String,
}

/// Everything that makes shards parts of one run: two shards merge only if these are equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunId {
    /// The refgap version that wrote the shard.
    pub refgap: String,
    /// Name of the results folder a merge writes (`OUT/NAME`).
    pub name: String,
    /// The scenario file and the SHA-256 of it and its CSV tables.
    pub scenario: FileId,
    /// Files given with `--intervention`.
    pub interventions: Vec<FileId>,
    /// Variant names, baseline excluded.
    pub variants: Vec<String>,
    /// Cohort names.
    pub cohorts: Vec<String>,
    /// Seed of every stream.
    pub seed: u64,
    /// Trials per cohort.
    pub trials: u64,
    /// `common` or `independent`.
    pub random_numbers: String,
    /// How the perfect-communication arm is estimated: `conditional` or `simulated`.
    pub perfect_arm: String,
    /// Trials per block (a format constant).
    pub block_trials: u64,
    /// Words in each trial's stream window (a format constant).
    pub window_words: usize,
    /// Shards (or checkpoints) in the set.
    pub count: u64,
    /// For the shards of an uncertainty run: its design (then `trials` is 0 and the work items
    /// are the design's points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design: Option<DesignId>,
}

/// The design of an uncertainty run, in a shard's [`RunId`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignId {
    /// `lhs`, `sobol` or `morris`.
    pub name: String,
    /// Base samples (`--samples`).
    pub samples: u64,
    /// Uncertain factors.
    pub factors: usize,
    /// Points of the design: the sampled worlds.
    pub points: u64,
}

impl RunId {
    /// The identity of a run of `s` under `config`, cut into `count` parts, whose results
    /// folder is named `name`.
    pub fn new(s: &Scenario, config: &RunConfig, name: &str, count: u64) -> RunId {
        RunId {
            refgap: env!("CARGO_PKG_VERSION").to_owned(),
            name: name.to_owned(),
            scenario: FileId {
                file: s.source().path.display().to_string(),
                sha256: s.source().sha256.clone(),
            },
            interventions: s
                .source()
                .extra
                .iter()
                .map(|f| FileId {
                    file: f.path.display().to_string(),
                    sha256: f.sha256.clone(),
                })
                .collect(),
            variants: s.variants().iter().map(|v| v.name.clone()).collect(),
            cohorts: s.cohorts().iter().map(|c| c.name.clone()).collect(),
            seed: config.seed,
            trials: config.trials,
            random_numbers: RANDOM_NUMBERS[usize::from(config.independent)].to_owned(),
            perfect_arm: config.perfect_arm.name().to_owned(),
            block_trials: BLOCK_TRIALS,
            window_words: WINDOW_WORDS,
            count,
            design: None,
        }
    }

    /// The identity of an uncertainty run of `s` whose design `design` of `points` points was
    /// drawn from `seed`, cut into `count` parts, writing the results folder `name`.
    pub fn uncertainty(s: &Scenario, design: DesignId, seed: u64, name: &str, count: u64) -> RunId {
        RunId {
            design: Some(design),
            ..RunId::new(s, &RunConfig::new(seed, 0), name, count)
        }
    }

    /// The number of work items: blocks of trials, or the points of an uncertainty design.
    pub fn items_len(&self) -> u64 {
        self.design.as_ref().map_or_else(|| self.work().len(), |d| d.points)
    }

    /// The work items of the run.
    pub fn work(&self) -> WorkItems {
        WorkItems {
            cohorts: self.cohorts.len() as u64,
            blocks_per_cohort: self.trials.div_ceil(self.block_trials.max(1)),
            trials: self.trials,
        }
    }

    /// The run's configuration. The names of `random_numbers` and `perfect_arm` are those
    /// [`Shard::read`] accepts (see [`RunId::check`]); any other is read as the default.
    pub fn config(&self) -> RunConfig {
        RunConfig {
            independent: independent(&self.random_numbers).unwrap_or_default(),
            perfect_arm: perfect_arm(&self.perfect_arm).unwrap_or_default(),
            ..RunConfig::new(self.seed, self.trials)
        }
    }

    /// Checks that every named setting is one this refgap knows: `random_numbers` is one of
    /// [`RANDOM_NUMBERS`], `perfect_arm` one of [`PerfectArm::name`]'s values. The error names
    /// the key, its value and the accepted values.
    pub fn check(&self) -> std::result::Result<(), String> {
        let unknown = |key: &str, value: &str, accepted: &[&str]| {
            format!(
                "its {key} is \"{value}\", which this refgap ({}) does not know (accepted: {})",
                env!("CARGO_PKG_VERSION"),
                accepted.join(", ")
            )
        };
        if independent(&self.random_numbers).is_none() {
            return Err(unknown("random_numbers", &self.random_numbers, &RANDOM_NUMBERS));
        }
        if perfect_arm(&self.perfect_arm).is_none() {
            let names = PERFECT_ARMS.map(PerfectArm::name);
            return Err(unknown("perfect_arm", &self.perfect_arm, &names));
        }
        Ok(())
    }

    /// The first key in which `self` and `other` differ, with both values, if any.
    pub fn difference(&self, other: &RunId) -> Option<(String, String, String)> {
        let (a, b) = (json(self), json(other));
        let (serde_json::Value::Object(a), serde_json::Value::Object(b)) = (a, b) else {
            return None;
        };
        a.iter().find(|(k, v)| b.get(*k) != Some(*v)).map(|(k, v)| {
            let w = b.get(k).cloned().unwrap_or_default();
            (k.clone(), short(v), short(&w))
        })
    }
}

/// The values of a [`RunId`]'s `random_numbers`: common random numbers, or independent streams
/// per variant ([`RunConfig::independent`]).
pub const RANDOM_NUMBERS: [&str; 2] = ["common", "independent"];

/// Every [`PerfectArm`], in the order an error lists their names.
const PERFECT_ARMS: [PerfectArm; 2] = [PerfectArm::Conditional, PerfectArm::Simulated];

/// [`RunConfig::independent`] for a `random_numbers` name, if it is one of [`RANDOM_NUMBERS`].
fn independent(name: &str) -> Option<bool> {
    RANDOM_NUMBERS.iter().position(|&n| n == name).map(|i| i == 1)
}

/// The [`PerfectArm`] of a `perfect_arm` name, if it is one.
fn perfect_arm(name: &str) -> Option<PerfectArm> {
    PERFECT_ARMS.into_iter().find(|a| a.name() == name)
}

fn json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).expect("plain data")
}

/// A JSON value in at most 80 characters.
fn short(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(79).collect::<String>())
    } else {
        s
    }
}

/// Where a merge reads the inputs of the run again, and under which rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    /// Absolute path of the scenario file.
    pub scenario: PathBuf,
    /// Absolute paths of the `--intervention` files, in order.
    pub interventions: Vec<PathBuf>,
    /// `--no-variants` was given.
    pub no_variants: bool,
    /// `--allow-outside-tables` was given.
    pub allow_outside_tables: bool,
    /// `--max-input-mb`, in bytes.
    pub max_input_bytes: u64,
}

/// One shard file (or checkpoint): the tallies of a range of a run's work items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shard {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] of the refgap that wrote it.
    pub format_version: u32,
    /// The run it is part of.
    pub run: RunId,
    /// Where to read the run's inputs again.
    pub inputs: Inputs,
    /// Its index among the run's `count` parts.
    pub index: u64,
    /// The work items it covers, `[start, end)`.
    pub items: [u64; 2],
    /// Per arm (baseline first), per cohort, the tallies of its items (runs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arms: Vec<Vec<CohortTally>>,
    /// The evaluated points of its items, in design order (uncertainty runs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<SampleRow>,
}

/// One evaluated point of an uncertainty design in a shard file: every field of
/// [`Sample`], converted both ways by exhaustive destructuring, so that a field added to
/// `Sample` fails to compile here until the shard format carries it. Floating-point numbers are
/// written in their shortest exact form and read back exactly (serde_json's `float_roundtrip`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleRow {
    /// The value of each factor.
    pub values: Vec<f64>,
    /// Values clamped to their parameter's range.
    pub clamped: usize,
    /// Per arm (baseline, then each intervention), per cohort, the rates.
    pub arms: Vec<Vec<[f64; 6]>>,
    /// Per arm, per cohort, the rate of `protected_in_time` (simulated worlds only; empty here,
    /// since shards carry exactly solved worlds).
    pub in_time: Vec<Vec<f64>>,
    /// The value of each observed figure.
    pub observed: Vec<f64>,
}

impl From<&Sample> for SampleRow {
    fn from(s: &Sample) -> SampleRow {
        let Sample {
            values,
            clamped,
            arms,
            in_time,
            observed,
        } = s;
        SampleRow {
            values: values.clone(),
            clamped: *clamped,
            arms: arms.clone(),
            in_time: in_time.clone(),
            observed: observed.clone(),
        }
    }
}

impl From<SampleRow> for Sample {
    fn from(r: SampleRow) -> Sample {
        let SampleRow {
            values,
            clamped,
            arms,
            in_time,
            observed,
        } = r;
        Sample {
            values,
            clamped,
            arms,
            in_time,
            observed,
        }
    }
}

impl Shard {
    /// Part `index` of `run`, covering `items`, with the tallies `arms`.
    pub fn new(run: RunId, inputs: Inputs, index: u64, items: Range<u64>, arms: Vec<Vec<CohortTally>>) -> Shard {
        Shard {
            format: FORMAT.to_owned(),
            format_version: FORMAT_VERSION,
            run,
            inputs,
            index,
            items: [items.start, items.end],
            arms,
            samples: Vec::new(),
        }
    }

    /// Part `index` of the uncertainty run `run`, covering the points `items`, evaluated as
    /// `samples`.
    pub fn of_samples(run: RunId, inputs: Inputs, index: u64, items: Range<u64>, samples: &[Sample]) -> Shard {
        Shard {
            samples: samples.iter().map(SampleRow::from).collect(),
            ..Shard::new(run, inputs, index, items, Vec::new())
        }
    }

    /// The file's bytes: compact JSON and a final newline.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec(self).expect("a shard is plain data");
        v.push(b'\n');
        v
    }

    /// Reads and checks the shard file at `path`; the error names the file and says what to do.
    pub fn read(path: &Path) -> Result<Shard> {
        Shard::load(path).map_err(|e| Error::Shard {
            path: path.to_path_buf(),
            reason: format!("{}{}", e.what, e.advice),
        })
    }

    /// [`Shard::read`], its error not yet joined into a message (a checkpoint needs other advice).
    fn load(path: &Path) -> std::result::Result<Shard, Unread> {
        const AGAIN: &str = "; delete it and run its shard again";
        let bad = |what, advice| Unread { what, advice };
        let bytes = crate::scenario::input::read_file(path, MAX_SHARD_BYTES)
            .map_err(|e| bad(format!("cannot be read ({e})"), ""))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            bad(
                format!("is not an intact shard file ({e}): it was cut short or damaged"),
                AGAIN,
            )
        })?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            let what = "is not a refgap shard file (no \"format\": \"refgap-shard\")";
            return Err(bad(what.to_owned(), ""));
        }
        let version = value.get("format_version").and_then(|v| v.as_u64());
        if version != Some(u64::from(FORMAT_VERSION)) {
            let by = value.pointer("/run/refgap").and_then(|v| v.as_str()).unwrap_or("?");
            return Err(bad(
                format!(
                    "is in shard format {} (written by refgap {by}); this refgap ({}) reads format {FORMAT_VERSION}",
                    version.map_or("?".to_owned(), |v| v.to_string()),
                    env!("CARGO_PKG_VERSION")
                ),
                ": run the shards again with one refgap version",
            ));
        }
        let shard: Shard = serde_json::from_value(value).map_err(|e| {
            bad(
                format!("does not have the layout of a shard of this refgap ({e})"),
                AGAIN,
            )
        })?;
        shard.run.check().map_err(|why| {
            bad(
                format!("{why}: it was edited by hand or written by another refgap version"),
                "; delete it and run its shard again with this refgap",
            )
        })?;
        shard.check().map_err(|why| bad(format!("is damaged: {why}"), AGAIN))?;
        Ok(shard)
    }

    /// Checks that the tallies are whole: one per arm and cohort, each holding exactly the
    /// trials of the shard's items, every histogram consistent.
    pub fn check(&self) -> std::result::Result<(), String> {
        let work = self.run.work();
        let [start, end] = self.items;
        if start > end || end > self.run.items_len() || self.index >= self.run.count {
            return Err(format!(
                "part {} of {} covers items {start}..{end} of {}",
                self.index,
                self.run.count,
                self.run.items_len()
            ));
        }
        if let Some(design) = &self.run.design {
            return self.check_samples(design);
        }
        if self.arms.len() != self.run.variants.len() + 1 {
            return Err(format!(
                "{} arms instead of {}",
                self.arms.len(),
                self.run.variants.len() + 1
            ));
        }
        let mut expected = vec![0; self.run.cohorts.len()];
        for (c, trials) in work.cohort_trials(start..end) {
            expected[c] = trials.end - trials.start;
        }
        for (v, arm) in self.arms.iter().enumerate() {
            if arm.len() != expected.len() {
                return Err(format!(
                    "arm {v} has {} cohorts instead of {}",
                    arm.len(),
                    expected.len()
                ));
            }
            for (c, (t, &want)) in arm.iter().zip(&expected).enumerate() {
                if t.trials() != want {
                    return Err(format!(
                        "arm {v}, cohort {} holds {} trials instead of {want}",
                        self.run.cohorts[c],
                        t.trials()
                    ));
                }
                let hist_ok = t.entries.iter().all(|e| e.times.iter().all(|h| h.is_well_formed()));
                if !hist_ok {
                    return Err(format!(
                        "arm {v}, cohort {}: a histogram is inconsistent",
                        self.run.cohorts[c]
                    ));
                }
            }
        }
        Ok(())
    }

    /// [`Shard::check`] for an uncertainty run: one sample per point, each with a value per
    /// factor and the rates of every arm and cohort.
    fn check_samples(&self, design: &DesignId) -> std::result::Result<(), String> {
        let points = self.items[1] - self.items[0];
        if self.samples.len() as u64 != points || !self.arms.is_empty() {
            return Err(format!("{} sampled worlds instead of {points}", self.samples.len()));
        }
        for (i, row) in self.samples.iter().enumerate() {
            let whole = row.values.len() == design.factors
                && !row.arms.is_empty()
                && row.arms.iter().all(|a| a.len() == self.run.cohorts.len());
            if !whole {
                return Err(format!("sampled world {} is incomplete", self.items[0] + i as u64));
            }
        }
        Ok(())
    }

    /// The work items covered.
    pub fn items(&self) -> Range<u64> {
        self.items[0]..self.items[1]
    }
}

/// Reserves the file of shard `index` in `dir` before the work (see [`FileSlot`]); refuses to
/// replace a file of that name that is not a refgap shard.
pub fn reserve(dir: &Path, index: u64) -> Result<FileSlot> {
    let slot = FileSlot::reserve(dir, &file_name(index))?;
    if let Ok(bytes) = std::fs::read(slot.path())
        && !bytes.starts_with(format!("{{\"format\":\"{FORMAT}\"").as_bytes())
    {
        return Err(Error::OutputRefused {
            path: slot.path().to_path_buf(),
            reason: "a file that is not a refgap shard has this name; move it or choose another --out".to_owned(),
        });
    }
    Ok(slot)
}

/// The indices in `0..count` that have no valid shard of a `count`-shard set in `dir`: no
/// file, a damaged one, or one of another index or count.
pub fn missing(dir: &Path, count: u64) -> Vec<u64> {
    (0..count)
        .filter(|&i| match Shard::read(&dir.join(file_name(i))) {
            Ok(s) => s.index != i || s.run.count != count,
            Err(_) => true,
        })
        .collect()
}

/// Indices as ranges, the form `sbatch --array=` takes: `0-3,7,9-10`.
pub fn ranges(indices: &[u64]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let mut j = i;
        while j + 1 < indices.len() && indices[j + 1] == indices[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            indices[i].to_string()
        } else {
            format!("{}-{}", indices[i], indices[j])
        });
        i = j + 1;
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_compress_to_ranges() {
        assert_eq!(ranges(&[]), "");
        assert_eq!(ranges(&[3]), "3");
        assert_eq!(ranges(&[0, 1, 2, 3, 7, 9, 10]), "0-3,7,9-10");
    }

    #[test]
    fn shard_names_parse_back() {
        assert_eq!(index_of(&file_name(17)), Some(17));
        assert_eq!(index_of("shard-123456.json"), Some(123_456));
        assert_eq!(index_of(".shard-00001.json.tmp"), None);
        assert_eq!(index_of("shard-.json"), None);
        assert_eq!(index_of("shard-1x.json"), None);
    }
}
