//! Inputs never escape the scenario or exhaust the machine (issue 12): tables resolve inside the
//! scenario's folder unless `--allow-outside-tables`, only regular files are read (no device, no
//! FIFO), files over the size cap are refused, messages never echo the content of a file that
//! was refused, and text cells that spreadsheets would run as formulas are neutralised.

use std::fs;
use std::path::{Path, PathBuf};

use predicates::prelude::*;

use crate::util::{refgap, root};

/// A copy of the bundled folder scenario `europe-leg` in `dir/europe-leg`, with its
/// authorities table named as `authorities`.
fn scenario_naming(dir: &Path, authorities: &str) -> PathBuf {
    let to = dir.join("europe-leg");
    fs::create_dir_all(&to).unwrap();
    for e in fs::read_dir(root().join("scenarios").join("europe-leg")).unwrap() {
        let p = e.unwrap().path();
        fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
    let text = fs::read_to_string(to.join("scenario.toml")).unwrap().replace(
        "authorities = \"authorities.csv\"",
        &format!("authorities = {authorities:?}"),
    );
    fs::write(to.join("scenario.toml"), text).unwrap();
    to
}

/// `refgap check` on `dir` fails with a message holding every one of `wanted`, and never the
/// end of the first line of /etc/passwd.
fn check_fails(dir: &Path, extra: &[&str], wanted: &[&str]) {
    let mut cmd = refgap(["check"]);
    cmd.arg(dir).args(extra);
    let mut assert = cmd.assert().failure().stderr(predicate::str::contains("/bin/").not());
    for w in wanted {
        assert = assert.stderr(predicate::str::contains(*w));
    }
}

#[test]
fn an_absolute_table_path_is_refused_without_echoing_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = scenario_naming(tmp.path(), "/etc/passwd");
    check_fails(
        &dir,
        &[],
        &[
            "[tables] authorities",
            "/etc/passwd is an absolute path",
            "--allow-outside-tables",
        ],
    );
    // Allowed outside, /etc/passwd is read as a table and refused for its columns, quoting at
    // most the first 20 characters of the offending cell.
    check_fails(
        &dir,
        &["--allow-outside-tables"],
        &["/etc/passwd line 1: unknown field `root:x:0:0:root:/roo…`"],
    );
}

#[test]
fn a_table_climbing_out_or_linked_out_of_the_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = scenario_naming(tmp.path(), "../authorities.csv");
    fs::copy(dir.join("authorities.csv"), tmp.path().join("authorities.csv")).unwrap();
    check_fails(&dir, &[], &["outside the scenario's folder", "--allow-outside-tables"]);
    // Shared tables are the use of the option.
    refgap(["check", "--allow-outside-tables"]).arg(&dir).assert().success();

    let dir = scenario_naming(&tmp.path().join("linked"), "link.csv");
    std::os::unix::fs::symlink("/etc/passwd", dir.join("link.csv")).unwrap();
    check_fails(
        &dir,
        &[],
        &["link.csv resolves to /etc/passwd, outside the scenario's folder"],
    );
    // A link that stays inside is fine.
    fs::remove_file(dir.join("link.csv")).unwrap();
    std::os::unix::fs::symlink(dir.join("authorities.csv"), dir.join("link.csv")).unwrap();
    refgap(["check"]).arg(&dir).assert().success();
}

#[test]
fn devices_and_fifos_are_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    // /dev/zero would be read until memory runs out.
    let dir = scenario_naming(tmp.path(), "zero.csv");
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.csv")).unwrap();
    check_fails(&dir, &["--allow-outside-tables"], &["zero.csv is not a regular file"]);
    refgap(["check", "/dev/zero"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("/dev/zero is not a regular file"));
    // A FIFO would block the read forever: refused before opening it.
    let dir = scenario_naming(&tmp.path().join("fifo"), "pipe.csv");
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("pipe.csv"))
        .status()
        .unwrap();
    assert!(made.success());
    check_fails(&dir, &[], &["pipe.csv is not a regular file"]);
    refgap(["run"])
        .arg(dir.join("pipe.csv"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("pipe.csv is not a regular file"));
}

#[test]
fn files_over_the_size_cap_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = scenario_naming(tmp.path(), "authorities.csv");
    let mut table = fs::read_to_string(dir.join("authorities.csv")).unwrap();
    table.push_str(&"\n".repeat(2 << 20)); // 2 MiB of empty lines: still a valid table
    fs::write(dir.join("authorities.csv"), table).unwrap();
    refgap(["check"]).arg(&dir).assert().success();
    check_fails(
        &dir,
        &["--max-input-mb", "1"],
        &["authorities.csv is larger than 1 MiB", "--max-input-mb"],
    );
}

/// A cohort named like a formula reaches the CSV files as text (OWASP CSV injection).
#[test]
fn formula_like_names_are_neutralised_in_every_table() {
    let tmp = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(root().join("scenarios").join("minimal.toml")).unwrap();
    let evil = r#"=HYPERLINK("http://example.invalid","x")"#;
    let cohort = "name = \"BFA children, cocoa farms in CIV\"";
    assert!(text.contains(cohort));
    let file = tmp.path().join("evil.toml");
    fs::write(&file, text.replacen(cohort, &format!("name = {evil:?}"), 1)).unwrap();
    refgap(["run", "--trials", "1000", "-q", "--out"])
        .arg(tmp.path().join("out"))
        .arg(&file)
        .assert()
        .success();
    let rates = fs::read_to_string(tmp.path().join("out").join("evil").join("rates.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(rates.as_bytes());
    let cohorts: Vec<String> = reader.records().map(|r| r.unwrap()[1].to_owned()).collect();
    assert!(!cohorts.is_empty());
    assert!(cohorts.iter().all(|c| *c == format!("'{evil}")), "{cohorts:?}");
}
