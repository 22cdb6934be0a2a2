//! Results folders never destroy what refgap did not write (issue 12): a scenario folder, a file
//! in the way, a user's file saved into an earlier result, a concurrent run, an unwritable
//! location and stale staging folders of interrupted runs; the manifest lists exactly the
//! folder's files. Each case checks the exact behaviour and that nothing else changed.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use predicates::prelude::*;

use crate::util::{entries, refgap, root};

/// Every file under `dir` (relative path -> bytes), to show that nothing changed.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.insert(p.strip_prefix(base).unwrap().to_path_buf(), fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A copy of the bundled folder scenario `europe-leg` in `dir`.
fn copy_scenario_folder(dir: &Path) -> PathBuf {
    let to = dir.join("europe-leg");
    fs::create_dir_all(&to).unwrap();
    for e in fs::read_dir(root().join("scenarios").join("europe-leg")).unwrap() {
        let p = e.unwrap().path();
        fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
    to
}

/// `refgap run proj --out .` once deleted the scenario's own folder: now it is refused before
/// any simulation, and the folder is unchanged.
#[test]
fn a_scenario_folder_is_never_an_output() {
    let tmp = tempfile::tempdir().unwrap();
    let proj = copy_scenario_folder(tmp.path());
    fs::write(proj.join("notes.txt"), "my notes").unwrap();
    let before = tree(tmp.path());
    refgap(["run", proj.to_str().unwrap(), "--trials", "1000", "-q", "--out"])
        .arg(tmp.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("refusing to write"))
        .stderr(predicate::str::contains("europe-leg"))
        .stderr(predicate::str::contains("--out"));
    assert_eq!(tree(tmp.path()), before, "nothing may change");
    assert_eq!(
        entries(tmp.path()),
        vec!["europe-leg"],
        "no staging or lock left behind"
    );
    // The same from inside the folder, the way the bug was met.
    refgap(["run", ".", "--trials", "1000", "-q", "--out", ".."])
        .current_dir(&proj)
        .assert()
        .failure()
        .stderr(predicate::str::contains("refusing to write"));
    assert_eq!(tree(tmp.path()), before);
}

/// A file where the results folder would go is refused before simulating (it was renamed aside
/// and the run exited 1 after writing).
#[test]
fn a_file_in_the_way_is_refused_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("minimal"), "a user's file").unwrap();
    let before = tree(tmp.path());
    refgap(["run", "scenarios/minimal.toml", "--trials", "1000", "--out"])
        .arg(tmp.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "a file (or link) that refgap did not write is in the way",
        ))
        .stdout(predicate::str::is_empty());
    assert_eq!(tree(tmp.path()), before);
    assert_eq!(entries(tmp.path()), vec!["minimal"]);
}

/// A folder that is not a refgap result, and an earlier result into which a user saved a
/// notebook, are refused and kept; an earlier result holding only its own files is replaced.
#[test]
fn only_refgap_results_are_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().to_str().unwrap();
    let dir = tmp.path().join("minimal");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("data.xlsx"), "not refgap's").unwrap();
    let before = tree(tmp.path());
    refgap(["run", "scenarios/minimal.toml", "--trials", "1000", "-q", "--out", out])
        .assert()
        .failure()
        .stderr(predicate::str::contains("is not a refgap result"));
    assert_eq!(tree(tmp.path()), before);

    fs::remove_file(dir.join("data.xlsx")).unwrap();
    refgap(["run", "scenarios/minimal.toml", "--trials", "1000", "-q", "--out", out])
        .assert()
        .success();
    refgap(["run", "scenarios/minimal.toml", "--trials", "2000", "-q", "--out", out])
        .assert()
        .success();
    let manifest = fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"trials\": 2000"), "the earlier result is replaced");

    fs::write(dir.join("analysis.ipynb"), "{}").unwrap();
    let before = tree(tmp.path());
    refgap(["run", "scenarios/minimal.toml", "--trials", "3000", "-q", "--out", out])
        .assert()
        .failure()
        .stderr(predicate::str::contains("analysis.ipynb"))
        .stderr(predicate::str::contains("refgap did not write"));
    assert_eq!(
        tree(tmp.path()),
        before,
        "the notebook and the result it sits in survive"
    );
    assert_eq!(entries(tmp.path()), vec!["minimal"]);
}

/// A second run into the same folder while one holds it fails at once with a clear message.
#[test]
fn a_concurrent_run_into_the_same_folder_fails_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let lock = fs::File::create(tmp.path().join(".minimal.lock")).unwrap();
    lock.try_lock().unwrap(); // what a running refgap holds
    refgap(["run", "scenarios/minimal.toml", "--trials", "1000", "-q", "--out"])
        .arg(tmp.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("another refgap run is writing this folder"));
    assert!(!tmp.path().join("minimal").exists());
    drop(lock);
    refgap(["run", "scenarios/minimal.toml", "--trials", "1000", "-q", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    assert_eq!(
        entries(tmp.path()),
        vec!["minimal"],
        "the run removes its lock file when it ends"
    );
}

/// A location that cannot be written fails before any simulation: 10^12 trials would take days,
/// so reaching the error at all shows nothing was simulated.
#[test]
fn an_unwritable_location_fails_before_simulating() {
    // Nobody, not even root, can make folders under /proc.
    refgap([
        "run",
        "scenarios/minimal.toml",
        "--trials",
        "1000000000000",
        "--out",
        "/proc/refgap-results",
    ])
    .assert()
    .failure()
    .stderr(predicate::str::contains("cannot write /proc"));
}

/// A run killed while it simulates leaves the earlier result untouched and only hidden staging;
/// the next run removes that staging and says so.
#[test]
fn the_next_run_cleans_what_an_interrupted_run_left() {
    use assert_cmd::cargo::CommandCargoExt;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().to_str().unwrap();
    refgap(["run", "scenarios/minimal.toml", "--trials", "10000", "--out", out, "-q"])
        .assert()
        .success();
    let before = fs::read(tmp.path().join("minimal").join("rates.csv")).unwrap();
    // 2·10^9 trials take minutes: the kill lands during the simulation, whenever it happens.
    let mut child = std::process::Command::cargo_bin("refgap")
        .unwrap()
        .current_dir(root())
        .args([
            "run",
            "scenarios/minimal.toml",
            "--trials",
            "2000000000",
            "--out",
            out,
            "-q",
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().unwrap();
    assert!(
        !child.wait().unwrap().success(),
        "the run was expected to be killed, not to finish"
    );
    assert_eq!(fs::read(tmp.path().join("minimal").join("rates.csv")).unwrap(), before);
    let visible: Vec<String> = entries(tmp.path())
        .into_iter()
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(visible, vec!["minimal"]);
    // A staging folder of an older kind of crash, too.
    fs::create_dir(tmp.path().join(".minimal.old-12345")).unwrap();
    fs::write(tmp.path().join(".minimal.old-12345").join("rates.csv"), "x").unwrap();
    refgap(["run", "scenarios/minimal.toml", "--trials", "10000", "--out", out])
        .assert()
        .success()
        .stderr(predicate::str::contains("left by an interrupted run"));
    assert_eq!(entries(tmp.path()), vec!["minimal"], "no staging, no lock file left");
}

/// The manifest lists exactly the files of its folder, for every kind of folder.
#[test]
fn the_manifest_lists_exactly_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().to_str().unwrap();
    refgap(["run", "scenarios/minimal.toml", "--trials", "1000", "-q", "--out", out])
        .assert()
        .success();
    refgap(["run", "scenarios/talibe.toml", "--trials", "1000", "-q", "--out", out])
        .assert()
        .success();
    refgap([
        "exact",
        "scenarios/minimal.toml",
        "scenarios/talibe.toml",
        "-q",
        "--out",
        out,
    ])
    .assert()
    .success();
    for (name, kind) in [
        ("minimal", "run"),
        ("talibe", "run"),
        ("minimal-exact", "exact"),
        ("talibe-exact", "exact"),
    ] {
        let dir = tmp.path().join(name);
        let m: serde_json::Value = serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(m["tool"], "refgap");
        assert_eq!(m["kind"], kind, "{name}");
        let mut listed: Vec<String> = m["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_owned())
            .collect();
        listed.push("manifest.json".to_owned());
        listed.sort();
        if name == "talibe" {
            assert!(
                listed.iter().any(|f| f == "pairwise.csv"),
                "a run with variants pairs them"
            );
        }
        assert_eq!(listed, entries(&dir), "{name}");
    }
}

/// The SHA-256 of `bytes`, as `sha256sum` prints it.
fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(bytes))
}

/// The `files` of a manifest entry as `(file, sha256)` pairs.
fn hashed(entry: &serde_json::Value) -> Vec<(String, String)> {
    entry["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_owned(),
                f["sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The manifest names every file read with its own SHA-256 (the scenario file, its CSV tables,
/// each `--intervention` file and its design table, named relative to the folder of the file
/// that names them), and keeps the combined hash of each file with its tables.
#[test]
fn the_manifest_names_every_input_file_with_its_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = tmp.path().join("sweep.toml");
    let sweep_text = "[[sweep]]\nname = \"border\"\ndesign = \"csv\"\nfile = \"points.csv\"\n\
                      [[sweep.axis]]\nname = \"q\"\nselect = { cross_border = true }\nparameter = \"quality\"\n";
    fs::write(&sweep, sweep_text).unwrap();
    fs::write(tmp.path().join("points.csv"), "q\n0.9\n").unwrap();
    refgap(["run", "scenarios/europe-leg", "--trials", "200", "-q", "--intervention"])
        .arg(&sweep)
        .arg("--out")
        .arg(tmp.path())
        .assert()
        .success();
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(tmp.path().join("europe-leg").join("manifest.json")).unwrap()).unwrap();
    let dir = root().join("scenarios/europe-leg");
    let read = |name: &str| fs::read(dir.join(name)).unwrap();
    let names = ["scenario.toml", "authorities.csv", "channels.csv"];
    let want: Vec<(String, String)> = names.iter().map(|n| (n.to_string(), sha256(&read(n)))).collect();
    assert_eq!(hashed(&m["scenario"]), want);
    let all: Vec<u8> = names.iter().flat_map(|n| read(n)).collect();
    assert_eq!(m["scenario"]["sha256"], sha256(&all), "the combined hash is kept");

    let extra = &m["intervention_files"][0];
    let points = fs::read(tmp.path().join("points.csv")).unwrap();
    assert_eq!(
        hashed(extra),
        [
            ("sweep.toml".to_owned(), sha256(sweep_text.as_bytes())),
            ("points.csv".to_owned(), sha256(&points))
        ]
    );
    let all = [sweep_text.as_bytes(), &points].concat();
    assert_eq!(extra["sha256"], sha256(&all));
}

/// Whether a CSV cell is a number no table may hold: NaN, an infinity or a negative zero.
fn forbidden_number(cell: &str) -> bool {
    let lower = cell.to_ascii_lowercase();
    let bare = lower.trim_start_matches(['-', '+']);
    bare == "nan" || bare == "inf" || bare == "infinity" || (cell.starts_with('-') && cell.parse::<f64>() == Ok(0.0))
}

/// One rule for what cannot be written (docs/MODEL.md, "Outputs"): no table of a `run`, `exact`,
/// `uncertainty` (exact and simulated) or `transfer` folder of the bundled scenarios holds
/// `NaN`, an infinity or `-0`, and no table has a `protected_in_time` row where it does not apply
/// (exact solutions have no clock).
#[test]
fn no_table_of_the_bundled_scenarios_holds_nan_inf_or_negative_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().to_str().unwrap();
    let bundled = [
        "scenarios/minimal.toml",
        "scenarios/talibe.toml",
        "scenarios/europe-leg",
    ];
    // minimal.toml without its horizon: `protected_in_time` does not apply, so no row has it.
    let clockless = tmp.path().join("clockless.toml");
    let text = fs::read_to_string(root().join("scenarios/minimal.toml")).unwrap();
    assert!(text.contains("horizon_days = 90\n"));
    fs::write(&clockless, text.replace("horizon_days = 90\n", "")).unwrap();
    let clockless = clockless.to_str().unwrap();
    let runs: Vec<Vec<&str>> = vec![
        [&["run"][..], &bundled, &["--trials", "1000"]].concat(),
        vec!["run", clockless, "--trials", "1000"],
        vec!["run", "scenarios/ecowas-2020", "--no-variants", "--trials", "200"],
        [&["exact"][..], &bundled, &["scenarios/ecowas-2020"]].concat(),
        vec!["uncertainty", "scenarios/talibe.toml", "--samples", "8"],
        vec!["transfer", "scenarios/talibe.toml"],
        vec![
            "uncertainty",
            "scenarios/talibe.toml",
            "--samples",
            "4",
            "--simulate",
            "--trials",
            "500",
            "-q",
        ],
    ];
    for (i, args) in runs.iter().enumerate() {
        let mut cmd = refgap(args.iter().copied());
        if i + 1 < runs.len() {
            cmd.args(["-q", "--out", out]);
        } else {
            // The simulated uncertainty run goes next to the exact one.
            cmd.args(["--out"]).arg(tmp.path().join("simulated"));
        }
        cmd.assert().success();
    }
    let mut tables = 0;
    let mut folders: Vec<PathBuf> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().path()).collect();
    folders.extend(
        fs::read_dir(tmp.path().join("simulated"))
            .unwrap()
            .map(|e| e.unwrap().path()),
    );
    for dir in folders.iter().filter(|d| d.join("manifest.json").is_file()) {
        let kind = dir.file_name().unwrap().to_string_lossy().into_owned();
        for e in fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_none_or(|x| x != "csv") {
                continue;
            }
            tables += 1;
            let mut r = csv::Reader::from_path(&path).unwrap();
            let header = r.headers().unwrap().clone();
            for (line, rec) in r.records().enumerate() {
                let rec = rec.unwrap();
                for (col, cell) in header.iter().zip(rec.iter()) {
                    assert!(
                        !forbidden_number(cell),
                        "{}: row {} {col} = {cell}",
                        path.display(),
                        line + 2
                    );
                    if (kind.ends_with("-exact") || kind == "clockless") && col == "measure" {
                        assert_ne!(cell, "protected_in_time", "{}: no clock, no row", path.display());
                    }
                }
            }
        }
    }
    assert!(tables >= 40, "{tables} tables checked");
    let rates = fs::read_to_string(tmp.path().join("clockless/rates.csv")).unwrap();
    assert!(
        rates.contains(",completed,"),
        "the clockless run has its other measures"
    );
}
