//! Sharded runs (issue 15): shards of any count, of `run` and of `uncertainty`, merge into the
//! one-machine result byte for byte; merge refuses incomplete, mixed or damaged sets naming the file; a killed shard task
//! leaves nothing merge accepts; `--resume` after kill -9 gives the uninterrupted result, and a
//! `--resume` that cannot use the checkpoint (another run's, damaged) says why.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use predicates::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use refgap::engine::part::{WorkItems, finish, run_part, split};
use refgap::engine::{self, RunConfig};
use refgap::exact::Solver;
use refgap::exact::uncertainty::Sample;
use refgap::exact::uncertainty::evaluate_all;
use refgap::report::Report;
use refgap::report::folder::OutputFolder;
use refgap::report::sensitivity::Design;
use refgap::report::shard::{self, DesignId, Inputs, RunId, Shard, ShardSet};
use refgap::report::uncertainty::UncertaintyWriter;
use refgap::scenario::Scenario;
use refgap::stats::sensitivity::{lhs, saltelli};

use crate::util::{bundled, entries, refgap};

/// The files of a results folder, name and bytes, sorted by name.
fn folder(dir: &Path) -> Vec<(String, Vec<u8>)> {
    entries(dir)
        .into_iter()
        .map(|n| {
            let bytes = fs::read(dir.join(&n)).unwrap();
            (n, bytes)
        })
        .collect()
}

fn inputs(s: &Scenario) -> Inputs {
    Inputs {
        scenario: fs::canonicalize(&s.source().path).unwrap(),
        interventions: Vec::new(),
        no_variants: false,
        allow_outside_tables: false,
        max_input_bytes: 1 << 28,
    }
}

/// Property: for random N in 1..=17 and random trial counts (so random block boundaries and a
/// partial last block), the shards of a run with variants, written, read back, checked and
/// merged, give byte for byte the files of a one-machine run (fixed seed of the draw).
#[test]
fn any_number_of_shards_merges_to_the_one_machine_result() {
    let talibe = Scenario::load(&bundled("talibe.toml")).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    for case in 0..10 {
        let count: u64 = rng.random_range(1..=17);
        let trials: u64 = rng.random_range(1..=12_000);
        let independent = case % 4 == 3;
        let s = talibe.clone().with_trials(trials).unwrap();
        let config = RunConfig {
            independent,
            ..RunConfig::from_scenario(&s)
        };
        let one = Report::new(&s, &engine::run(&s, &config, &|_| {})).files();
        let tmp = tempfile::tempdir().unwrap();
        let work = WorkItems::new(&s, trials);
        for i in 0..count {
            let items = work.part(i, count);
            let arms = run_part(&s, &config, items.clone(), &|_| {});
            let run = RunId::new(&s, &config, "talibe", count);
            let bytes = Shard::new(run, inputs(&s), i, items, arms).encode();
            fs::write(tmp.path().join(shard::file_name(i)), bytes).unwrap();
        }
        let set = ShardSet::load(tmp.path()).unwrap();
        set.check_scenario(&s).unwrap();
        let merged = Report::new(&s, &finish(&s, &config, set.merged())).files();
        assert_eq!(one.len(), merged.len());
        for ((name, a), (_, b)) in one.iter().zip(&merged) {
            assert!(
                a == b,
                "case {case}: {name} differs between one machine and {count} shards of {trials} trials"
            );
        }
    }
}

/// The files, by name, of the uncertainty results folder that the writer of a one-machine run
/// makes of `worlds` (seed 3), written to a temporary folder and read back.
fn uncertainty_folder(s: &Scenario, worlds: &[Sample], design: &Design) -> Vec<(String, Vec<u8>)> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let folder = OutputFolder::reserve(&dir, &[]).unwrap();
    let mut writer = UncertaintyWriter::start(&folder, s, false).unwrap();
    writer.push(worlds).unwrap();
    let report = writer.finish(design, 3, None).unwrap();
    folder.commit(&report.files()).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// The same property for `uncertainty`: for random N in 1..=17 and random designs (Latin
/// hypercubes of random size, a Sobol design), the sampled worlds of the shards, written, read
/// back and merged in order, give byte for byte the tables of a one-machine run.
#[test]
fn any_number_of_uncertainty_shards_merges_to_the_one_machine_result() {
    let s = Scenario::load(&bundled("talibe.toml")).unwrap();
    let k = s.factors().len();
    let mut rng = ChaCha8Rng::seed_from_u64(1415);
    for case in 0..6 {
        let count: u64 = rng.random_range(1..=17);
        let (design, n) = if case == 0 {
            (Design::Sobol(saltelli(4, k, 3).unwrap()), 4)
        } else {
            let n = rng.random_range(1..=24);
            (Design::Lhs(lhs(n, k, case)), n)
        };
        let points = design.points();
        let all = evaluate_all(&s, points, Solver::Auto, &|| {}).unwrap();
        let one = uncertainty_folder(&s, &all, &design);
        let tmp = tempfile::tempdir().unwrap();
        for i in 0..count {
            let items = split(points.len() as u64, i, count);
            let part = &points[items.start as usize..items.end as usize];
            let samples = evaluate_all(&s, part, Solver::Auto, &|| {}).unwrap();
            let id = DesignId {
                name: design.name().to_owned(),
                samples: n as u64,
                factors: k,
                points: points.len() as u64,
            };
            let run = RunId::uncertainty(&s, id, 3, "talibe-uncertainty", count);
            let bytes = Shard::of_samples(run, inputs(&s), i, items, &samples).encode();
            fs::write(tmp.path().join(shard::file_name(i)), bytes).unwrap();
        }
        let set = ShardSet::load(tmp.path()).unwrap();
        set.check_scenario(&s).unwrap();
        let merged = uncertainty_folder(&s, &set.samples(), &design);
        assert_eq!(one.len(), merged.len());
        for ((name, a), (_, b)) in one.iter().zip(&merged) {
            assert!(
                a == b,
                "case {case}: {name} differs between one machine and {count} shards"
            );
        }
    }
}

/// End to end with the binary: `uncertainty --shard`, then `merge`, equals `uncertainty`.
#[test]
fn cli_uncertainty_shards_merge_to_the_one_machine_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    for i in 0..3 {
        refgap(["uncertainty", "scenarios/talibe.toml", "--samples", "4", "-q", "--out"])
            .arg(&out)
            .args(["--shard", &format!("{i}/3")])
            .assert()
            .success();
    }
    let shards = out.join("talibe-uncertainty-shards");
    refgap(["merge", "-q", "--out"])
        .arg(&out)
        .arg(&shards)
        .assert()
        .success();
    let one = tmp.path().join("one");
    refgap(["uncertainty", "scenarios/talibe.toml", "--samples", "4", "-q", "--out"])
        .arg(&one)
        .assert()
        .success();
    assert_eq!(
        folder(&out.join("talibe-uncertainty")),
        folder(&one.join("talibe-uncertainty"))
    );
}

/// Every field of a tally survives the shard file: a shard read back equals the shard written
/// (a tally field the encoding missed would fail to compile or fail here).
#[test]
fn a_shard_reads_back_equal() {
    let s = Scenario::load(&bundled("talibe.toml"))
        .unwrap()
        .with_trials(3000)
        .unwrap();
    let config = RunConfig::from_scenario(&s);
    let items = WorkItems::new(&s, 3000).part(1, 2);
    let arms = run_part(&s, &config, items.clone(), &|_| {});
    assert!(
        arms.iter()
            .flatten()
            .any(|t| t.trials() > 0 && t.channels.iter().any(|c| c.attempts > 0))
    );
    let written = Shard::new(RunId::new(&s, &config, "talibe", 2), inputs(&s), 1, items, arms);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(shard::file_name(1));
    fs::write(&path, written.encode()).unwrap();
    assert_eq!(Shard::read(&path).unwrap(), written);
}

/// Writes shards `which` of a `count`-shard run of `scenario` (5,000 trials) into
/// `out/NAME-shards` with the binary; `extra` are more `run` options.
fn run_shards(scenario: &Path, out: &Path, count: u64, which: &[u64], extra: &[&str]) {
    for i in which {
        refgap([
            "run",
            "--trials",
            "5000",
            "-q",
            "--shard",
            &format!("{i}/{count}"),
            "--out",
        ])
        .arg(out)
        .arg(scenario)
        .args(extra)
        .assert()
        .success();
    }
}

/// A scenario copied into a temporary folder, so that a test may change it.
fn own_minimal(dir: &Path) -> PathBuf {
    let path = dir.join("minimal.toml");
    fs::copy(bundled("minimal.toml"), &path).unwrap();
    path
}

/// End to end with the binary: 3 shards, `missing` lists nothing, `merge` writes the folder a
/// one-machine run writes, every file (manifest included) byte for byte.
#[test]
fn cli_shards_merge_to_the_one_machine_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_shards(Path::new("scenarios/minimal.toml"), &out, 3, &[0, 2], &[]);
    let shards = out.join("minimal-shards");
    refgap(["missing", "--shards", "3"])
        .arg(&shards)
        .assert()
        .success()
        .stdout("1\n");
    run_shards(Path::new("scenarios/minimal.toml"), &out, 3, &[1], &[]);
    refgap(["missing", "--shards", "3"])
        .arg(&shards)
        .assert()
        .success()
        .stdout("");
    refgap(["merge", "-q", "--out"])
        .arg(&out)
        .arg(&shards)
        .assert()
        .success();
    let one = tmp.path().join("one");
    refgap(["run", "scenarios/minimal.toml", "--trials", "5000", "-q", "--out"])
        .arg(&one)
        .assert()
        .success();
    assert_eq!(folder(&out.join("minimal")), folder(&one.join("minimal")));
}

/// `plan` shows every shard's cohorts and trial ranges (covering each cohort's trials once) and
/// the sbatch line, without simulating.
#[test]
fn plan_shows_each_shard_and_the_sbatch_line() {
    let out = refgap(["plan", "scenarios/talibe.toml", "--shards", "5", "--trials", "20000"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("60 work item(s)"), "{text}");
    assert!(
        text.contains(
            "sbatch --array=0-4 scripts/slurm/refgap-array.sbatch scenarios/talibe.toml 5 results --trials 20000"
        ),
        "{text}"
    );
    let s = Scenario::load(&bundled("talibe.toml"))
        .unwrap()
        .with_trials(20_000)
        .unwrap();
    let work = WorkItems::new(&s, 20_000);
    for i in 0..5 {
        let pieces: Vec<String> = work
            .cohort_trials(work.part(i, 5))
            .iter()
            .map(|(c, t)| format!("{}: {}..{}", s.cohorts()[*c].name, t.start, t.end))
            .collect();
        assert!(text.contains(&pieces.join(", ")), "shard {i}: {text}");
    }
    let covered: u64 = (0..5)
        .flat_map(|i| work.cohort_trials(work.part(i, 5)))
        .map(|(_, t)| t.end - t.start)
        .sum();
    assert_eq!(covered, 3 * 20_000);
}

/// `plan --uncertainty` cuts the design's sampled worlds (Sobol: N·(k+2) of them) into shards.
#[test]
fn plan_shows_the_worlds_of_each_uncertainty_shard() {
    let out = refgap([
        "plan",
        "scenarios/talibe.toml",
        "--shards",
        "3",
        "--uncertainty",
        "--samples",
        "8",
    ])
    .assert()
    .success()
    .get_output()
    .stdout
    .clone();
    let text = String::from_utf8(out).unwrap();
    // talibé has 3 factors: 8 · (3 + 2) = 40 worlds.
    for line in [
        "0      0..13 (13 world(s))",
        "1      13..26 (13 world(s))",
        "2      26..40 (14 world(s))",
    ] {
        assert!(text.contains(line), "{line}: {text}");
    }
    assert!(text.contains("REFGAP_COMMAND=uncertainty sbatch --array=0-2"), "{text}");
}

/// `merge` of `shards` fails, naming `file` and saying `what`.
fn refused(shards: &Path, file: &str, what: &str) {
    refgap(["merge", "-q", "--out"])
        .arg(shards.parent().unwrap())
        .arg(shards)
        .assert()
        .failure()
        .stderr(predicate::str::contains(file).and(predicate::str::contains(what)));
    assert!(!shards.parent().unwrap().join("minimal").exists(), "nothing merged");
}

#[test]
fn merge_refuses_a_missing_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = own_minimal(tmp.path());
    run_shards(&scenario, tmp.path(), 4, &[0, 1, 3], &[]);
    refused(&tmp.path().join("minimal-shards"), "shard-00002.json", "is missing");
}

#[test]
fn merge_refuses_a_shard_of_another_seed() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = own_minimal(tmp.path());
    run_shards(&scenario, tmp.path(), 3, &[0, 2], &[]);
    run_shards(&scenario, tmp.path(), 3, &[1], &["--seed", "99"]);
    refused(&tmp.path().join("minimal-shards"), "shard-00001.json", "its seed is 99");
}

#[test]
fn merge_refuses_a_shard_of_another_scenario_version() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = own_minimal(tmp.path());
    run_shards(&scenario, tmp.path(), 3, &[0, 1], &[]);
    let text = fs::read_to_string(&scenario).unwrap();
    fs::write(&scenario, text.replace("quality = 0.45", "quality = 0.5")).unwrap();
    assert_ne!(fs::read_to_string(&scenario).unwrap(), text, "the scenario changed");
    run_shards(&scenario, tmp.path(), 3, &[2], &[]);
    refused(
        &tmp.path().join("minimal-shards"),
        "shard-00002.json",
        "its scenario is",
    );
    // Shards all of the old version, the scenario changed since: refused, naming the scenario.
    run_shards(&scenario, tmp.path(), 3, &[0, 1, 2], &[]);
    fs::write(&scenario, text).unwrap();
    refused(
        &tmp.path().join("minimal-shards"),
        "minimal.toml",
        "has changed since the shards were run",
    );
}

#[test]
fn merge_refuses_a_truncated_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = own_minimal(tmp.path());
    run_shards(&scenario, tmp.path(), 3, &[0, 1, 2], &[]);
    let path = tmp.path().join("minimal-shards").join("shard-00001.json");
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    refused(
        &tmp.path().join("minimal-shards"),
        "shard-00001.json",
        "is not an intact shard file",
    );
    refgap(["missing", "-q", "--shards", "3"])
        .arg(tmp.path().join("minimal-shards"))
        .assert()
        .success()
        .stdout("1\n");
}

/// A shard written by the binary whose `perfect_arm` or `random_numbers` is then edited to a
/// value this refgap does not know is refused by `merge`, naming the file, the key and the
/// accepted values, and `missing` lists it: never read as another setting.
#[test]
fn merge_refuses_an_unknown_setting_in_a_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = own_minimal(tmp.path());
    run_shards(&scenario, tmp.path(), 3, &[0, 1, 2], &[]);
    let dir = tmp.path().join("minimal-shards");
    let path = dir.join("shard-00001.json");
    let original = fs::read_to_string(&path).unwrap();
    let cases = [
        (
            "\"perfect_arm\":\"conditional\"",
            "\"perfect_arm\":\"exact\"",
            "its perfect_arm is \"exact\"",
            "accepted: conditional, simulated",
        ),
        (
            "\"random_numbers\":\"common\"",
            "\"random_numbers\":\"Common\"",
            "its random_numbers is \"Common\"",
            "accepted: common, independent",
        ),
    ];
    for (key, edited, named, accepted) in cases {
        assert!(original.contains(key), "the binary wrote {key}");
        fs::write(&path, original.replace(key, edited)).unwrap();
        refgap(["merge", "-q", "--out"])
            .arg(tmp.path())
            .arg(&dir)
            .assert()
            .failure()
            .stderr(
                predicate::str::contains("shard-00001.json")
                    .and(predicate::str::contains(named))
                    .and(predicate::str::contains(accepted))
                    .and(predicate::str::contains("run its shard again with this refgap")),
            );
        assert!(!tmp.path().join("minimal").exists(), "nothing merged");
        refgap(["missing", "-q", "--shards", "3"])
            .arg(&dir)
            .assert()
            .success()
            .stdout("1\n");
    }
    fs::write(&path, original).unwrap();
    refgap(["merge", "-q", "--out"])
        .arg(tmp.path())
        .arg(&dir)
        .assert()
        .success();
}

#[test]
fn merge_refuses_a_duplicate_index() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = own_minimal(tmp.path());
    run_shards(&scenario, tmp.path(), 3, &[0, 1, 2], &[]);
    let dir = tmp.path().join("minimal-shards");
    fs::copy(dir.join("shard-00000.json"), dir.join("shard-00001.json")).unwrap();
    refused(&dir, "shard-00001.json", "a duplicate index");
}

#[test]
fn precision_cannot_be_sharded_or_resumed() {
    for flag in ["--shard=0/2", "--resume"] {
        refgap(["run", "scenarios/minimal.toml", "--precision", "0.01", "-q", flag])
            .assert()
            .failure()
            .stderr(predicate::str::contains("--precision cannot be combined"));
    }
}

#[test]
fn auto_shard_reads_the_array_index() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = own_minimal(tmp.path());
    for (var, i) in [
        ("SLURM_ARRAY_TASK_ID", "0"),
        ("JOB_COMPLETION_INDEX", "1"),
        ("AWS_BATCH_JOB_ARRAY_INDEX", "2"),
    ] {
        refgap(["run", "--trials", "5000", "-q", "--shard", "auto/3", "--out"])
            .arg(tmp.path())
            .arg(&scenario)
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("JOB_COMPLETION_INDEX")
            .env_remove("AWS_BATCH_JOB_ARRAY_INDEX")
            .env(var, i)
            .assert()
            .success();
    }
    assert_eq!(
        entries(&tmp.path().join("minimal-shards")),
        vec!["shard-00000.json", "shard-00001.json", "shard-00002.json"]
    );
    refgap(["run", "--trials", "5000", "-q", "--shard", "auto/3", "--out"])
        .arg(tmp.path())
        .arg(&scenario)
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("AWS_BATCH_JOB_ARRAY_INDEX")
        .env("SLURM_ARRAY_TASK_ID", "3")
        .assert()
        .failure()
        .stderr(predicate::str::contains("--array=0-2"));
}

/// Starts `refgap ARGS` in the background (stdout and stderr discarded).
fn spawn(args: &[&str], out: &Path) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("refgap"))
        .current_dir(crate::util::root())
        .args(args)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until `ready` holds or `child` exits; returns whether it is still running.
fn wait_for(child: &mut Child, ready: impl Fn() -> bool) -> bool {
    loop {
        if ready() {
            return child.try_wait().unwrap().is_none();
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn kill9(child: &mut Child) {
    let status = std::process::Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait().unwrap();
}

/// kill -9 of a shard task while it simulates (its shard file is reserved before the work):
/// no shard file appears, `missing` lists it, `merge` refuses the set.
#[test]
fn a_killed_shard_task_leaves_nothing_merge_accepts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("talibe-shards");
    let mut child = spawn(
        &[
            "run",
            "scenarios/talibe.toml",
            "--trials",
            "2000000",
            "-q",
            "--threads",
            "1",
            "--shard",
            "0/1",
        ],
        tmp.path(),
    );
    let reserved = || fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_some());
    assert!(
        wait_for(&mut child, reserved),
        "the shard task ended before it could be killed"
    );
    kill9(&mut child);
    assert!(!dir.join("shard-00000.json").exists(), "a killed task wrote its shard");
    refgap(["missing", "-q", "--shards", "1"])
        .arg(&dir)
        .assert()
        .success()
        .stdout("0\n");
    refgap(["merge", "-q", "--out"])
        .arg(tmp.path())
        .arg(&dir)
        .assert()
        .failure()
        .stderr(predicate::str::contains("holds no shard file"));
}

/// kill -9 of a one-machine run once its first checkpoint is on disk, then `--resume`: the
/// result is byte-identical to an uninterrupted run, and no checkpoint is left.
#[test]
fn resume_after_kill_9_gives_the_uninterrupted_result() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let args = TALIBE_300K;
    interrupted(&args, &out);
    refgap(args)
        .arg("--resume")
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("from its checkpoint"));
    assert_eq!(entries(&out), vec!["talibe"], "checkpoints, lock and staging are gone");
    let one = tmp.path().join("one");
    refgap(["run", "scenarios/talibe.toml", "--trials", "300000", "-q", "--out"])
        .arg(&one)
        .assert()
        .success();
    assert_eq!(folder(&out.join("talibe")), folder(&one.join("talibe")));
}

/// Starts `refgap ARGS --out OUT` (a run of `scenarios/talibe.toml`), kills it with kill -9 once
/// its first checkpoint is on disk, and returns the checkpoint's path.
fn interrupted(args: &[&str], out: &Path) -> PathBuf {
    let mut child = spawn(args, out);
    let first = out.join(".talibe.checkpoints").join("checkpoint.json");
    assert!(
        wait_for(&mut child, || first.exists()),
        "the run ended before its first checkpoint could be seen"
    );
    kill9(&mut child);
    assert!(!out.join("talibe").exists(), "a killed run wrote results");
    first
}

/// The folder a fresh run of `scenarios/talibe.toml` with `--trials TRIALS` writes.
fn fresh_talibe(trials: &str, tmp: &Path) -> Vec<(String, Vec<u8>)> {
    let one = tmp.join(format!("fresh-{trials}"));
    refgap(["run", "scenarios/talibe.toml", "--trials", trials, "-q", "--out"])
        .arg(&one)
        .assert()
        .success();
    folder(&one.join("talibe"))
}

/// A one-thread run of the talibé scenario that writes a checkpoint after every step (add
/// `--trials`).
const TALIBE_CHECKPOINTED: [&str; 6] = [
    "run",
    "scenarios/talibe.toml",
    "--threads",
    "1",
    "--checkpoint-every",
    "0",
];

/// [`TALIBE_CHECKPOINTED`] with 300,000 trials per cohort.
const TALIBE_300K: [&str; 8] = [
    "run",
    "scenarios/talibe.toml",
    "--trials",
    "300000",
    "--threads",
    "1",
    "--checkpoint-every",
    "0",
];

/// The first `note:` line a run of `refgap ARGS --out OUT` prints on stderr; the run is then
/// killed (kill -9), so it has written nothing of its own yet when `ARGS` hold a
/// `--checkpoint-every` longer than the test.
fn first_note(args: &[&str], out: &Path) -> String {
    use std::io::BufRead;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("refgap"))
        .current_dir(crate::util::root())
        .args(args)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let note = stderr.lines().map(Result::unwrap).find(|l| l.starts_with("note:"));
    kill9(&mut child);
    note.expect("a note before the run")
}

/// `--resume` with another --trials than the interrupted run: it says which setting differs,
/// with both values and what to do, runs from the start (the result is a fresh run's) and the
/// old checkpoint is gone at the end. Without any checkpoint, it says there is nothing to resume.
#[test]
fn resume_of_another_run_names_the_setting_that_differs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = TALIBE_CHECKPOINTED;
    let file = interrupted(&[&run[..], &["--trials", "300000"]].concat(), &out);
    let assert = refgap(run)
        .args(["--trials", "200000", "--resume", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let note = format!(
        "note: cannot resume {}: its checkpoint {} is of another run: its trials was 300000, this run's is 200000: \
         run with the same scenario files and settings to resume it. This run starts from the beginning",
        out.join("talibe").display(),
        file.display()
    );
    assert!(stderr.contains(&note), "{stderr}");
    assert!(!stderr.contains("from its checkpoint"), "{stderr}");
    assert_eq!(entries(&out), vec!["talibe"], "the other run's checkpoint is gone");
    assert_eq!(folder(&out.join("talibe")), fresh_talibe("200000", tmp.path()));

    let empty = tmp.path().join("empty");
    refgap(run)
        .args(["--trials", "2000", "--resume", "--out"])
        .arg(&empty)
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "note: nothing to resume for {}: it runs from the start",
            empty.join("talibe").display()
        )));
}

/// `--resume` with a checkpoint cut short: it says the checkpoint cannot be used and why, runs
/// from the start (the result is a fresh run's), and the damaged file is gone at the end.
#[test]
fn resume_of_a_damaged_checkpoint_says_it_cannot_be_read() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let args = TALIBE_300K;
    let file = interrupted(&args, &out);
    let bytes = fs::read(&file).unwrap();
    fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let assert = refgap(args).arg("--resume").arg("--out").arg(&out).assert().success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let note = format!(
        "note: cannot resume {}: its checkpoint {} is not an intact shard file (",
        out.join("talibe").display(),
        file.display()
    );
    assert!(stderr.contains(&note), "{stderr}");
    assert!(
        stderr.contains("): it was cut short or damaged. This run starts from the beginning"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("delete it"),
        "a shard's advice, not a checkpoint's: {stderr}"
    );
    assert_eq!(entries(&out), vec!["talibe"], "the damaged checkpoint is gone");
    assert_eq!(folder(&out.join("talibe")), fresh_talibe("300000", tmp.path()));
}

/// A `--resume` that cannot use the checkpoint says so before it simulates and leaves the file
/// in place until it writes its own: stopped at once (kill -9 after its note), it leaves the old
/// checkpoint as it was, and a `--resume` with the interrupted run's settings continues it.
#[test]
fn a_resume_stopped_after_its_note_keeps_the_old_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = TALIBE_CHECKPOINTED;
    let file = interrupted(&[&run[..], &["--trials", "300000"]].concat(), &out);
    let before = fs::read(&file).unwrap();
    // A run far too long to end before it is killed, that writes no checkpoint of its own first.
    let long = [
        &run[..4],
        &["--trials", "100000000", "--resume", "--checkpoint-every", "100000"],
    ]
    .concat();
    let note = first_note(&long, &out);
    assert!(
        note.contains("its trials was 300000, this run's is 100000000")
            && note.contains("(stop this run before then to keep it)"),
        "{note}"
    );
    assert_eq!(fs::read(&file).unwrap(), before, "the old checkpoint is as it was");
    refgap(run)
        .args(["--trials", "300000", "--resume", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("from its checkpoint"));
    assert_eq!(folder(&out.join("talibe")), fresh_talibe("300000", tmp.path()));
}

/// A run without `--resume` that finds a checkpoint of this very run (a forgotten flag) says so
/// before it simulates, with what to do, and keeps the checkpoint until it writes its own:
/// stopped at once (kill -9 after its note), it leaves the checkpoint as it was; let run to the
/// end, it gives a fresh run's folder and removes it.
#[test]
fn a_run_without_resume_says_it_could_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = ["run", "scenarios/talibe.toml", "--threads", "1", "--trials", "300000"];
    let file = interrupted(&[&run[..], &["--checkpoint-every", "0"]].concat(), &out);
    let before = fs::read(&file).unwrap();
    let note = first_note(&[&run[..], &["--checkpoint-every", "100000"]].concat(), &out);
    let want = format!(
        "note: {} has a checkpoint of this very run, {} (",
        out.join("talibe").display(),
        file.display()
    );
    assert!(
        note.starts_with(&want)
            && note.contains("that this run does not use: stop it and add --resume to continue from there.")
            && note.contains("(stop this run before then to keep it)"),
        "{note}"
    );
    assert_eq!(fs::read(&file).unwrap(), before, "the checkpoint is as it was");
    // Let run to the end without --resume: a fresh run's result, and no checkpoint left.
    refgap(run)
        .args(["--checkpoint-every", "100000", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("has a checkpoint of this very run"));
    assert_eq!(
        entries(&out),
        vec!["talibe"],
        "the checkpoint is gone once the result is written"
    );
    assert_eq!(folder(&out.join("talibe")), fresh_talibe("300000", tmp.path()));
}
