//! Writing a results folder atomically.
//!
//! Every file is first written into a fresh staging folder beside the target (`.NAME.partial-*`,
//! which never looks like a result), `manifest.json` last; the staging folder is then renamed to
//! the target. A previous folder of the same name is first renamed aside and removed only after
//! the new one is in place. An interrupted run therefore leaves either the old complete folder,
//! the new complete folder, or a `.partial` folder, never a half-written result.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::Report;
use super::csv::{CsvRow, to_csv};
use crate::error::{Error, Result};

/// Writes every table and the manifest of `report` into `dir` (created, or replaced whole).
pub fn write_all(report: &Report, dir: &Path) -> Result<()> {
    let mut files = vec![
        (super::csv::RateRow::FILE, to_csv(&report.rates)),
        (super::csv::TimeRow::FILE, to_csv(&report.times)),
        (super::csv::HopsRow::FILE, to_csv(&report.hops)),
        (super::csv::ChannelRow::FILE, to_csv(&report.channels)),
        (super::csv::GapRow::FILE, to_csv(&report.gap)),
        (super::csv::InconsistencyRow::FILE, to_csv(&report.inconsistency)),
        (super::csv::VariantRow::FILE, to_csv(&report.variants)),
    ];
    if report.variants.len() > 1 {
        files.push((super::csv::ComparisonRow::FILE, to_csv(&report.comparisons)));
    }
    files.push(("manifest.json", report.manifest.to_json()));
    write_folder(dir, &files)
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `files` (name, bytes), in order, into a staging folder and renames it to `dir`.
pub fn write_folder(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<()> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io_err(&parent))?;
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("results");
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.partial-"))
        .tempdir_in(&parent)
        .map_err(io_err(&parent))?;
    for (file, bytes) in files {
        let path = staging.path().join(file);
        let mut f = fs::File::create(&path).map_err(io_err(&path))?;
        f.write_all(bytes).map_err(io_err(&path))?;
        f.sync_all().map_err(io_err(&path))?;
    }
    let staged = staging.keep();
    let old = if dir.exists() {
        let aside = parent.join(format!(".{name}.old-{}", std::process::id()));
        fs::rename(dir, &aside).map_err(io_err(dir))?;
        Some(aside)
    } else {
        None
    };
    if let Err(source) = fs::rename(&staged, dir) {
        // Put the previous result back rather than leave nothing.
        if let Some(aside) = &old {
            let _ = fs::rename(aside, dir);
        }
        let _ = fs::remove_dir_all(&staged);
        return Err(Error::Write {
            path: dir.to_path_buf(),
            source,
        });
    }
    if let Some(aside) = old {
        fs::remove_dir_all(&aside).map_err(io_err(&aside))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_a_previous_folder_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        write_folder(&dir, &[("a.csv", b"1\n".to_vec()), ("old.csv", b"x".to_vec())]).unwrap();
        write_folder(&dir, &[("a.csv", b"2\n".to_vec())]).unwrap();
        assert_eq!(fs::read(dir.join("a.csv")).unwrap(), b"2\n");
        assert!(!dir.join("old.csv").exists(), "stale files of the old result must go");
        let leftovers: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("out")]);
    }
}
