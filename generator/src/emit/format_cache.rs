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
//!
//! The file is a header, an index of `(key, start, length)`, and one blob of all laid-out texts.
//! On Unix the file is mapped, not read: a warm run neither zeroes nor copies ~12 MiB of fresh
//! memory before it can start, and the loader thread that competes with parsing for the cores
//! finishes in well under a millisecond. Each hit is checked as UTF-8 when it is used (a damaged
//! entry is a miss) and copied straight into the output, so a warm run pays for no per-entry
//! allocation.

use rustc_hash::{FxHashMap, FxHashSet};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The first bytes of a cache file; a change of layout changes this.
const MAGIC: &[u8; 8] = b"docgfc02";

/// Old entries (not used by this run) are kept up to this many bytes, so that switching between
/// two sets of docs keeps both warm without the file growing without bound.
const KEEP_OLD_BYTES: usize = 64 << 20;

/// XXH3-128 of the rendered text, seeded with the build salt. A 128-bit hash makes two different
/// texts sharing a key out of the question, and XXH3 reads the ~12 MiB a corpus renders in about
/// a millisecond.
type Key = u128;

/// Where each old entry's text is in the cache file: key → (start, end).
type Index = FxHashMap<Key, (usize, usize)>;

/// Bytes of one index entry: key, start and length in the blob.
const ENTRY: usize = 16 + 8 + 8;

/// Laid-out files from earlier runs, plus those made by this one.
#[derive(Default)]
pub struct FormatCache {
    build: u64,
    /// The cache file as it was when this run started: header, index, then every old laid-out
    /// text back to back.
    file: Bytes,
    /// Key → range of its text in `file`.
    old: Index,
    /// Old entries this run used.
    used: Mutex<FxHashSet<Key>>,
    /// Entries this run laid out itself.
    made: Mutex<FxHashMap<Key, String>>,
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
        if let Ok(file) = std::fs::File::open(path)
            && let Some((bytes, old)) = decode(file, build)
        {
            cache.file = bytes;
            cache.old = old;
        }
        cache
    }

    /// Writes the entries this run used or made, then old ones up to a size limit, to `path`
    /// (through a temporary file and a rename, so a reader never sees half a cache).
    /// When this run made nothing new and every old entry it did not use fits in the limit, the
    /// file would be written again byte for byte, so it is left alone: switching between two
    /// sets of docs does not rewrite the cache on every run.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        let made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        if made.is_empty() && path.is_file() {
            let unused: usize = self.old.iter().filter(|(k, _)| !used.contains(*k)).map(|(_, &(s, e))| e - s).sum();
            if unused <= KEEP_OLD_BYTES {
                return Ok(());
            }
        }
        let old_text = |k: &Key| self.old.get(k).map(|&(s, e)| &self.file[s..e]);
        let mut entries: Vec<(Key, &[u8])> = made.iter().map(|(k, v)| (*k, v.as_bytes())).collect();
        entries.extend(used.iter().filter(|k| !made.contains_key(*k)).filter_map(|k| Some((*k, old_text(k)?))));
        let mut rest: Vec<(Key, &[u8])> = self
            .old
            .iter()
            .filter(|(k, _)| !used.contains(*k) && !made.contains_key(*k))
            .map(|(k, &(s, e))| (*k, &self.file[s..e]))
            .collect();
        rest.sort_by_key(|(k, _)| *k);
        let mut budget = KEEP_OLD_BYTES;
        for (k, v) in rest {
            if v.len() > budget {
                break;
            }
            budget -= v.len();
            entries.push((k, v));
        }
        entries.sort_by_key(|(k, _)| *k);
        let blob_len: usize = entries.iter().map(|(_, v)| v.len()).sum();
        let mut out = Vec::with_capacity(24 + entries.len() * ENTRY + blob_len);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.build.to_le_bytes());
        out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
        let mut start = 0u64;
        for (k, v) in &entries {
            out.extend_from_slice(&k.to_le_bytes());
            out.extend_from_slice(&start.to_le_bytes());
            out.extend_from_slice(&(v.len() as u64).to_le_bytes());
            start += v.len() as u64;
        }
        for (_, v) in &entries {
            out.extend_from_slice(v);
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

    /// Appends the laid-out form of `text` to `out`, from the cache or from `format` (whose
    /// result is kept when it succeeds).
    pub(crate) fn layout_into<E>(
        &self,
        out: &mut String,
        text: &str,
        format: impl FnOnce() -> Result<String, E>,
    ) -> Result<(), E> {
        let key = key(self.build, text);
        if let Some(old) = self.old.get(&key).and_then(|&(s, e)| simdutf8::basic::from_utf8(&self.file[s..e]).ok()) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            self.used.lock().unwrap_or_else(|e| e.into_inner()).insert(key);
            out.push_str(old);
            return Ok(());
        }
        let formatted = format()?;
        self.misses.fetch_add(1, Ordering::Relaxed);
        out.push_str(&formatted);
        self.made.lock().unwrap_or_else(|e| e.into_inner()).insert(key, formatted);
        Ok(())
    }
}

fn key(build: u64, text: &str) -> Key {
    xxhash_rust::xxh3::xxh3_128_with_seed(text.as_bytes(), build)
}

/// A cache file's bytes: mapped where the platform allows it, read otherwise.
#[derive(Default)]
enum Bytes {
    #[default]
    None,
    #[cfg(unix)]
    Mapped(memmap2::Mmap),
    #[cfg_attr(unix, allow(dead_code))]
    Read(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::None => &[],
            #[cfg(unix)]
            Bytes::Mapped(m) => m,
            Bytes::Read(v) => v,
        }
    }
}

/// Maps the file on Unix.
///
/// SAFETY (of the `unsafe` inside): a mapping is only sound while no one changes the file under
/// it. This file is only ever replaced whole, by writing a temporary sibling and renaming it over
/// the old name (`save`), which leaves the inode this run mapped untouched. Elsewhere, where a
/// mapped file cannot be renamed over, the file is read.
fn bytes_of(file: &std::fs::File) -> Option<Bytes> {
    #[cfg(unix)]
    {
        // SAFETY: see above; the mapping is read-only and lives as long as the cache.
        let map = unsafe { memmap2::Mmap::map(file) }.ok()?;
        Some(Bytes::Mapped(map))
    }
    #[cfg(not(unix))]
    {
        use std::io::Read;
        let mut v = Vec::new();
        let mut file = file;
        file.read_to_end(&mut v).ok()?;
        Some(Bytes::Read(v))
    }
}

/// The bytes and the index of a cache file, or `None` when the file is not a whole cache of
/// this build. Ranges are checked to lie in the blob; whether each is UTF-8 is checked when it
/// is used, so that loading costs nothing per byte.
fn decode(file: std::fs::File, build: u64) -> Option<(Bytes, Index)> {
    if file.metadata().ok()?.len() < 24 {
        return None;
    }
    let bytes = bytes_of(&file)?;
    let (head, rest) = bytes.split_first_chunk::<24>()?;
    let head = head.strip_prefix(MAGIC.as_slice())?;
    let (salt, head) = head.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*salt) != build {
        return None;
    }
    let count = usize::try_from(u64::from_le_bytes(*head.first_chunk::<8>()?)).ok()?;
    // The index must fit in the file: a damaged count must not make a huge allocation.
    let index_len = count.checked_mul(ENTRY)?;
    let index = rest.get(..index_len)?;
    let blob_start = 24 + index_len;
    let blob_len = bytes.len() - blob_start;
    let mut old = FxHashMap::with_capacity_and_hasher(count, Default::default());
    for entry in index.chunks_exact(ENTRY) {
        let (k, r) = entry.split_first_chunk::<16>()?;
        let (s, r) = r.split_first_chunk::<8>()?;
        let start = usize::try_from(u64::from_le_bytes(*s)).ok()?;
        let len = usize::try_from(u64::from_le_bytes(*r.first_chunk::<8>()?)).ok()?;
        let end = start.checked_add(len)?;
        if end > blob_len {
            return None;
        }
        old.insert(u128::from_le_bytes(*k), (blob_start + start, blob_start + end));
    }
    Some((bytes, old))
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
        let mut out = String::new();
        assert_eq!(cache.layout_into(&mut out, "fn a() {}", || format("fn a() {}")), Ok(()));
        assert_eq!(out, "FN A() {}");
        cache.save(&path).unwrap();

        let warm = FormatCache::load(&path, 7);
        let mut out = String::from("// header\n");
        let got = warm.layout_into(&mut out, "fn a() {}", || -> Result<String, ()> { panic!("a hit must not format") });
        assert_eq!((got, out.as_str()), (Ok(()), "// header\nFN A() {}"));
        assert_eq!(warm.hits_and_misses(), (1, 0));
        // The file is damaged in place below, which a mapping must not see.
        drop(warm);

        // Another build's cache is empty; so is a damaged file.
        assert_eq!(FormatCache::load(&path, 8).old.len(), 0);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.truncate(bytes.len() - 3);
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(FormatCache::load(&path, 7).old.len(), 0);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_run_that_uses_part_of_the_cache_and_makes_nothing_leaves_it_alone() {
        let dir = std::env::temp_dir().join(format!("docgen-cache-keep-{}", std::process::id()));
        let path = dir.join("cache.bin");
        let two = FormatCache::new(7);
        for text in ["fn a() {}", "fn b() {}"] {
            two.layout_into(&mut String::new(), text, || format(text)).unwrap();
        }
        two.save(&path).unwrap();
        let before = std::fs::read(&path).unwrap();

        // A run over other docs uses only one entry: the other stays, and nothing is written.
        let one = FormatCache::load(&path, 7);
        one.layout_into(&mut String::new(), "fn a() {}", || -> Result<String, ()> { panic!("a hit") }).unwrap();
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        one.save(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), modified, "the file is not rewritten");
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert_eq!(FormatCache::load(&path, 7).old.len(), 2);

        // Making something new writes the file, still with both old entries.
        let more = FormatCache::load(&path, 7);
        more.layout_into(&mut String::new(), "fn c() {}", || format("fn c() {}")).unwrap();
        more.save(&path).unwrap();
        assert_eq!(FormatCache::load(&path, 7).old.len(), 3);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_damaged_entry_is_laid_out_again_not_copied() {
        let dir = std::env::temp_dir().join(format!("docgen-cache-damaged-{}", std::process::id()));
        let path = dir.join("cache.bin");
        let cache = FormatCache::new(7);
        cache.layout_into(&mut String::new(), "é", || format("é")).unwrap();
        cache.save(&path).unwrap();
        // The entry's text is the file's last two bytes, the UTF-8 of `É`; cut it in half.
        let mut bytes = std::fs::read(&path).unwrap();
        let n = bytes.len();
        bytes[n - 1] = b'x';
        std::fs::write(&path, bytes).unwrap();

        let damaged = FormatCache::load(&path, 7);
        let mut out = String::new();
        damaged.layout_into(&mut out, "é", || format("é")).unwrap();
        assert_eq!((out.as_str(), damaged.hits_and_misses()), ("É", (0, 1)));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn failures_are_not_cached() {
        let cache = FormatCache::new(1);
        assert_eq!(cache.layout_into(&mut String::new(), "x", || Err::<String, _>("broken")), Err("broken"));
        assert_eq!(cache.made.lock().unwrap().len(), 0);
    }
}
