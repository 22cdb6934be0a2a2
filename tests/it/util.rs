//! Shared helpers of the integration tests.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;

use refgap::engine::{self, PerfectArm, RunConfig, RunResult};
use refgap::exact::{self, ExactCohort};
use refgap::scenario::Scenario;

/// The crate's root folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A bundled scenario's path.
pub fn bundled(name: &str) -> PathBuf {
    root().join("scenarios").join(name)
}

/// A test fixture's path.
pub fn fixture(name: &str) -> PathBuf {
    root().join("tests").join("fixtures").join(name)
}

/// Parses scenario text (CSV tables, if any, relative to the fixtures folder).
pub fn scenario(text: &str) -> Scenario {
    Scenario::from_toml_str(text, Path::new("<test>"), &root().join("tests").join("fixtures"))
        .unwrap_or_else(|e| panic!("test scenario is invalid: {e}"))
}

/// The error message of invalid scenario text.
pub fn scenario_error(text: &str) -> String {
    match Scenario::from_toml_str(text, Path::new("<test>"), &root().join("tests").join("fixtures")) {
        Ok(_) => panic!("scenario unexpectedly valid"),
        Err(e) => e.to_string(),
    }
}

/// Runs a scenario in-process with its own seed and the given trials.
pub fn simulate(s: &Scenario, trials: u64) -> RunResult {
    simulate_perfect_arm(s, trials, PerfectArm::default())
}

/// [`simulate`] with the perfect-communication arm estimated as `perfect_arm` says.
pub fn simulate_perfect_arm(s: &Scenario, trials: u64, perfect_arm: PerfectArm) -> RunResult {
    let config = RunConfig {
        perfect_arm,
        ..RunConfig::new(s.seed(), trials)
    };
    engine::run(s, &config, &|_| {})
}

/// Runs a scenario in-process on a dedicated pool of `threads` threads.
pub fn simulate_on(s: &Scenario, trials: u64, threads: usize) -> RunResult {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| simulate(s, trials))
}

/// `s` with the `[[intervention]]`/`[[sweep]]` tables of `text` added as with `--intervention`
/// (the file is written to `dir`, where design tables may also be).
pub fn with_variants(s: Scenario, dir: &Path, text: &str) -> refgap::Result<Scenario> {
    let file = dir.join("variants.toml");
    std::fs::write(&file, text).unwrap();
    s.with_variants_file(&file)
}

/// A bundled scenario without its own variants.
pub fn bundled_baseline(name: &str) -> Scenario {
    Scenario::load(&bundled(name)).unwrap().without_variants()
}

/// The one way these tests start the binary: `refgap ARGS` in the crate's root folder, so that
/// relative scenario paths resolve as in the README.
pub fn refgap<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::cargo_bin("refgap").expect("the refgap binary is built for integration tests");
    cmd.current_dir(root()).args(args);
    cmd
}

/// Sorted names in a folder.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// The regional scenario `scenarios/ecowas-2020`, loaded and solved once per test binary (see
/// [`ecowas`]).
pub struct Regional {
    /// As bundled, with its interventions and sweeps.
    pub with_variants: Scenario,
    /// Its baseline, without variants.
    pub baseline: Scenario,
    /// The exact solution of the baseline (the variants do not change it).
    pub solved: Vec<ExactCohort>,
}

/// The regional scenario: loading and solving it takes seconds, so every test shares one copy.
pub fn ecowas() -> &'static Regional {
    static REGIONAL: OnceLock<Regional> = OnceLock::new();
    REGIONAL.get_or_init(|| {
        let with_variants =
            Scenario::load(&bundled("ecowas-2020")).unwrap_or_else(|e| panic!("ecowas-2020 is invalid:\n{e}"));
        let baseline = with_variants.clone().without_variants();
        let solved = exact::solve(&baseline).unwrap();
        Regional {
            with_variants,
            baseline,
            solved,
        }
    })
}
