//! What both fuzz targets share: the input format (a scenario TOML followed by up to three CSV
//! tables), writing those tables where the loader reads them, and the guard that keeps the
//! loader's file reads inside that folder.
//!
//! The loader reads the CSV tables named in `[tables]` (and sweep design files) from disk,
//! relative to a base folder; there is no in-memory seam for them, and adding one to the library
//! only for fuzzing is not worth its weight. So each process owns a folder on tmpfs
//! (`/dev/shm/refgap-fuzz-PID`) and every input rewrites it before loading.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Separates the parts of a fuzz input: a line holding only `%%`, which is neither valid TOML
/// nor likely in a CSV table, so seeds stay readable text.
pub const SEPARATOR: &[u8] = b"\n%%\n";

/// File names of the parts after the scenario, in order. Seeds rewrite every table name of a
/// scenario to these (`fuzz/seeds.sh`); the dictionary holds them so mutations can name them.
pub const TABLES: [&str; 3] = ["authorities.csv", "channels.csv", "design.csv"];

/// The name the loader is given for the scenario file (it only appears in messages).
pub const SCENARIO: &str = "scenario.toml";

/// This process's folder for the CSV parts, created once.
pub fn base_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = root.join(format!("refgap-fuzz-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("cannot create the fuzz folder for CSV tables");
        dir
    })
}

/// Splits `data` into the scenario text and the CSV parts, writes the parts into
/// [`base_dir`] (removing the files of absent parts, so that "table missing" stays reachable)
/// and returns the scenario text, or `None` when the input is not worth loading: not UTF-8, or
/// naming a path that could leave the folder (see [`paths_are_local`]).
pub fn prepare(data: &[u8]) -> Option<String> {
    let mut parts = split(data);
    let text = std::str::from_utf8(parts.next()?).ok()?;
    if !paths_are_local(text) {
        return None;
    }
    let dir = base_dir();
    let mut parts = parts.map(Some).chain(std::iter::repeat(None));
    for name in TABLES {
        let path = dir.join(name);
        match parts.next().flatten() {
            Some(bytes) => fs::write(&path, bytes).expect("cannot write a fuzz CSV table"),
            None => {
                let _ = fs::remove_file(&path);
            }
        }
    }
    Some(text.to_owned())
}

/// The parts of `data` between separators.
pub fn split(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(data);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(i) => {
                rest = Some(&r[i + SEPARATOR.len()..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// Whether every string in the scenario is safe as a file name relative to the fuzz folder:
/// none is absolute or climbs with `..`. The loader reads whatever path a scenario names; a
/// mutated name such as `/dev/zero` or `/dev/stdin` would be an out-of-memory or a hang of the
/// harness, not a bug of refgap. Strings are checked after TOML unescaping, so the slow parse
/// runs only when the text has a `/` or a `\` at all.
pub fn paths_are_local(text: &str) -> bool {
    if !text.contains(['/', '\\']) {
        return true;
    }
    let Ok(value) = text.parse::<toml::Table>() else {
        // Not TOML: the loader stops at the syntax error before reading any table.
        return true;
    };
    fn local(v: &toml::Value) -> bool {
        match v {
            toml::Value::String(s) => !(s.starts_with('/') || s.contains("..")),
            toml::Value::Array(a) => a.iter().all(local),
            toml::Value::Table(t) => t.values().all(local),
            _ => true,
        }
    }
    value.values().all(local)
}

/// Runs every rayon job on the calling thread's single-thread pool: libFuzzer measures one
/// thread, the machine is shared, and the engine's results do not depend on the thread count.
pub fn one_thread() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let _ = rayon::ThreadPoolBuilder::new().num_threads(1).build_global();
    });
}
