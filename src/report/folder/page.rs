//! The report page in a results folder: how refgap recognises a `report.html` it wrote, and
//! writing one atomically without ever replacing a page it did not write.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{io_err, manifest_files, refused, sync_dir};
use crate::error::Result;

/// The page `refgap report` (and `run --report`) writes into a results folder. It is not in the
/// manifest (it is written after, from the folder's files); refgap recognises its own page by
/// [`REPORT_MARKER`] near its start, treats it as part of the result when replacing or removing
/// one, and never overwrites a `report.html` without it.
pub const REPORT: &str = "report.html";

/// The tag in the `<head>` of every page refgap writes (within its first 512 bytes).
pub const REPORT_MARKER: &str = "<meta name=\"generator\" content=\"refgap report\">";

/// Whether `name` is the temporary file of a report page (left only if refgap was killed while
/// writing it; [`write_report`] names it so).
pub(super) fn is_report_partial(name: &str) -> bool {
    name.starts_with(&format!(".{REPORT}.partial-"))
}

/// Whether `path` is a regular file that refgap wrote as a report page.
pub(super) fn is_own_report(path: &Path) -> bool {
    use std::io::Read;
    let Ok(meta) = fs::symlink_metadata(path) else {
        return false;
    };
    let mut head = [0u8; 512];
    let n = match (meta.is_file(), fs::File::open(path)) {
        (true, Ok(mut f)) => f.read(&mut head).unwrap_or(0),
        _ => return false,
    };
    String::from_utf8_lossy(&head[..n]).contains(REPORT_MARKER)
}

/// Writes `bytes` as [`REPORT`] in the refgap results folder `dir`, atomically (a temporary file
/// in `dir`, flushed, then renamed over the old page). Refused when `dir` is not a refgap result,
/// or when its `report.html` is not a page refgap wrote. Returns the page's path.
pub fn write_report(dir: &Path, bytes: &[u8]) -> Result<PathBuf> {
    if manifest_files(dir).is_none() {
        return Err(refused(
            dir,
            "it is not a refgap results folder (no refgap manifest.json); give `refgap report` a folder written by refgap",
        ));
    }
    let path = dir.join(REPORT);
    if fs::symlink_metadata(&path).is_ok() && !is_own_report(&path) {
        return Err(refused(
            &path,
            "this report.html was not written by refgap; move it out of the folder and run `refgap report` again",
        ));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{REPORT}.partial-{}-", std::process::id()))
        .tempfile_in(dir)
        .map_err(io_err(dir))?;
    tmp.write_all(bytes).map_err(io_err(&path))?;
    // A temporary file is private (0600); the page is a result like the CSVs beside it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let perms = fs::Permissions::from_mode(0o644);
        tmp.as_file().set_permissions(perms).map_err(io_err(&path))?;
    }
    tmp.as_file().sync_all().map_err(io_err(&path))?;
    tmp.persist(&path).map_err(|e| io_err(&path)(e.error))?;
    sync_dir(dir)?;
    Ok(path)
}
