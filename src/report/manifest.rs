//! `manifest.json`: what produced a results folder. It holds only what determines the results
//! (tool version, scenario hash, seed, trials, format constants, variants, cohorts, files), no
//! clock time or thread count, so two runs of the same inputs give byte-identical folders.

use serde::Serialize;

use crate::engine::stream::WINDOW_WORDS;
use crate::engine::{BLOCK_TRIALS, PerfectArm, RunResult, STAGE_BLOCKS};
use crate::scenario::{HashedFile, Scenario};

/// The manifest of a results folder, one layout for every kind of folder (`run`, `exact`): the
/// fields every kind has, then those of its kind (`run`: the settings the simulated numbers
/// depend on; `exact`: the method).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Manifest {
    /// Always `refgap`.
    pub tool: &'static str,
    /// The crate version that wrote the folder.
    pub version: &'static str,
    /// The git commit refgap was built from, when built from a checkout of its repository
    /// (`null` from a tarball or a crates.io package).
    pub commit: Option<&'static str>,
    /// A command that writes this folder again: the subcommand, the scenario file and the
    /// settings the results depend on (thread count, `--out` and `--quiet` do not change them
    /// and are left out, so the folder stays byte-identical across machines).
    pub command: String,
    /// What wrote the folder: `run` or `exact`.
    pub kind: &'static str,
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// The simulation settings (`run` folders).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunInfo>,
    /// The solution method (`exact` and `uncertainty` folders).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<&'static str>,
    /// The design and the factors (`uncertainty` folders).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<UncertaintyInfo>,
    /// The practices and contexts (`transfer` folders).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer: Option<TransferInfo>,
    /// Variants in the tables, baseline first.
    pub variants: Vec<VariantInfo>,
    /// Files of variants added with `--intervention`, with their SHA-256.
    pub intervention_files: Vec<FileInfo>,
    /// Cohorts in the tables.
    pub cohorts: Vec<CohortInfo>,
    /// Files of the folder, manifest excluded: derived from the same list the writer writes
    /// (`Report::files`), so the two cannot disagree.
    pub files: Vec<&'static str>,
}

/// The settings of a simulation run, in the manifest of a `run` folder.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunInfo {
    /// Seed of every stream.
    pub seed: u64,
    /// Trials per cohort asked for (the cap when `precision` is set; see each cohort's
    /// `trials` for what was run).
    pub trials: u64,
    /// Target 95 % half-width of the paired differences, if the run had one.
    pub precision: Option<f64>,
    /// Trials per precision stage: the stopping rule is checked only at multiples of this.
    pub stage_trials: Option<u64>,
    /// `common` (every variant on the same random numbers) or `independent`.
    pub random_numbers: &'static str,
    /// How the perfect-communication arm was asked to be estimated: `conditional` or
    /// `simulated` (`gap.csv`'s `perfect_arm` says, per variant and cohort, how it was).
    pub perfect_arm: &'static str,
    /// With `conditional`: the arms and cohorts whose lookup table would have been too large,
    /// whose perfect arm was simulated instead, as `variant / cohort` (normally none).
    pub perfect_arm_simulated: Vec<String>,
    /// Trials per block (a format constant).
    pub block_trials: u64,
    /// Words in each trial's stream window (a format constant).
    pub window_words: usize,
}

/// The arms and cohorts of `result` whose perfect arm was simulated, as `variant / cohort`.
fn fallbacks(s: &Scenario, result: &RunResult) -> Vec<String> {
    let names = std::iter::once(super::BASELINE).chain(s.variants().iter().map(|v| v.name.as_str()));
    names
        .enumerate()
        .flat_map(|(v, name)| {
            (result.arm(v).iter().zip(s.cohorts()))
                .filter(|(t, _)| t.perfect_simulated)
                .map(move |(_, c)| format!("{name} / {}", c.name))
        })
        .collect()
}

/// The design of an uncertainty run and its factors, in the manifest.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UncertaintyInfo {
    /// `lhs`, `sobol` or `morris`.
    pub design: &'static str,
    /// Sampled worlds evaluated.
    pub samples: usize,
    /// Seed of the design.
    pub seed: u64,
    /// The factors, in file order.
    pub factors: Vec<FactorInfo>,
    /// Worlds that reproduce every observed figure (when the scenario has observed figures).
    pub plausible: Option<usize>,
    /// How the worlds were simulated, when they were (`--simulate`) instead of solved exactly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simulation: Option<SimulationInfo>,
}

/// The simulation settings of an uncertainty run with `--simulate`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SimulationInfo {
    /// Trials per cohort, in every arm of every world.
    pub trials: u64,
    /// Seed of every stream (the design's seed).
    pub seed: u64,
    /// Always `common`: every world and arm sees the same words for trial `i` of a cohort.
    pub random_numbers: &'static str,
    /// How each world's perfect-communication arm was estimated (`conditional`: see
    /// docs/MODEL.md, "The perfect arm by conditioning").
    pub perfect_arm: &'static str,
    /// Trials per block (a format constant).
    pub block_trials: u64,
    /// Words in each trial's stream window (a format constant).
    pub window_words: usize,
    /// What the simulated numbers are.
    pub noise: &'static str,
}

/// What a transfer matrix tried, in the manifest.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TransferInfo {
    /// `countries`, `pairs` or `auto`.
    pub contexts: &'static str,
    /// The practices, in table order.
    pub practices: Vec<PracticeInfo>,
    /// Practice-context cells, and how many of them change the scenario as given.
    pub cells: usize,
    /// Cells that apply.
    pub applies: usize,
}

/// A practice of a transfer matrix in the manifest.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PracticeInfo {
    /// Its name in the tables.
    pub name: String,
    /// `country` or `pair`.
    pub scope: &'static str,
    /// `toolbox` or `intervention`.
    pub origin: &'static str,
}

/// An uncertain factor in the manifest.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FactorInfo {
    /// Name.
    pub name: String,
    /// Parameter.
    pub parameter: &'static str,
    /// `set` or `scale`.
    pub op: &'static str,
    /// `[lo, hi]`.
    pub range: [f64; 2],
    /// `uniform` or `triangular`.
    pub dist: &'static str,
    /// Mode of a triangular distribution.
    pub mode: Option<f64>,
    /// Where the range comes from.
    pub basis: String,
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
    /// Every file read, with its own SHA-256: the scenario file (by its file name), then its
    /// tables and design files as named in it (relative to its folder), in the order read.
    pub files: Vec<InputFile>,
    /// Deadline of `protected_in_time`, if any.
    pub horizon_days: Option<f64>,
    /// Hop limit.
    pub max_hops: u32,
}

/// Cohort identity in the manifest, with how its simulation ended.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CohortInfo {
    /// Cohort name.
    pub name: String,
    /// Victims per year.
    pub victims: f64,
    /// Goal milestones, when every entry point has the same goal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goal: Option<Vec<&'static str>>,
    /// Per entry point, its goal, when the entry points' goals differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entry_goals: Vec<EntryGoal>,
    /// How the simulation of the cohort ended (`run` folders).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub stop: Option<CohortStop>,
    /// How the baseline's chain of the cohort was solved, `lu` or `iterative` (`exact` folders).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub solver: Option<&'static str>,
}

/// The goal of the victims of a cohort who enter at one authority.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EntryGoal {
    /// Entry authority id.
    pub at: String,
    /// Goal milestones.
    pub goal: Vec<&'static str>,
}

/// How the simulation of a cohort ended.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CohortStop {
    /// Trials simulated (in every variant).
    pub trials: u64,
    /// `trials` (ran what was asked), `precision` (target met) or `cap` (trial cap reached).
    pub stop: &'static str,
    /// Largest 95 % half-width of a paired difference (gaps and comparisons) at the stop.
    pub max_half_width: f64,
}

/// A variant in the manifest.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VariantInfo {
    /// Variant name.
    pub name: String,
    /// `baseline`, `intervention` or `sweep`.
    pub kind: &'static str,
    /// Description from the scenario.
    pub description: String,
}

/// A file and its hash.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FileInfo {
    /// Path as given.
    pub file: String,
    /// SHA-256 of the file and its design tables.
    pub sha256: String,
    /// The file (by its file name), then its design tables (as named in it, relative to its
    /// folder), each with its own SHA-256.
    pub files: Vec<InputFile>,
}

/// One input file and the SHA-256 of its bytes (what `sha256sum` prints for it).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InputFile {
    /// Name relative to the folder of the file that named it.
    pub file: String,
    /// SHA-256 of the file.
    pub sha256: String,
}

/// The manifest's list of `files`.
fn input_files(files: &[HashedFile]) -> Vec<InputFile> {
    files
        .iter()
        .map(|f| InputFile {
            file: f.name.clone(),
            sha256: f.sha256.clone(),
        })
        .collect()
}

/// `refgap KIND SCENARIO [--intervention FILE]...` (paths as they were given, quoted when they
/// hold a space).
fn command(kind: &str, s: &Scenario) -> String {
    let quote = |p: &std::path::Path| {
        let p = p.display().to_string();
        if p.contains(char::is_whitespace) {
            format!("'{p}'")
        } else {
            p
        }
    };
    let mut c = format!("refgap {kind} {}", quote(&s.source().path));
    for f in &s.source().extra {
        c.push_str(&format!(" --intervention {}", quote(&f.path)));
    }
    c
}

impl Manifest {
    /// The fields every kind of folder has, for a folder of `kind` about `s`; `files` is left
    /// empty for the report to fill from its list of files.
    fn common(kind: &'static str, s: &Scenario) -> Manifest {
        let mut variants = vec![VariantInfo {
            name: super::BASELINE.to_owned(),
            kind: "baseline",
            description: s.description().to_owned(),
        }];
        variants.extend(s.variants().iter().map(|v| VariantInfo {
            name: v.name.clone(),
            kind: v.kind.name(),
            description: v.description.clone(),
        }));
        Manifest {
            tool: "refgap",
            version: env!("CARGO_PKG_VERSION"),
            commit: option_env!("REFGAP_GIT_COMMIT"),
            command: command(kind, s),
            kind,
            scenario: ScenarioInfo {
                name: s.name().to_owned(),
                file: s.source().path.display().to_string(),
                sha256: s.source().sha256.clone(),
                files: input_files(&s.source().files),
                horizon_days: s.horizon_days(),
                max_hops: s.max_hops(),
            },
            run: None,
            method: None,
            uncertainty: None,
            transfer: None,
            variants,
            intervention_files: s
                .source()
                .extra
                .iter()
                .map(|f| FileInfo {
                    file: f.path.display().to_string(),
                    sha256: f.sha256.clone(),
                    files: input_files(&f.files),
                })
                .collect(),
            cohorts: s
                .cohorts()
                .iter()
                .map(|c| {
                    let names = |k: usize| c.goal(k).iter().map(|g| g.name()).collect::<Vec<_>>();
                    let uniform = (1..c.entry.len()).all(|k| c.goal(k) == c.goal(0));
                    CohortInfo {
                        name: c.name.clone(),
                        victims: c.victims,
                        goal: uniform.then(|| names(0)),
                        entry_goals: if uniform {
                            Vec::new()
                        } else {
                            (0..c.entry.len())
                                .map(|k| EntryGoal {
                                    at: s.authorities()[c.entry[k].0].id.clone(),
                                    goal: names(k),
                                })
                                .collect()
                        },
                        stop: None,
                        solver: None,
                    }
                })
                .collect(),
            files: Vec::new(),
        }
    }

    /// The manifest of a run of `s`.
    pub fn new(s: &Scenario, result: &RunResult) -> Manifest {
        let config = &result.config;
        let mut m = Manifest::common("run", s);
        m.command = format!(
            "{} --seed {} --trials {}{}{}{}",
            m.command,
            config.seed,
            config.trials,
            config
                .precision
                .map_or_else(String::new, |p| format!(" --precision {p}")),
            if config.independent { " --independent" } else { "" },
            if config.perfect_arm == PerfectArm::Simulated {
                " --perfect-arm simulated"
            } else {
                ""
            }
        );
        m.run = Some(RunInfo {
            seed: config.seed,
            trials: config.trials,
            precision: config.precision,
            stage_trials: config.precision.map(|_| STAGE_BLOCKS * BLOCK_TRIALS),
            random_numbers: if config.independent { "independent" } else { "common" },
            perfect_arm: config.perfect_arm.name(),
            perfect_arm_simulated: if config.perfect_arm == PerfectArm::Conditional {
                fallbacks(s, result)
            } else {
                Vec::new()
            },
            block_trials: BLOCK_TRIALS,
            window_words: WINDOW_WORDS,
        });
        for (c, st) in m.cohorts.iter_mut().zip(&result.stops) {
            c.stop = Some(CohortStop {
                trials: st.trials,
                stop: st.reason.name(),
                max_half_width: st.half_width,
            });
        }
        m
    }

    /// The manifest of an exact solution of `s` by `method`.
    pub fn exact(s: &Scenario, method: &'static str) -> Manifest {
        Manifest {
            method: Some(method),
            ..Manifest::common("exact", s)
        }
    }

    /// The manifest of an uncertainty run of `s`: `samples` worlds of `design` drawn from `seed`,
    /// each solved exactly. Its variants are the interventions (sweeps are not part of it).
    pub fn uncertainty(s: &Scenario, design: &'static str, samples: usize, seed: u64) -> Manifest {
        use crate::scenario::variant::factor::Dist;
        let mut m = Manifest::common("uncertainty", s);
        // The design's worlds per base sample: Saltelli's k + 2, a Morris trajectory's k + 1.
        let k = s.factors().len();
        let per = match design {
            "sobol" => k + 2,
            "morris" => k + 1,
            _ => 1,
        };
        m.command = format!(
            "{} --design {design} --samples {} --seed {seed}",
            m.command,
            samples / per.max(1)
        );
        m.variants.retain(|v| v.kind != "sweep");
        m.method = Some(
            "every sampled world solved exactly (absorbing Markov chain), baseline, interventions and perfect communication",
        );
        m.uncertainty = Some(UncertaintyInfo {
            design,
            samples,
            seed,
            factors: s
                .factors()
                .iter()
                .map(|f| FactorInfo {
                    name: f.name.clone(),
                    parameter: f.param.name(),
                    op: f.op.name(),
                    range: [f.lo, f.hi],
                    dist: match f.dist {
                        Dist::Uniform => "uniform",
                        Dist::Triangular { .. } => "triangular",
                    },
                    mode: match f.dist {
                        Dist::Uniform => None,
                        Dist::Triangular { mode } => Some(mode),
                    },
                    basis: f.basis.clone(),
                })
                .collect(),
            plausible: None,
            simulation: None,
        });
        m
    }

    /// The manifest of a transfer matrix of `s`: `info`, and with `samples`, the Latin
    /// hypercube of `(worlds, seed)` it was solved over. Its only variant is the baseline.
    pub fn transfer(s: &Scenario, info: TransferInfo, samples: Option<(usize, u64)>) -> Manifest {
        let mut m = match samples {
            Some((n, seed)) => Manifest::uncertainty(s, "lhs", n, seed),
            None => Manifest::common("transfer", s),
        };
        m.kind = "transfer";
        // Not `uncertainty --design lhs`: the command that wrote this folder.
        m.command = match samples {
            Some((n, seed)) => format!("{} --samples {n} --seed {seed}", command("transfer", s)),
            None => command("transfer", s),
        };
        m.method = Some(
            "every practice made in every context alone on top of the baseline, each solved exactly (absorbing \
             Markov chain), with perfect communication for the gap; with samples, in every sampled world too",
        );
        m.variants.truncate(1);
        m.transfer = Some(info);
        m
    }

    /// Records that the worlds were simulated with `trials` trials per cohort, on the streams of
    /// the design's seed, instead of solved exactly.
    pub(crate) fn set_simulated(&mut self, trials: u64) {
        self.method = Some(
            "every sampled world simulated (Monte Carlo), baseline, interventions and perfect communication, \
             on the same random numbers in every world and arm",
        );
        if let Some(u) = self.uncertainty.as_mut() {
            u.simulation = Some(SimulationInfo {
                trials,
                seed: u.seed,
                random_numbers: "common",
                perfect_arm: PerfectArm::default().name(),
                block_trials: BLOCK_TRIALS,
                window_words: WINDOW_WORDS,
                noise: "each rate is a count over `trials` simulated victims of the cohort and carries \
                        binomial sampling noise (Wilson interval from rate and trials); the gap is a paired \
                        difference on the same trials",
            });
        }
    }

    /// Records how many sampled worlds were plausible.
    pub(crate) fn set_plausible(&mut self, n: usize) {
        if let Some(u) = self.uncertainty.as_mut() {
            u.plausible = Some(n);
        }
    }

    /// Whether the folder has variants besides the baseline (and so its comparison table).
    pub fn has_variants(&self) -> bool {
        self.variants.len() > 1
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("the manifest is plain data");
        v.push(b'\n');
        v
    }
}
