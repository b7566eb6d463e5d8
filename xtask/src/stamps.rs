//! What `regenerate` last found in an output folder, so that the next run can trust an
//! unchanged file from its metadata instead of reading it back.
//!
//! This is git's index applied to our output: for every generated file that a run read and
//! found equal to what it generated, the hash of those contents and the file's size, inode,
//! modification and change times, taken before reading (so any later change moves them). A
//! later run that finds the same metadata knows the contents without reading them. A file a
//! run writes is recorded by the next run, which reads it once. Editing a file changes its
//! change time (which no user program can set back), and copying or checking it out gives it a
//! new inode, so an edited file is always read and compared.
//!
//! A file whose modification time is not older than the stamps file itself is "racy", as git
//! calls it: it could have been changed again within one tick of the file system's clock
//! without its times moving. Such a file is read, as if it had no stamp.
//!
//! The stamps live in `OUT/.docgen/`, beside a `.gitignore` that ignores the folder, so they
//! never show up in a commit of the output. They are only a speed-up: a missing, damaged or
//! foreign stamps file means every file is read, which is also what `--check` does on a fresh
//! clone in CI.

use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};

/// The folder inside the output that holds the stamps.
const DIR: &str = ".docgen";
const FILE: &str = "stamps";
const HEADER: &str = "docgen-stamps 1";

/// The 128-bit hash the stamps record of each file's contents.
pub fn hash(contents: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(contents.as_bytes())
}

/// The metadata that, unchanged, vouches for a file's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    len: u64,
    ino: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stat {
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> Option<Stat> {
        use std::os::unix::fs::MetadataExt;
        meta.is_file().then(|| Stat {
            len: meta.len(),
            ino: meta.ino(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    /// Elsewhere there is no change time to rely on, so nothing is ever vouched for.
    #[cfg(not(unix))]
    pub fn of(_meta: &std::fs::Metadata) -> Option<Stat> {
        None
    }
}

/// A file's stamp: the hash of the contents a run found, and the metadata taken before reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    hash: u128,
    stat: Stat,
}

/// The stamps of one output folder, as the last run left them.
#[derive(Debug, Default)]
pub struct Stamps {
    entries: FxHashMap<String, Entry>,
    /// The stamps file's own modification time: files not older than it are racy.
    written: (i64, i64),
}

fn path_of(out: &Path) -> PathBuf {
    out.join(DIR).join(FILE)
}

impl Stamps {
    /// Reads the stamps of `out`; anything unreadable gives no stamps at all.
    pub fn load(out: &Path) -> Stamps {
        let path = path_of(out);
        // The time first: if another run replaces the file in between, the stamps read are
        // newer than the time, which only makes more files racy, never fewer.
        let Ok(meta) = std::fs::metadata(&path) else { return Stamps::default() };
        let Ok(text) = std::fs::read_to_string(&path) else { return Stamps::default() };
        let Some(written) = Stat::of(&meta).map(|s| s.mtime) else { return Stamps::default() };
        parse(&text).map(|entries| Stamps { entries, written }).unwrap_or_default()
    }

    /// The hash of `path`'s contents if its metadata `now` vouches for it.
    pub fn vouch(&self, path: &str, now: &Stat) -> Option<u128> {
        let e = self.entries.get(path)?;
        (e.stat == *now && now.mtime < self.written).then_some(e.hash)
    }

    /// Whether `path` has a stamp at all (else looking it up would be wasted).
    pub fn has(&self, path: &str) -> bool {
        self.entries.contains_key(path)
    }

    /// How many files the stamps describe.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

fn parse(text: &str) -> Option<FxHashMap<String, Entry>> {
    let mut lines = text.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let mut entries = FxHashMap::default();
    for line in lines {
        // hash len ino mtime.s mtime.ns ctime.s ctime.ns path (the path last: it may hold spaces).
        let mut f = line.splitn(8, ' ');
        let hash = u128::from_str_radix(f.next()?, 16).ok()?;
        let mut num = || f.next()?.parse::<i64>().ok();
        let (len, ino) = (num()?, num()?);
        let mtime = (num()?, num()?);
        let ctime = (num()?, num()?);
        let path = f.next()?.to_string();
        let stat = Stat { len: len as u64, ino: ino as u64, mtime, ctime };
        entries.insert(path, Entry { hash, stat });
    }
    Some(entries)
}

/// Records `files` (path, hash of contents, metadata) as the stamps of `out`, through a
/// temporary file and a rename, like the generated files.
pub fn save(out: &Path, files: &[(&str, u128, Stat)]) -> std::io::Result<()> {
    let mut text = String::with_capacity(files.len() * 96 + HEADER.len() + 1);
    text.push_str(HEADER);
    text.push('\n');
    for (path, hash, s) in files {
        // A path with a line break cannot be recorded; it is simply never vouched for.
        if path.contains('\n') {
            continue;
        }
        use std::fmt::Write;
        let _ = writeln!(
            text,
            "{hash:032x} {} {} {} {} {} {} {path}",
            s.len, s.ino, s.mtime.0, s.mtime.1, s.ctime.0, s.ctime.1
        );
    }
    let dir = out.join(DIR);
    std::fs::create_dir_all(&dir)?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(&ignore, "# Written by `cargo xtask regenerate`: only a speed-up, never committed.\n*\n")?;
    }
    let tmp = dir.join(format!(".{FILE}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path_of(out)).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Forgets the stamps of `out`, when the folder changed in a way they do not describe.
pub fn clear(out: &Path) {
    let _ = std::fs::remove_file(path_of(out));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_read_back_what_was_saved() {
        let out = std::env::temp_dir().join(format!("xtask-stamps-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(out.join("src")).unwrap();
        std::fs::write(out.join("src/a b.rs"), "a\n").unwrap();
        let h = hash("a\n");
        let now = Stat::of(&std::fs::metadata(out.join("src/a b.rs")).unwrap()).unwrap();
        save(&out, &[("src/a b.rs", h, now), ("src/line\nbreak.rs", 7, now)]).unwrap();
        let stamps = Stamps::load(&out);
        assert_eq!(stamps.len(), 1, "a path with a line break is left out");
        // Written just now, the file may be within one clock tick of the stamps: then it is racy.
        let expected = (now.mtime < stamps.written).then_some(h);
        assert_eq!(stamps.vouch("src/a b.rs", &now), expected);
        let other = Stat { len: now.len + 1, ..now };
        assert_eq!(stamps.vouch("src/a b.rs", &other), None, "other metadata vouches for nothing");
        assert!(std::fs::read_to_string(out.join(".docgen/.gitignore")).unwrap().lines().any(|l| l == "*"));

        std::fs::write(path_of(&out), "not stamps\n").unwrap();
        assert_eq!(Stamps::load(&out).len(), 0, "a damaged stamps file is ignored");
        let _ = std::fs::remove_dir_all(&out);
    }
}
