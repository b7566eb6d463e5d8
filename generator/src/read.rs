//! Reading the docs folder: every page below it, in an order that does not depend on the file
//! system, with what could not be read as it is recorded on the page instead of stopping the run.
//!
//! A docs folder is a doc writer's working tree, so it holds what such trees hold: folders linked
//! in from elsewhere, a page saved by an editor in Latin-1 or UTF-16, a link whose target was
//! moved. None of these may end a run that has thousands of good pages to read, and none may lose
//! a page silently. A page that is not UTF-8 is read as well as it can be, and the pipeline gives
//! it a diagnostic at the first byte that is wrong (see [`ReadProblem`]).

use crate::diagnostics::{Code, Span};
use crate::parse::Page;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// One page of the docs: its path relative to the docs root (with `/`) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub path: String,
    pub text: String,
    /// Set when the file's bytes could not be taken as UTF-8 text as they are.
    pub problem: Option<ReadProblem>,
}

impl Source {
    /// A page read without trouble.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Source {
        Source { path: path.into(), text: text.into(), problem: None }
    }

    /// Decodes a page's bytes. UTF-8 is taken as it is. UTF-16 with a byte-order mark is
    /// decoded, as Windows editors save it. Anything else is read with each invalid sequence
    /// replaced by U+FFFD, so that the rest of the page still counts.
    pub fn from_bytes(path: impl Into<String>, bytes: Vec<u8>) -> Source {
        let path = path.into();
        let e = match String::from_utf8(bytes) {
            Ok(text) => return Source { path, text, problem: None },
            Err(e) => e,
        };
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        if let Some(text) = decode_utf16(&bytes) {
            return Source { path, text, problem: Some(ReadProblem::Utf16) };
        }
        // There is a byte at `offset`: it is where decoding failed.
        let byte = bytes.get(offset).copied().unwrap_or_default();
        // What `String::from_utf8_lossy` makes, counting the sequences it replaces on the way.
        let (mut text, mut invalid) = (String::with_capacity(bytes.len() + 2), 0);
        for chunk in bytes.utf8_chunks() {
            text.push_str(chunk.valid());
            if !chunk.invalid().is_empty() {
                text.push(char::REPLACEMENT_CHARACTER);
                invalid += 1;
            }
        }
        Source { path, text, problem: Some(ReadProblem::NotUtf8 { offset, byte, invalid }) }
    }

    /// A page that could not be read at all; its text is empty.
    pub fn unreadable(path: impl Into<String>, error: &std::io::Error) -> Source {
        Source { path: path.into(), text: String::new(), problem: Some(ReadProblem::Unreadable(error.to_string())) }
    }
}

/// Why a page's bytes were not taken as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadProblem {
    /// Not UTF-8. `offset` is where, in [`Source::text`], the first invalid sequence was
    /// replaced (the text before it is the file's own bytes), `byte` is that sequence's first
    /// byte, and `invalid` counts the invalid sequences in the page.
    NotUtf8 { offset: usize, byte: u8, invalid: usize },
    /// UTF-16 with a byte-order mark, decoded.
    Utf16,
    /// The operating system's reason the file could not be read.
    Unreadable(String),
}

/// Puts a page's read problem among its diagnostics. An unreadable page has nothing else to
/// say (that an empty page lacks front matter is no news), so its other diagnostics go.
pub fn report(problem: &ReadProblem, page: &mut Page) {
    let d = match problem {
        ReadProblem::NotUtf8 { offset, byte, invalid } => {
            // The replacement character U+FFFD is three bytes long.
            let span = Span::new(*offset, (*offset + 3).min(page.text.len()));
            let sequences = if *invalid == 1 { "sequence" } else { "sequences" };
            page.diag(
                Code::PageNotUtf8,
                span,
                format!(
                    "the page is not UTF-8: byte 0x{byte:02X} here is not valid UTF-8 ({invalid} invalid {sequences} \
                     in the page); it was read with each replaced by U+FFFD"
                ),
            )
        }
        ReadProblem::Utf16 => page.diag(Code::PageUtf16, Span::new(0, 0), "the page is UTF-16; it was decoded as such"),
        ReadProblem::Unreadable(reason) => {
            page.diagnostics.clear();
            page.diag(Code::PageUnreadable, Span::new(0, 0), format!("cannot read the page: {reason}"))
        }
    };
    page.diagnostics.push(d);
}

/// UTF-16 text behind a byte-order mark; `None` for anything else, or for UTF-16 that does not
/// decode (an unpaired surrogate, an odd length).
fn decode_utf16(bytes: &[u8]) -> Option<String> {
    let (rest, little) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (rest, true),
        [0xFE, 0xFF, rest @ ..] => (rest, false),
        _ => return None,
    };
    if rest.len() % 2 != 0 {
        return None;
    }
    let units = rest
        .chunks_exact(2)
        .map(|c| if little { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) });
    char::decode_utf16(units).collect::<Result<String, _>>().ok()
}

/// Reads every `*.md` file below `dir`, sorted by relative path so that the result does not
/// depend on the order the file system lists them in. A `dir` that is a file is read as the
/// only page, whatever its extension, under its file name: a page can be checked on its own.
///
/// Linked folders are followed, each real folder once (the first link to it in path order
/// names its pages), so a link back up the tree cannot loop. A page that cannot be read is
/// returned all the same, with its [`ReadProblem`]; only a folder that cannot be listed is an
/// error, and the error names it.
pub fn read_docs(dir: &Path) -> std::io::Result<Vec<Source>> {
    if dir.is_file() {
        let path = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        return Ok(vec![read_page(dir, path)]);
    }
    let mut paths = Vec::new();
    let mut seen = rustc_hash::FxHashSet::default();
    collect_md(dir, &mut Vec::new(), &mut seen, &mut paths)?;
    paths.sort();
    // Reading thousands of small files is system-call bound; both cores halve it.
    Ok(paths.into_par_iter().with_max_len(crate::PIECE).map(|(rel, file)| read_page(&file, rel)).collect())
}

fn read_page(file: &Path, rel: String) -> Source {
    match std::fs::read(file) {
        Ok(bytes) => Source::from_bytes(rel, bytes),
        Err(e) => Source::unreadable(rel, &e),
    }
}

/// Adds the pages below `dir` (whose path below the root is `rel`) to `out` as (relative path,
/// file) pairs. `seen` holds the real folders already listed.
fn collect_md(
    dir: &Path,
    rel: &mut Vec<String>,
    seen: &mut rustc_hash::FxHashSet<PathBuf>,
    out: &mut Vec<(String, PathBuf)>,
) -> std::io::Result<()> {
    // The caller names the docs folder; a folder below it is named here.
    let at = |e: std::io::Error| {
        if rel.is_empty() { e } else { std::io::Error::new(e.kind(), format!("cannot list `{}`: {e}", rel.join("/"))) }
    };
    // The real folder, so that a folder reached twice through links is listed once. Where it
    // cannot be resolved, the path itself stands in.
    let real = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !seen.insert(real) {
        return Ok(());
    }
    let mut entries: Vec<(String, PathBuf, bool)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(at)? {
        let entry = entry.map_err(at)?;
        // The listing tells a folder from a file without a system call; only a link needs
        // one, to learn what it leads to (`metadata` follows links). A link that leads nowhere
        // is neither; if it is named as a page, reading it will say why.
        let is_dir = match entry.file_type() {
            Ok(t) if t.is_symlink() => std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir()),
            Ok(t) => t.is_dir(),
            Err(_) => false,
        };
        entries.push((entry.file_name().to_string_lossy().into_owned(), entry.path(), is_dir));
    }
    // In name order, so that which of two links to one folder names its pages does not depend
    // on the order the file system lists them in.
    entries.sort();
    for (name, path, is_dir) in entries {
        rel.push(name);
        if is_dir {
            collect_md(&path, rel, seen, out)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push((rel.join("/"), path));
        }
        rel.pop();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_taken_as_it_is() {
        let s = Source::from_bytes("a.md", "caf\u{e9} \u{1F600}".as_bytes().to_vec());
        assert_eq!(s, Source::new("a.md", "caf\u{e9} \u{1F600}"));
    }

    #[test]
    fn latin1_is_read_with_replacements_and_the_first_bad_byte_found() {
        let s = Source::from_bytes("a.md", b"ok\ncaf\xe9 and na\xefve\n".to_vec());
        assert_eq!(s.text, "ok\ncaf\u{fffd} and na\u{fffd}ve\n");
        assert_eq!(s.problem, Some(ReadProblem::NotUtf8 { offset: 6, byte: 0xe9, invalid: 2 }));
        assert_eq!(&s.text[..6], "ok\ncaf");
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded() {
        for little in [true, false] {
            let mut bytes = if little { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
            for u in "# T\u{e9}\n".encode_utf16() {
                bytes.extend(if little { u.to_le_bytes() } else { u.to_be_bytes() });
            }
            let s = Source::from_bytes("a.md", bytes);
            assert_eq!((s.text.as_str(), s.problem), ("# T\u{e9}\n", Some(ReadProblem::Utf16)));
        }
        // An odd length is not UTF-16; it is read as bytes.
        let s = Source::from_bytes("a.md", vec![0xFF, 0xFE, b'#']);
        assert!(matches!(s.problem, Some(ReadProblem::NotUtf8 { offset: 0, byte: 0xFF, .. })), "{s:?}");
    }

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("docgen-read-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[cfg(unix)]
    #[test]
    fn linked_folders_are_followed_once_and_broken_links_reported() {
        use std::os::unix::fs::symlink;
        let root = temp_dir("links");
        let shared = temp_dir("links-shared");
        std::fs::create_dir_all(root.join("api")).unwrap();
        std::fs::write(root.join("api/a.md"), "# A\n").unwrap();
        std::fs::write(shared.join("s.md"), "# S\n").unwrap();
        std::fs::write(shared.join("notes.txt"), "not a page").unwrap();
        // Two links to one folder, a link back to the root (a loop) and a link to nowhere.
        symlink(&shared, root.join("linked")).unwrap();
        symlink(&shared, root.join("zz-again")).unwrap();
        symlink(&root, root.join("api/up")).unwrap();
        symlink(root.join("gone.md"), root.join("dangling.md")).unwrap();
        let got = read_docs(&root).unwrap();
        let paths: Vec<&str> = got.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(paths, ["api/a.md", "dangling.md", "linked/s.md"]);
        assert_eq!(got[2].text, "# S\n");
        assert!(matches!(&got[1].problem, Some(ReadProblem::Unreadable(_))), "{:?}", got[1]);
        assert_eq!(got[1].text, "");
        std::fs::remove_dir_all(&root).unwrap();
        std::fs::remove_dir_all(&shared).unwrap();
    }

    #[test]
    fn a_docs_folder_that_cannot_be_listed_is_an_error() {
        let e = read_docs(Path::new("/nonexistent/docgen/docs")).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound, "{e}");
    }
}
