//! The SHA-256 of the files a scenario was read from: one combined hash (every file's bytes in
//! the order read: the manifest's `sha256`, as before) and one per file, by name, so a user can
//! check each file with `sha256sum`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// A file that was read and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashedFile {
    /// Its name relative to the folder of the file that named it (a scenario or variants file
    /// itself: its file name).
    pub name: String,
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
}

/// A variants file added with `--intervention`: its path as given, the combined SHA-256 of it and
/// its design tables, and each of these files with its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantsFile {
    /// The path as given.
    pub path: PathBuf,
    /// SHA-256 of the file's text followed by its design tables, in the order read.
    pub sha256: String,
    /// The file (by its file name), then its design tables (relative to its folder).
    pub files: Vec<HashedFile>,
}

/// The hashes of the files of one scenario or variants file, fed in the order read.
pub(crate) struct InputHash {
    combined: Sha256,
    files: Vec<HashedFile>,
}

impl InputHash {
    /// Starts with the text of the file at `path` (named by its file name).
    pub fn new(path: &Path, text: &str) -> InputHash {
        let mut h = InputHash {
            combined: Sha256::new(),
            files: Vec::new(),
        };
        let name = path
            .file_name()
            .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        h.add(&name, text.as_bytes());
        h
    }

    /// Adds the bytes of the file `name` (relative to the folder of the first file).
    pub fn add(&mut self, name: &str, bytes: &[u8]) {
        self.combined.update(bytes);
        self.files.push(HashedFile {
            name: name.to_owned(),
            sha256: format!("{:x}", Sha256::digest(bytes)),
        });
    }

    /// The combined hash and the files with theirs.
    pub fn finish(self) -> (String, Vec<HashedFile>) {
        (format!("{:x}", self.combined.finalize()), self.files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_file_has_its_own_hash_and_the_combined_one_covers_them_in_order() {
        let mut h = InputHash::new(Path::new("some/dir/scenario.toml"), "abc");
        h.add("tables/a.csv", b"def");
        let (combined, files) = h.finish();
        // SHA-256 of "abcdef", "abc" (the FIPS 180-2 example) and "def", as `sha256sum` prints them.
        assert_eq!(
            combined,
            "bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721"
        );
        assert_eq!(files[0].name, "scenario.toml");
        assert_eq!(
            files[0].sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(files[1].name, "tables/a.csv");
        assert_eq!(
            files[1].sha256,
            "cb8379ac2098aa165029e3938a51da0bcecfc008fd6795f401178647f96c5b34"
        );
    }
}
