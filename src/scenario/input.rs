//! Reading input files without leaving the scenario or exhausting the machine, and the names
//! of scenario files and their results folders.
//!
//! Rules, checked before a byte is read ([`InputRules`] holds the two that can be changed):
//!
//! - **Confined.** A table or design file named in a scenario (`[tables]`, a sweep's `file`) is a
//!   path relative to the folder of the file that names it, and must resolve inside that folder:
//!   no absolute path, no `..` climbing out of it, no symbolic link pointing outside it (links
//!   are resolved before the check). `--allow-outside-tables` lifts this rule for users who
//!   share tables between scenario folders.
//! - **Regular files only.** Devices (`/dev/zero`), FIFOs (which would block forever) and
//!   folders are refused, whoever names them, the command line included.
//! - **Bounded.** A file larger than [`InputRules::max_bytes`] (default
//!   [`DEFAULT_MAX_INPUT_BYTES`], 256 MiB: the regional scenario's tables are 0.1 MiB) is
//!   refused; reading stops at the cap even if the file grows meanwhile.
//!
//! Messages name the file and the rule, never the file's content.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest input file read by default: 256 MiB.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 256 << 20;

/// The rules of reading input files that a user may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputRules {
    /// Read tables and design files outside the folder of the file that names them.
    pub allow_outside: bool,
    /// Largest file read, in bytes.
    pub max_bytes: u64,
}

impl Default for InputRules {
    fn default() -> InputRules {
        InputRules {
            allow_outside: false,
            max_bytes: DEFAULT_MAX_INPUT_BYTES,
        }
    }
}

/// The folder that relative table paths are read from, and the rules.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Folder<'a> {
    pub dir: &'a Path,
    pub rules: InputRules,
}

impl Folder<'_> {
    /// Reads the table `name` of this folder under the rules; the error says which rule, and what
    /// to do.
    pub fn read(&self, name: &str) -> Result<Vec<u8>, String> {
        let full = self.dir.join(name);
        if !self.rules.allow_outside {
            if Path::new(name).is_absolute() {
                return Err(format!(
                    "{name} is an absolute path; tables are read from the scenario's folder, so give a \
                     path relative to it (or pass --allow-outside-tables)"
                ));
            }
            let dir = if self.dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                self.dir
            };
            let (Ok(inside), Ok(target)) = (dir.canonicalize(), full.canonicalize()) else {
                return Err(format!("cannot read {}: no such file", full.display()));
            };
            if !target.starts_with(&inside) {
                return Err(format!(
                    "{} resolves to {}, outside the scenario's folder {}; move the table into the \
                     folder (or pass --allow-outside-tables)",
                    full.display(),
                    target.display(),
                    inside.display()
                ));
            }
        }
        read_file(&full, self.rules.max_bytes).map_err(|e| e.to_string())
    }
}

/// Why an input file was not read.
#[derive(Debug)]
pub enum InputError {
    /// The operating system's error.
    Io(PathBuf, std::io::Error),
    /// Not a regular file.
    NotAFile(PathBuf),
    /// Larger than the cap.
    TooLarge(PathBuf, u64),
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::Io(p, e) => write!(f, "cannot read {}: {e}", p.display()),
            InputError::NotAFile(p) => write!(
                f,
                "{} is not a regular file (a device, FIFO or folder); refgap reads only regular files",
                p.display()
            ),
            InputError::TooLarge(p, cap) => write!(
                f,
                "{} is larger than {} MiB, the most refgap reads from one input file; pass \
                 --max-input-mb to read larger files",
                p.display(),
                cap >> 20
            ),
        }
    }
}

impl std::error::Error for InputError {}

/// Reads a regular file of at most `max_bytes` bytes.
pub fn read_file(path: &Path, max_bytes: u64) -> Result<Vec<u8>, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| InputError::Io(path.to_path_buf(), e))?;
    if !meta.is_file() {
        return Err(InputError::NotAFile(path.to_path_buf()));
    }
    if meta.len() > max_bytes {
        return Err(InputError::TooLarge(path.to_path_buf(), max_bytes));
    }
    let file = std::fs::File::open(path).map_err(|e| InputError::Io(path.to_path_buf(), e))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::Io(path.to_path_buf(), e))?;
    if bytes.len() as u64 > max_bytes {
        return Err(InputError::TooLarge(path.to_path_buf(), max_bytes));
    }
    Ok(bytes)
}

/// Reads a text file (a scenario or intervention file) under the rules.
pub(crate) fn read_text(path: &Path, rules: InputRules) -> crate::Result<String> {
    let bytes = read_file(path, rules.max_bytes).map_err(|e| crate::Error::Input {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|_| crate::Error::Input {
        path: path.to_path_buf(),
        reason: "is not UTF-8 text; save it as UTF-8".to_owned(),
    })
}

/// A scenario folder holds `scenario.toml`; anything else is the file itself.
pub fn scenario_file(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join("scenario.toml")
    } else {
        path.to_path_buf()
    }
}

/// The name used for output folders: the folder name for `x/scenario.toml`, else the stem.
pub fn default_name(path: &Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario");
    if stem == "scenario" {
        // `.` or `..` have no name of their own: use the folder's real one.
        let parent = path.parent().map(|p| match p.file_name() {
            Some(_) => p.to_path_buf(),
            None => {
                std::fs::canonicalize(if p.as_os_str().is_empty() { Path::new(".") } else { p }).unwrap_or_default()
            }
        });
        if let Some(dir) = parent.as_deref().and_then(Path::file_name).and_then(|s| s.to_str()) {
            return dir.to_owned();
        }
    }
    stem.to_owned()
}
