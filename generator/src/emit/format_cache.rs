//! A cache of laid-out Rust files, so that a regeneration re-formats only what changed.
//!
//! Checking and laying out every emitted file with `syn` and `prettyplease` costs about ten
//! times everything else the pipeline does on the Graph corpus, and almost all of it is repeated
//! work: between two runs most templates render exactly the same text. The cache maps a hash of
//! a template's rendered text to the file `prettyplease` made of it. Every entry was parsed and
//! laid out when it was made, so a hit gives exactly the bytes a miss would.
//!
//! Entries are only valid for the generator build that made them (a newer `prettyplease` may lay
//! the same text out differently), so the caller passes a `build` salt that changes with every
//! build (`cargo xtask` uses its own executable's size and modification time). A cache that is
//! missing, unreadable or from another build is simply empty: the cache can make a run faster,
//! never different.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The first bytes of a cache file; a change of layout changes this.
const MAGIC: &[u8; 8] = b"docgfc01";

/// Old entries (not used by this run) are kept up to this many bytes, so that switching between
/// two sets of docs keeps both warm without the file growing without bound.
const KEEP_OLD_BYTES: usize = 64 << 20;

type Key = (u64, u64);

/// Laid-out files from earlier runs, plus those made by this one.
#[derive(Default)]
pub struct FormatCache {
    build: u64,
    old: HashMap<Key, Arc<str>>,
    /// Entries this run used or made, to be saved.
    used: Mutex<HashMap<Key, Arc<str>>>,
    hits: AtomicUsize,
    misses: AtomicUsize,
}

impl FormatCache {
    /// An empty cache for the generator build identified by `build`.
    pub fn new(build: u64) -> FormatCache {
        FormatCache { build, ..FormatCache::default() }
    }

    /// Reads the cache at `path`; anything wrong with the file gives an empty cache.
    pub fn load(path: &Path, build: u64) -> FormatCache {
        let mut cache = FormatCache::new(build);
        if let Ok(bytes) = std::fs::read(path) {
            cache.old = decode(&bytes, build).unwrap_or_default();
        }
        cache
    }

    /// Writes the entries this run used or made, then old ones up to a size limit, to `path`
    /// (through a temporary file and a rename, so a reader never sees half a cache).
    /// When this run made nothing new and used every old entry, the file already holds exactly
    /// this and is left alone.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        if self.misses.load(Ordering::Relaxed) == 0 && used.len() == self.old.len() && path.is_file() {
            return Ok(());
        }
        let mut entries: Vec<(&Key, &Arc<str>)> = used.iter().collect();
        let mut old: Vec<(&Key, &Arc<str>)> = self.old.iter().filter(|(k, _)| !used.contains_key(k)).collect();
        old.sort_by_key(|(k, _)| **k);
        let mut budget = KEEP_OLD_BYTES;
        for (k, v) in old {
            if v.len() > budget {
                break;
            }
            budget -= v.len();
            entries.push((k, v));
        }
        entries.sort_by_key(|(k, _)| **k);
        let mut out = Vec::with_capacity(16 + entries.iter().map(|(_, v)| v.len() + 24).sum::<usize>());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.build.to_le_bytes());
        for ((a, b), v) in entries {
            out.extend_from_slice(&a.to_le_bytes());
            out.extend_from_slice(&b.to_le_bytes());
            out.extend_from_slice(&(v.len() as u64).to_le_bytes());
            out.extend_from_slice(v.as_bytes());
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        std::fs::write(&tmp, &out)?;
        std::fs::rename(&tmp, path)
    }

    /// How many files this run took from the cache, and how many it laid out itself.
    pub fn hits_and_misses(&self) -> (usize, usize) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }

    /// The laid-out form of `text`, from the cache or from `format` (whose result is kept
    /// when it succeeds).
    pub(crate) fn get_or_format<E>(
        &self,
        text: &str,
        format: impl FnOnce() -> Result<String, E>,
    ) -> Result<Arc<str>, E> {
        let key = key(self.build, text);
        if let Some(hit) = self.old.get(&key) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            self.used.lock().unwrap_or_else(|e| e.into_inner()).insert(key, Arc::clone(hit));
            return Ok(Arc::clone(hit));
        }
        let formatted: Arc<str> = format()?.into();
        self.misses.fetch_add(1, Ordering::Relaxed);
        self.used.lock().unwrap_or_else(|e| e.into_inner()).insert(key, Arc::clone(&formatted));
        Ok(formatted)
    }
}

/// The text's length and a 64-bit hash of it with the build salt: among the few thousand files
/// of a crate, two different texts of one length sharing a hash is out of the question in
/// practice.
fn key(build: u64, text: &str) -> Key {
    let mut h = DefaultHasher::new();
    (build, text).hash(&mut h);
    (text.len() as u64, h.finish())
}

fn decode(bytes: &[u8], build: u64) -> Option<HashMap<Key, Arc<str>>> {
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let (salt, mut rest) = rest.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*salt) != build {
        return None;
    }
    let mut out = HashMap::new();
    while !rest.is_empty() {
        let (a, r) = rest.split_first_chunk::<8>()?;
        let (b, r) = r.split_first_chunk::<8>()?;
        let (len, r) = r.split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
        if r.len() < len {
            return None;
        }
        let text: Arc<str> = std::str::from_utf8(&r[..len]).ok()?.into();
        out.insert((u64::from_le_bytes(*a), u64::from_le_bytes(*b)), text);
        rest = &r[len..];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(text: &str) -> Result<String, ()> {
        Ok(text.to_uppercase())
    }

    #[test]
    fn a_saved_cache_gives_back_what_was_formatted() {
        let dir = std::env::temp_dir().join(format!("docgen-cache-test-{}", std::process::id()));
        let path = dir.join("cache.bin");
        let cache = FormatCache::new(7);
        assert_eq!(cache.get_or_format("fn a() {}", || format("fn a() {}")).as_deref(), Ok("FN A() {}"));
        cache.save(&path).unwrap();

        let warm = FormatCache::load(&path, 7);
        let got = warm.get_or_format("fn a() {}", || -> Result<String, ()> { panic!("a hit must not format") });
        assert_eq!(got.as_deref(), Ok("FN A() {}"));
        assert_eq!(warm.hits_and_misses(), (1, 0));

        // Another build's cache is empty; so is a damaged file.
        assert_eq!(FormatCache::load(&path, 8).old.len(), 0);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.truncate(bytes.len() - 3);
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(FormatCache::load(&path, 7).old.len(), 0);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn failures_are_not_cached() {
        let cache = FormatCache::new(1);
        assert_eq!(cache.get_or_format("x", || Err::<String, _>("broken")).as_deref(), Err(&"broken"));
        assert_eq!(cache.used.lock().unwrap().len(), 0);
    }
}
