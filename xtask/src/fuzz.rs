//! `cargo xtask fuzz`: damages pages at random and runs the pipeline on them, to find inputs that
//! make the generator panic, fail or hang.
//!
//! Each run takes one to six pages of a docs folder (half the time a family of pages named
//! after one resource, so damage meets the pages that use it), damages each a few times (text
//! inserted, cut, copied or moved; runs of markup, wide characters or placeholders; lines
//! swapped; CRLF line ends), and runs everything a page goes through: parsing, lowering,
//! validation, emission (every Rust file through `syn`), the rustc-style rendering of every
//! diagnostic, the JSON report, suppressions and baseline fingerprints. The damage comes from a
//! seeded generator, so a seed and a run number reproduce a case; a failing case is also written
//! out as a docs folder that the other commands can be pointed at.
//!
//! Found this way: a URL matcher that backtracked exponentially over adjacent placeholders, a
//! JSON error position inside a multi-byte character, and an unannotated code block's span that
//! ended inside its padded fence line.

use crate::args::Args;
use docgen::Source;
use docgen::diagnostics::floor_boundary;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Text that damage inserts: markup the parser and lowering treat specially, characters of
/// several widths, and fragments of the format's own conventions.
const FRAGMENTS: &[&str] = &[
    "|",
    "```",
    "<!--",
    "-->",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "\\",
    "\r\n",
    "\r",
    "\t",
    "\u{feff}",
    "\u{a0}",
    "\u{e9}",
    "\u{1F600}",
    "\u{301}",
    "\u{200b}",
    "\u{0}",
    "---\n",
    "# ",
    "> ",
    "- ",
    "1. ",
    "<br>",
    "&amp;",
    "&#x",
    "`",
    "**",
    "{id}",
    "$ref",
    "@odata.type",
    ":",
    ",",
    "\n\n",
    "    ",
    "https://",
    "../",
    "%",
    "|:--|",
    "\n|a|b|\n|-|-|\n",
    "<!-- { \"blockType\": \"response\" } -->\n```json\n",
    "HTTP/1.1 200 OK\n",
    "GET /x/{y}\n",
    "Possible values are: `a`, `b`.",
    "Inherits from [x](x.md).",
];

/// A run taking longer than this is reported as a hang.
const HANG: Duration = Duration::from_secs(20);

/// What the watchdog reads instead of a run's start time: no run is going on...
const IDLE: u64 = u64::MAX;
/// ...or every run is over, and the watchdog can stop.
const DONE: u64 = u64::MAX - 1;

/// xorshift64: reproducible damage, not good randomness.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }

    /// A position in `text` on a character boundary.
    fn boundary(&mut self, text: &str) -> usize {
        floor_boundary(text, self.below(text.len() + 1))
    }
}

/// One to eight random edits of a page's text.
fn damage(text: &mut String, rng: &mut Rng) {
    for _ in 0..1 + rng.below(8) {
        let at = rng.boundary(text);
        let end_within = |text: &str, n: usize| floor_boundary(text, at + n);
        match rng.below(6) {
            0 => text.insert_str(at, FRAGMENTS[rng.below(FRAGMENTS.len())]),
            1 => {
                let end = end_within(text, rng.below(40));
                text.replace_range(at..end, "");
            }
            2 => {
                let end = end_within(text, rng.below(200));
                let chunk = text[at..end].to_string();
                let to = rng.boundary(text);
                text.insert_str(to, &chunk);
            }
            3 => {
                let run = FRAGMENTS[rng.below(FRAGMENTS.len())].repeat(1 + rng.below(50));
                text.insert_str(at, &run);
            }
            4 => {
                let mut lines: Vec<&str> = text.lines().collect();
                if lines.len() > 2 {
                    let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
                    lines.swap(a, b);
                }
                *text = lines.join(if rng.below(2) == 0 { "\n" } else { "\r\n" });
            }
            _ => {
                let end = end_within(text, 1 + rng.below(4));
                let upper = text[at..end].to_uppercase();
                text.replace_range(at..end, &upper);
            }
        }
    }
}

/// The page as a file on disk would give it: most often UTF-8, sometimes in another encoding or
/// with stray bytes (read through `Source::from_bytes`, as `read_docs` reads), rarely unreadable.
fn as_saved(path: String, text: String, rng: &mut Rng) -> Source {
    match rng.below(40) {
        // Latin-1, as an old editor saves it: what it cannot write becomes `?`.
        0 => Source::from_bytes(path, text.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect()),
        // A few bytes that are not UTF-8 anywhere in the page, a character cut in two included.
        1 | 2 => {
            let mut bytes = text.into_bytes();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(bytes.len() + 1);
                bytes.insert(at, 0x80 + rng.below(0x80) as u8);
            }
            Source::from_bytes(path, bytes)
        }
        // UTF-16 behind a byte-order mark, either byte order.
        3 => {
            let little = rng.below(2) == 0;
            let mut bytes = if little { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
            for u in text.encode_utf16() {
                bytes.extend(if little { u.to_le_bytes() } else { u.to_be_bytes() });
            }
            Source::from_bytes(path, bytes)
        }
        4 if rng.below(4) == 0 => Source::unreadable(path, &std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
        _ => Source::new(path, text),
    }
}

/// The stem a page's family is known by: its file name up to the first `-` (`user` for
/// `api/user-get.md` and `resources/user.md`).
fn stem(path: &str) -> &str {
    let name = docgen::lower::file_stem(path);
    name.split('-').next().unwrap_or(name)
}

/// The damaged pages of run `run` of `seed`, sorted and without repeated paths.
fn damaged_set(sources: &[Source], seed: u64, run: u64) -> Vec<Source> {
    // Each run has a generator of its own, so a run reproduces without the ones before it.
    let mut rng =
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ run.wrapping_add(1).wrapping_mul(0xbf58_476d_1ce4_e5b9) | 1);
    // Half the runs take a family of pages (a resource and the pages named after it, such as
    // `user.md` and `user-get.md`), so that damage on one page meets the pages that use it.
    let first = rng.below(sources.len());
    let family: Vec<usize> = if rng.below(2) == 0 {
        let s = stem(&sources[first].path);
        (0..sources.len()).filter(|&i| stem(&sources[i].path) == s).collect()
    } else {
        Vec::new()
    };
    let mut set = Vec::new();
    for k in 0..1 + rng.below(6) {
        let page = match (k, family.len()) {
            (0, _) => &sources[first],
            (_, 0) => &sources[rng.below(sources.len())],
            (_, n) => &sources[family[rng.below(n)]],
        };
        let mut text = page.text.clone();
        damage(&mut text, &mut rng);
        set.push(as_saved(page.path.clone(), text, &mut rng));
    }
    set.sort_by(|a, b| a.path.cmp(&b.path));
    set.dedup_by(|a, b| a.path == b.path);
    set
}

/// Everything a page goes through, as `regenerate` and `check-docs` run it, down to the
/// rustc-style rendering of each diagnostic (which slices the page at its spans) and the report.
fn exercise(set: &[Source]) -> Result<(), String> {
    // One analysis serves emission, rendering and suppressions (as `generate` would, but keeping
    // the pages that suppressions need).
    let docgen::Analysis { pages, ir, diagnostics, timings } = docgen::analyse(set);
    let files = docgen::emit::emit(&ir).map_err(|e| format!("generator error: {e}"))?;
    let texts: HashMap<&str, &str> = set.iter().map(|s| (s.path.as_str(), s.text.as_str())).collect();
    let renderer = annotate_snippets::Renderer::plain();
    // Diagnostics are sorted by file: one line index per page, as `check-docs` renders them.
    for run in diagnostics.chunk_by(|a, b| a.file == b.file) {
        let text = texts.get(run[0].file.as_str()).copied().unwrap_or("");
        let index = docgen::diagnostics::LineIndex::new(text);
        for d in run {
            // The renderer tolerates a span that cuts a character; the fuzzer does not, so
            // such a span is still found.
            if d.span.start > d.span.end || text.get(d.span.start..d.span.end).is_none() {
                return Err(format!("a `{}` span cuts a character or leaves the page: {:?}", d.code, d.span));
            }
            crate::render::render_one(&renderer, d, text, &index, Path::new("docs"));
        }
    }
    let (kept, _) = docgen::suppress::apply(&pages, diagnostics.clone());
    let output = docgen::Output { ir, diagnostics, files, timings };
    crate::render::report(&output, set.len(), 0.0);
    crate::render::summary(&output, set.len());
    let baseline = docgen::suppress::Baseline::from_diagnostics(&kept, &texts);
    let _ = baseline.filter(kept, &texts);
    Ok(())
}

/// Writes a failing case as a docs folder and says how to look at it.
fn report(out: &Path, set: &[Source], seed: u64, run: u64, what: &str) -> String {
    let dir = out.join(format!("seed-{seed}-run-{run}"));
    let _ = std::fs::remove_dir_all(&dir);
    let mut written = true;
    for s in set {
        let path = dir.join(&s.path);
        written &=
            path.parent().is_none_or(|p| std::fs::create_dir_all(p).is_ok()) && std::fs::write(&path, &s.text).is_ok();
    }
    let shown = crate::render::display_path(&dir);
    if written {
        format!(
            "run {run} of seed {seed}: {what}\nthe damaged pages are in {shown}; reproduce with \
             `cargo xtask regenerate --docs {shown} --out {shown}-crate` (everything but suppressions) \
             or `cargo xtask check-docs --docs {shown}` (everything but emission)"
        )
    } else {
        format!("run {run} of seed {seed}: {what} (the pages could not be written to {shown})")
    }
}

pub fn run(args: &Args) -> Result<u8, String> {
    let root = crate::project_root();
    let docs = crate::docs_or_corpus(args);
    let number = |name: &str, default: u64| -> Result<u64, String> {
        match args.value(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| format!("`--{name}` needs a whole number, not `{v}`")),
        }
    };
    let seed = number("seed", 1)?;
    let runs = number("runs", 10_000)?;
    let out: PathBuf = args.path("out").unwrap_or_else(|| root.join("target/fuzz"));
    let sources =
        docgen::read_docs(&docs).map_err(|e| format!("cannot read the docs folder {}: {e}", docs.display()))?;
    if sources.is_empty() {
        return Err(format!("no markdown pages found in {}", docs.display()));
    }

    // A watchdog reports a run that does not end: a hang is a defect as much as a panic.
    let started_ms = AtomicU64::new(IDLE);
    let current = Mutex::new((0u64, Vec::<Source>::new()));
    let clock = Instant::now();
    // The panic message goes into the report, not onto the terminal mid-run.
    let quiet_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::thread::scope(|scope| {
        scope.spawn(|| {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                let since = started_ms.load(Ordering::Relaxed);
                if since == DONE {
                    return;
                }
                if since != IDLE && clock.elapsed().as_millis() as u64 > since + HANG.as_millis() as u64 {
                    let guard = current.lock().unwrap_or_else(|p| p.into_inner());
                    let what = format!("no result after {} s (a hang)", HANG.as_secs());
                    eprintln!("error: {}", report(&out, &guard.1, seed, guard.0, &what));
                    std::process::exit(1);
                }
            }
        });
        let mut failure = None;
        for run in 0..runs {
            let set = damaged_set(&sources, seed, run);
            *current.lock().unwrap_or_else(|p| p.into_inner()) = (run, set.clone());
            started_ms.store(clock.elapsed().as_millis() as u64, Ordering::Relaxed);
            let result = std::panic::catch_unwind(|| exercise(&set));
            started_ms.store(IDLE, Ordering::Relaxed);
            let what = match result {
                Ok(Ok(())) => continue,
                Ok(Err(e)) => e,
                Err(panic) => {
                    let msg = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    let msg: String = msg.chars().take(300).collect();
                    format!("panic: {msg}")
                }
            };
            failure = Some(report(&out, &set, seed, run, &what));
            break;
        }
        started_ms.store(DONE, Ordering::Relaxed);
        failure
    });
    std::panic::set_hook(quiet_hook);
    match outcome {
        Some(message) => {
            eprintln!("error: {message}");
            Ok(1)
        }
        None => {
            eprintln!(
                "fuzz: {runs} damaged page set(s) from {} ({} pages), seed {seed}: no panic, no generator error, no hang ({:.1} s)",
                crate::render::display_path(&docs),
                sources.len(),
                clock.elapsed().as_secs_f64()
            );
            Ok(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_is_reproducible_and_keeps_text_valid() {
        let sources =
            vec![Source::new("a.md", "# A\n\n|x|y|\n|-|-|\n|1|\u{e9}|\n"), Source::new("b.md", "\u{1F600} text\n")];
        for run in 0..200 {
            let a = damaged_set(&sources, 9, run);
            let b = damaged_set(&sources, 9, run);
            assert_eq!(
                a.iter().map(|s| &s.text).collect::<Vec<_>>(),
                b.iter().map(|s| &s.text).collect::<Vec<_>>(),
                "run {run}"
            );
            assert!(a.windows(2).all(|w| w[0].path < w[1].path));
        }
    }

    #[test]
    fn families_share_a_stem() {
        assert_eq!(stem("api/user-get.md"), "user");
        assert_eq!(stem("resources/user.md"), "user");
        assert_eq!(stem("intune-apps-x.md"), "intune");
    }
}
