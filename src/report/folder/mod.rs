//! Results folders that never destroy what refgap did not write.
//!
//! A run reserves its folder `OUT/NAME` **before** it simulates ([`OutputFolder::reserve`]) and
//! fills it only at the end ([`OutputFolder::commit`]). The rules, in the order they are checked:
//!
//! 1. `OUT` is created if needed and must be writable: a lock file `OUT/.NAME.lock` and a staging
//!    folder `OUT/.NAME.partial-PID-*` are made at once, so a read-only or full location fails
//!    before any trial runs.
//! 2. The lock file is held (an advisory `flock`) until the run ends: a second refgap writing the
//!    same `OUT/NAME` at the same time fails at once, naming the folder. The operating system
//!    drops the lock when a process dies, so a crash never leaves the folder locked.
//! 3. `OUT/NAME` may be written only when it does not exist, is an empty folder, or is a refgap
//!    result holding nothing but `manifest.json`, the files its manifest lists and refgap's own
//!    report page ([`REPORT`], recognised by [`REPORT_MARKER`]). Anything else
//!    (a file, a scenario folder, a result in which a user saved a notebook) is refused, naming
//!    what is in the way. A folder that holds, or is, an input of the run is always refused.
//! 4. With the lock held, any `OUT/.NAME.partial-*` or `OUT/.NAME.old-*` folder belongs to an
//!    interrupted run of the same folder (nobody else may write it), so it is removed and
//!    reported. The lock, not a guess from process ids or ages, is what makes this safe.
//!
//! [`OutputFolder::commit`] writes every file into the staging folder (`manifest.json` last,
//! each file flushed to disk), then **exchanges** the staging folder with `OUT/NAME` in one
//! atomic `renameat2(RENAME_EXCHANGE)` (Linux; elsewhere, or on a file system without it, a
//! rename into place after moving the old result aside). At every instant `OUT/NAME` is either
//! the old complete result or the new one. The old result's own files are then deleted one by
//! one (only names its manifest lists); if a user saved something into it while the run was
//! going, that folder is kept beside the new one as `OUT/NAME.previous-N` and reported instead.
//!
//! Two smaller kinds of output live here too, so that every write of refgap goes through this
//! file: **single files written atomically** ([`FileSlot`]: shard files and checkpoints, each
//! made in a temporary file of the same folder and renamed into place, so a killed process
//! leaves either the complete file or none), and a run's **checkpoint folder**
//! `OUT/.NAME.checkpoints` ([`OutputFolder::checkpoints`]), protected by the same lock, kept by
//! an interrupted run for `--resume` and removed once the result is committed.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The name of a results folder's manifest, the file that marks a folder as refgap's.
pub const MANIFEST: &str = "manifest.json";

mod page;
pub use page::{REPORT, REPORT_MARKER, write_report};
use page::{is_own_report, is_report_partial};

/// The name of a run's checkpoint in its checkpoint folder (see [`OutputFolder::checkpoints`]).
pub const CHECKPOINT: &str = "checkpoint.json";

/// A reserved results folder: locked, checked, with its staging folder made. Dropping it
/// without [`commit`](OutputFolder::commit) removes the staging folder and leaves `OUT/NAME`
/// as it was.
#[derive(Debug)]
pub struct OutputFolder {
    dir: PathBuf,
    parent: PathBuf,
    name: String,
    staging: Option<PathBuf>,
    lock: Option<(fs::File, PathBuf)>,
    cleaned: Vec<PathBuf>,
}

/// What [`OutputFolder::commit`] did besides writing the new result.
#[derive(Debug, Default)]
pub struct Committed {
    /// Where an earlier result holding files refgap did not write was kept, if it was.
    pub kept_previous: Option<PathBuf>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

fn refused(path: &Path, reason: impl Into<String>) -> Error {
    Error::OutputRefused {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

impl OutputFolder {
    /// Reserves `dir` for a result: checks rules 1–4 of the module doc. `inputs` are the files
    /// the run reads (scenario files, tables, intervention files): a folder that is or holds one
    /// of them is refused.
    pub fn reserve(dir: &Path, inputs: &[PathBuf]) -> Result<OutputFolder> {
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = match dir.file_name().and_then(|n| n.to_str()) {
            Some(n) if n != "." && n != ".." => n.to_owned(),
            _ => {
                return Err(refused(
                    dir,
                    "a results folder needs a plain name; give --out a folder to put it in",
                ));
            }
        };
        fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        let mut folder = OutputFolder {
            dir: dir.to_path_buf(),
            parent,
            name,
            staging: None,
            lock: None,
            cleaned: Vec::new(),
        };
        folder.lock()?;
        folder.check_inputs(inputs)?;
        check_replaceable(dir)?;
        folder.clean_stale()?;
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{}.partial-{}-", folder.name, std::process::id()))
            .tempdir_in(&folder.parent)
            .map_err(io_err(&folder.parent))?;
        folder.staging = Some(staging.keep());
        Ok(folder)
    }

    /// The folder the result goes to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stale staging folders of interrupted runs that [`reserve`](OutputFolder::reserve)
    /// removed.
    pub fn cleaned(&self) -> &[PathBuf] {
        &self.cleaned
    }

    /// Rule 2. The lock file is removed by the run that holds it (see `Drop`), so a lock taken
    /// on a file that is no longer at `path` is stale: open the new one and try again.
    fn lock(&mut self) -> Result<()> {
        let path = self.parent.join(format!(".{}.lock", self.name));
        for _ in 0..8 {
            let file = fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(io_err(&path))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(refused(
                        &self.dir,
                        "another refgap run is writing this folder right now; wait for it to end or \
                         choose another --out",
                    ));
                }
                Err(fs::TryLockError::Error(source)) => return Err(Error::Write { path, source }),
            }
            if still_at(&file, &path) {
                self.lock = Some((file, path));
                return Ok(());
            }
        }
        Err(refused(
            &self.dir,
            "other refgap runs keep taking and releasing this folder's lock; try again",
        ))
    }

    fn check_inputs(&self, inputs: &[PathBuf]) -> Result<()> {
        let Ok(target) = fs::canonicalize(&self.dir) else {
            return Ok(()); // does not exist yet: it holds nothing
        };
        for input in inputs {
            let Ok(input) = fs::canonicalize(input) else { continue };
            if input.starts_with(&target) {
                return Err(refused(
                    &self.dir,
                    format!(
                        "it holds {}, an input of this run (a scenario folder is never a results \
                         folder); choose another --out",
                        input.display()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Rule 4: removes `.NAME.partial-*` and `.NAME.old-*` folders left by interrupted runs.
    fn clean_stale(&mut self) -> Result<()> {
        let prefixes = [format!(".{}.partial-", self.name), format!(".{}.old-", self.name)];
        let entries = fs::read_dir(&self.parent).map_err(io_err(&self.parent))?;
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let Some(n) = file_name.to_str() else { continue };
            if prefixes.iter().any(|p| n.starts_with(p.as_str())) && entry.path().is_dir() {
                let path = entry.path();
                fs::remove_dir_all(&path).map_err(io_err(&path))?;
                self.cleaned.push(path);
            }
        }
        Ok(())
    }

    /// Opens file `name` in the staging folder, for a table written while the work goes on
    /// (streamed, never held in memory). It becomes part of the result only at
    /// [`commit`](OutputFolder::commit); until then it sits in the hidden staging folder, which an
    /// error (drop) or the next run after a crash removes, so an interrupted run never leaves a
    /// table that looks like a result.
    pub fn stage(&self, name: &str) -> Result<StagedFile> {
        let staging = self.staging.as_ref().expect("a reserved folder has a staging folder");
        let path = staging.join(name);
        let file = fs::File::create(&path).map_err(io_err(&path))?;
        Ok(StagedFile {
            out: std::io::BufWriter::with_capacity(1 << 16, file),
            path,
        })
    }

    /// Writes `files` (name, bytes; `manifest.json` last) and puts them in place of `OUT/NAME`,
    /// with the files already [`stage`](OutputFolder::stage)d (each must have been
    /// [`finish`](StagedFile::finish)ed). Returns only when every file is on disk.
    pub fn commit(mut self, files: &[(&str, Vec<u8>)]) -> Result<Committed> {
        let staging = self.staging.clone().expect("a reserved folder has a staging folder");
        for (file, bytes) in files {
            let path = staging.join(file);
            let mut f = fs::File::create(&path).map_err(io_err(&path))?;
            f.write_all(bytes).map_err(io_err(&path))?;
            f.sync_all().map_err(io_err(&path))?;
        }
        // The user may have saved something into the old result while the run was going.
        let replaceable = check_replaceable(&self.dir).is_ok();
        let mut committed = Committed::default();
        if !self.dir.exists() {
            fs::rename(&staging, &self.dir).map_err(io_err(&self.dir))?;
            self.staging = None;
        } else if !replaceable {
            let kept = self.free_previous_name();
            fs::rename(&self.dir, &kept).map_err(io_err(&self.dir))?;
            fs::rename(&staging, &self.dir).map_err(io_err(&self.dir))?;
            self.staging = None;
            committed.kept_previous = Some(kept);
        } else {
            swap(&staging, &self.dir, &self.parent, &self.name)?;
            // `staging` now holds the old result, whose files are all refgap's.
            remove_result(&staging)?;
            self.staging = None;
        }
        sync_dir(&self.parent)?;
        // The result is in place: the checkpoints of the run are of no further use. Failing to
        // remove them does not undo a committed result (a later run of the folder removes them).
        let _ = self.discard_checkpoints();
        Ok(committed)
    }

    /// The folder of this run's checkpoints, `OUT/.NAME.checkpoints` (not created here). The
    /// lock of the results folder protects it too.
    pub fn checkpoints(&self) -> PathBuf {
        self.parent.join(format!(".{}.checkpoints", self.name))
    }

    /// Removes the checkpoint folder: only the files refgap writes there ([`CHECKPOINT`] and
    /// its temporary `.checkpoint.json.*` files), then the folder if that left it empty.
    pub fn discard_checkpoints(&self) -> Result<()> {
        let dir = self.checkpoints();
        let entries = match fs::read_dir(&dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(source) => return Err(io_err(&dir)(source)),
            Ok(entries) => entries,
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let ours = name
                .to_str()
                .is_some_and(|n| n == CHECKPOINT || n.starts_with(&format!(".{CHECKPOINT}.")));
            if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
                let path = entry.path();
                fs::remove_file(&path).map_err(io_err(&path))?;
            }
        }
        let _ = fs::remove_dir(&dir);
        Ok(())
    }

    fn free_previous_name(&self) -> PathBuf {
        (1..)
            .map(|n| self.parent.join(format!("{}.previous-{n}", self.name)))
            .find(|p| !p.exists())
            .expect("some number is free")
    }
}

/// A file being written into a reserved folder's staging area ([`OutputFolder::stage`]).
#[derive(Debug)]
pub struct StagedFile {
    out: std::io::BufWriter<fs::File>,
    path: PathBuf,
}

impl Write for StagedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

impl StagedFile {
    /// Flushes the file to disk (before the commit that makes it part of the result).
    pub fn finish(self) -> Result<()> {
        let path = self.path;
        let file = self.out.into_inner().map_err(|e| io_err(&path)(e.into_error()))?;
        file.sync_all().map_err(io_err(&path))
    }

    /// Where the file is, for error messages.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for OutputFolder {
    fn drop(&mut self) {
        if let Some(staging) = self.staging.take() {
            let _ = fs::remove_dir_all(staging);
        }
        if let Some((file, path)) = self.lock.take() {
            // Remove the lock file while still holding the lock, then release it: a run that
            // opened the old file before the removal sees it is gone (see `lock`'s retry) and a
            // new one creates a fresh file.
            let _ = fs::remove_file(&path);
            drop(file);
        }
    }
}

/// One file written atomically into a folder: reserved before the work (the folder is created
/// and a temporary `.NAME.*` file made in it, so an unwritable location fails at once), then
/// [`commit`](FileSlot::commit)ted: written, flushed and renamed to `NAME`. A process killed
/// before the rename leaves only the temporary file, never a partial `NAME`; dropping the slot
/// without committing removes the temporary file.
#[derive(Debug)]
pub struct FileSlot {
    tmp: tempfile::NamedTempFile,
    target: PathBuf,
}

impl FileSlot {
    /// Reserves `dir/name`, creating `dir` if needed.
    pub fn reserve(dir: &Path, name: &str) -> Result<FileSlot> {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix);
        // Readable like any file the user creates (the umask applies), not 0600: the shards of
        // a cluster run are often merged by another account of the same project.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let tmp = builder.tempfile_in(dir).map_err(io_err(dir))?;
        Ok(FileSlot {
            tmp,
            target: dir.join(name),
        })
    }

    /// The file this slot writes.
    pub fn path(&self) -> &Path {
        &self.target
    }

    /// Writes `bytes`, flushes them to disk and renames the file into place (replacing an
    /// earlier file of the same name), then flushes the folder.
    pub fn commit(mut self, bytes: &[u8]) -> Result<()> {
        let target = self.target.clone();
        let file = self.tmp.as_file_mut();
        file.write_all(bytes).map_err(io_err(&target))?;
        file.sync_all().map_err(io_err(&target))?;
        self.tmp.persist(&target).map_err(|e| io_err(&target)(e.error))?;
        if let Some(dir) = target.parent() {
            sync_dir(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            })?;
        }
        Ok(())
    }
}

/// Rule 3: `dir` does not exist, is empty, or is a refgap result holding only its own files.
fn check_replaceable(dir: &Path) -> Result<()> {
    let meta = match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(io_err(dir)(source)),
        Ok(m) => m,
    };
    if !meta.is_dir() {
        return Err(refused(
            dir,
            "a file (or link) that refgap did not write is in the way; move it or choose another --out",
        ));
    }
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        let is_file = entry.file_type().map_err(io_err(dir))?.is_file();
        names.push((entry.file_name().to_string_lossy().into_owned(), is_file));
    }
    if names.is_empty() {
        return Ok(());
    }
    let Some(listed) = manifest_files(dir) else {
        return Err(refused(
            dir,
            "this folder is not a refgap result (it has no refgap manifest.json) and is not empty; \
             refgap only replaces its own results: choose another --out",
        ));
    };
    let foreign: Vec<String> = names
        .into_iter()
        .filter(|(n, is_file)| {
            !(*is_file
                && (n == MANIFEST
                    || listed.contains(n)
                    || is_report_partial(n)
                    || (n == REPORT && is_own_report(&dir.join(n)))))
        })
        .map(|(n, _)| n)
        .collect();
    if !foreign.is_empty() {
        return Err(refused(
            dir,
            format!(
                "this earlier refgap result also holds {} that refgap did not write ({}); move {} \
                 out of the folder or choose another --out",
                if foreign.len() == 1 { "a file" } else { "files" },
                foreign.join(", "),
                if foreign.len() == 1 { "it" } else { "them" },
            ),
        ));
    }
    Ok(())
}

/// The files a refgap manifest in `dir` lists, or `None` when `dir` has no refgap manifest.
/// Read as untyped JSON: any version's manifest has `tool` and `files`.
fn manifest_files(dir: &Path) -> Option<Vec<String>> {
    let bytes = fs::read(dir.join(MANIFEST)).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    if v.get("tool")?.as_str()? != "refgap" {
        return None;
    }
    let files = v.get("files")?.as_array()?;
    files.iter().map(|f| f.as_str().map(str::to_owned)).collect()
}

/// Deletes a refgap result folder: only the files its manifest lists and the manifest, then the
/// folder itself (which fails, keeping everything else, if anything else is in it).
fn remove_result(dir: &Path) -> Result<()> {
    let listed = manifest_files(dir).unwrap_or_default();
    if is_own_report(&dir.join(REPORT)) {
        let path = dir.join(REPORT);
        fs::remove_file(&path).map_err(io_err(&path))?;
    }
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        if is_report_partial(&entry.file_name().to_string_lossy()) {
            let path = entry.path();
            fs::remove_file(&path).map_err(io_err(&path))?;
        }
    }
    for name in listed.iter().map(String::as_str).chain([MANIFEST]) {
        let path = dir.join(name);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_err(&path)(e)),
            _ => {}
        }
    }
    fs::remove_dir(dir).map_err(io_err(dir))
}

/// Exchanges the folders `a` and `b` atomically where the system can; otherwise moves `b` aside
/// to `.NAME.old-PID` (cleaned by the next run if this one is killed in between) and `a` into
/// place, leaving the old result at `a`.
fn swap(a: &Path, b: &Path, parent: &Path, name: &str) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(io_err(b)(e.into())),
        }
    }
    let aside = parent.join(format!(".{name}.old-{}", std::process::id()));
    fs::rename(b, &aside).map_err(io_err(b))?;
    if let Err(source) = fs::rename(a, b) {
        let _ = fs::rename(&aside, b);
        return Err(io_err(b)(source));
    }
    fs::rename(&aside, a).map_err(io_err(a))
}

/// Whether the open `file` is still the file at `path` (not removed or replaced since).
fn still_at(file: &fs::File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

/// Flushes a folder's entries (the renames) to disk.
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    fs::File::open(dir).and_then(|f| f.sync_all()).map_err(io_err(dir))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    }

    fn manifest(files: &[&str]) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({"tool": "refgap", "files": files})).unwrap()
    }

    #[test]
    fn replaces_an_earlier_result_and_leaves_nothing_else() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let first = [
            ("a.csv", b"1\n".to_vec()),
            ("old.csv", b"x".to_vec()),
            (MANIFEST, manifest(&["a.csv", "old.csv"])),
        ];
        OutputFolder::reserve(&dir, &[]).unwrap().commit(&first).unwrap();
        let second = [("a.csv", b"2\n".to_vec()), (MANIFEST, manifest(&["a.csv"]))];
        OutputFolder::reserve(&dir, &[]).unwrap().commit(&second).unwrap();
        assert_eq!(fs::read(dir.join("a.csv")).unwrap(), b"2\n");
        assert_eq!(names(&dir), vec!["a.csv", MANIFEST], "files of the old result go");
        assert_eq!(names(tmp.path()), vec!["out"], "no staging, old folder or lock left");
    }

    /// A file saved into the old result while the run was going is never deleted: the old
    /// folder is kept beside the new one.
    #[test]
    fn a_file_saved_during_the_run_keeps_the_old_result() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let files = [("a.csv", b"1\n".to_vec()), (MANIFEST, manifest(&["a.csv"]))];
        OutputFolder::reserve(&dir, &[]).unwrap().commit(&files).unwrap();
        let reserved = OutputFolder::reserve(&dir, &[]).unwrap();
        fs::write(dir.join("notebook.ipynb"), "{}").unwrap();
        let committed = reserved.commit(&files).unwrap();
        let kept = committed.kept_previous.expect("the old result is kept");
        assert_eq!(kept, tmp.path().join("out.previous-1"));
        assert_eq!(fs::read(kept.join("notebook.ipynb")).unwrap(), b"{}");
        assert_eq!(names(&dir), vec!["a.csv", MANIFEST]);
    }

    /// Dropping a reservation (an error during the run) leaves the folder as it was.
    #[test]
    fn an_abandoned_reservation_changes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        drop(OutputFolder::reserve(&dir, &[]).unwrap());
        assert!(names(tmp.path()).is_empty());
    }

    #[test]
    fn a_folder_cannot_be_reserved_twice() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let held = OutputFolder::reserve(&dir, &[]).unwrap();
        let second = OutputFolder::reserve(&dir, &[]).unwrap_err().to_string();
        assert!(second.contains("another refgap run"), "{second}");
        drop(held);
        OutputFolder::reserve(&dir, &[]).unwrap();
    }
}
