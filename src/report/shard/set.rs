//! A folder of shards checked as one complete run, and merged.

use std::path::{Path, PathBuf};

use super::{Inputs, RunId, Shard, file_name, index_of, ranges};
use crate::engine::part::{merge_parts, split};
use crate::error::{Error, Result};
use crate::exact::uncertainty::Sample;
use crate::scenario::Scenario;
use crate::stats::CohortTally;

/// A complete set of shards of one run, checked.
#[derive(Debug)]
pub struct ShardSet {
    /// The run.
    pub run: RunId,
    /// Where its inputs are.
    pub inputs: Inputs,
    dir: PathBuf,
    shards: Vec<Shard>,
}

impl ShardSet {
    /// Reads every `shard-*.json` of `dir` and checks that they form one complete run: every
    /// index from 0 to the count present once, every shard intact, covering its items and of
    /// the same run. The error names the offending (or missing) file.
    pub fn load(dir: &Path) -> Result<ShardSet> {
        let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut files: Vec<(u64, PathBuf)> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name();
                index_of(name.to_str()?).map(|i| (i, e.path()))
            })
            .collect();
        files.sort();
        let Some((_, first_path)) = files.first().cloned() else {
            return Err(Error::Shard {
                path: dir.to_path_buf(),
                reason: "holds no shard file (shard-NNNNN.json); run the shards first (refgap run SCENARIO \
                         --shard I/N --out OUT, which writes them to OUT/NAME-shards)"
                    .to_owned(),
            });
        };
        let mut shards: Vec<Shard> = Vec::with_capacity(files.len());
        for (name_index, path) in &files {
            let shard = Shard::read(path)?;
            let bad = |reason: String| Error::Shard {
                path: path.clone(),
                reason,
            };
            if let Some(reference) = shards.first()
                && let Some((key, here, there)) = shard.run.difference(&reference.run)
            {
                return Err(bad(format!(
                    "belongs to another run than {}: its {key} is {here}, not {there}; shards of different runs \
                     cannot be merged (delete the stray shard, or run it again with the same settings)",
                    first_path.display()
                )));
            }
            if let Some(twin) = files.iter().find(|(i, p)| *i == shard.index && p != path)
                && shard.index != *name_index
            {
                return Err(bad(format!(
                    "holds shard {}, which {} holds too: a duplicate index (a copied or renamed shard file); delete it \
                     and run shard {name_index} again",
                    shard.index,
                    twin.1.display()
                )));
            }
            if shard.index != *name_index {
                return Err(bad(format!(
                    "holds shard {} although its name says {name_index} (a renamed shard file); delete it and run \
                     shard {name_index} again",
                    shard.index
                )));
            }
            let expected = split(shard.run.items_len(), shard.index, shard.run.count);
            if shard.items() != expected {
                return Err(bad(format!(
                    "covers work items {:?}, but shard {} of {} covers {expected:?}; delete it and run it again",
                    shard.items(),
                    shard.index,
                    shard.run.count
                )));
            }
            shards.push(shard);
        }
        let run = shards[0].run.clone();
        let absent: Vec<u64> = (0..run.count)
            .filter(|i| !shards.iter().any(|s| s.index == *i))
            .collect();
        if let Some(&first) = absent.first() {
            return Err(Error::Shard {
                path: dir.join(file_name(first)),
                reason: format!(
                    "is missing: shard {first} of {} has not been written (missing: {}); run the missing shards \
                     (refgap missing {} --shards {}) and merge again",
                    run.count,
                    ranges(&absent),
                    dir.display(),
                    run.count
                ),
            });
        }
        Ok(ShardSet {
            run,
            inputs: shards[0].inputs.clone(),
            dir: dir.to_path_buf(),
            shards,
        })
    }

    /// Checks that `s`, read again from the shards' inputs, is the scenario the shards were
    /// run on (same hashes, variants, cohorts, network sizes). `s` is read from absolute paths,
    /// so its file names are compared as the shards recorded them.
    pub fn check_scenario(&self, s: &Scenario) -> Result<()> {
        let mut now = match &self.run.design {
            Some(d) => RunId::uncertainty(s, d.clone(), self.run.seed, &self.run.name, self.run.count),
            None => RunId::new(s, &self.run.config(), &self.run.name, self.run.count),
        };
        now.scenario.file.clone_from(&self.run.scenario.file);
        for (a, b) in now.interventions.iter_mut().zip(&self.run.interventions) {
            a.file.clone_from(&b.file);
        }
        if let Some((key, then, today)) = self.run.difference(&now) {
            return Err(Error::Shard {
                path: self.inputs.scenario.clone(),
                reason: format!(
                    "has changed since the shards were run: their {key} is {then}, the inputs now give {today}; \
                     run the shards again"
                ),
            });
        }
        if self.run.design.is_some() {
            return Ok(()); // sampled worlds: their shape was checked against the identity
        }
        let arms = std::iter::once(s).chain(s.variants().iter().map(|v| &v.scenario));
        for (shard, (v, sc)) in self
            .shards
            .iter()
            .flat_map(|sh| arms.clone().enumerate().map(move |a| (sh, a)))
        {
            let fits = shard.arms[v]
                .iter()
                .zip(s.cohorts())
                .all(|(t, c)| t.entries.len() == c.entry.len() && t.channels.len() == sc.channels().len());
            if !fits {
                return Err(Error::Shard {
                    path: self.dir.join(file_name(shard.index)),
                    reason: format!("its tallies of arm {v} do not fit the scenario's network; run it again"),
                });
            }
        }
        Ok(())
    }

    /// The evaluated points of the whole uncertainty run, in design order.
    pub fn samples(&self) -> Vec<Sample> {
        self.shards
            .iter()
            .flat_map(|sh| sh.samples.iter().cloned().map(Sample::from))
            .collect()
    }

    /// The tallies of the whole run: every shard's, merged in index order.
    pub fn merged(&self) -> Vec<Vec<CohortTally>> {
        let mut all = self.shards[0].arms.clone();
        for shard in &self.shards[1..] {
            merge_parts(&mut all, &shard.arms);
        }
        all
    }
}
