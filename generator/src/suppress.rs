//! Suppressions and baselines: the two ways of silencing diagnostics that are already known.
//!
//! A suppression lives in the page it silences: an entry of the `suppressions` list of the page's
//! `#page.annotation`. `"<code>"` silences every diagnostic of that code on the page, and
//! `"<code>: <text>"` only those whose message contains the text (whitespace is normalised on
//! both sides). The Graph docs already use these lists for ApiDoctor (`"Error: name/path: ..."`),
//! so only entries whose first token (up to `:` or whitespace) is one of our codes count; the
//! others belong to that tool and are left alone. An entry of ours that silences nothing is
//! itself reported (`unused-suppression`), so that stale entries do not hide future defects.
//!
//! A baseline lives outside the docs: a JSON file listing the diagnostics a doc set had when it
//! was written, so that a checker can be turned on over a large doc set and fail only on new
//! defects. An entry is keyed on the file, the code and a fingerprint of the text the diagnostic
//! points at (not its line), so edits elsewhere in a page that move lines do not invalidate it.
//!
//! Everything here is a pure function of pages, texts and diagnostics; reading and writing files
//! is the xtask's job.

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::parse::{AnnotationKind, Page};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

/// One entry of a page annotation's `suppressions` list that names one of our codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The page, relative to the docs root.
    pub file: String,
    pub code: Code,
    /// Text the message must contain, whitespace-normalised; `None` silences the whole code.
    pub text: Option<String>,
    /// The entry as written.
    pub entry: String,
    /// The entry's string literal in the page text, quotes included; where an unused entry is
    /// reported.
    pub span: Span,
}

/// Reads one `suppressions` entry: `Some((code, text))` when its first token is one of our codes,
/// `None` when it belongs to another tool (or is empty).
pub fn parse_entry(entry: &str) -> Option<(Code, Option<String>)> {
    let entry = entry.trim();
    let end = entry.find(|c: char| c == ':' || c.is_whitespace()).unwrap_or(entry.len());
    let code = Code::parse(&entry[..end])?;
    let rest = entry[end..].trim_start();
    let rest = rest.strip_prefix(':').unwrap_or(rest);
    let text = squash(rest);
    Some((code, if text.is_empty() { None } else { Some(text) }))
}

/// The suppressions of one page: every entry of ours in the `suppressions` lists of its page
/// annotations, in the order written.
pub fn page_suppressions(page: &Page) -> Vec<Suppression> {
    let mut out = Vec::new();
    for ann in page.annotations.iter().filter(|a| a.kind == AnnotationKind::Page) {
        let Some(list) = ann.json.as_ref().and_then(|m| m.get("suppressions")).and_then(|v| v.as_array()) else {
            continue;
        };
        let (key, literals) = entry_literals(page.text, ann.json_span);
        let fallback = key.unwrap_or(ann.json_span);
        // The k-th string of the list is the k-th string literal at the list's own depth, since
        // non-string items (numbers, objects) contribute no literal at that depth.
        for (k, entry) in list.iter().filter_map(|v| v.as_str()).enumerate() {
            if let Some((code, text)) = parse_entry(entry) {
                let span = literals.get(k).copied().unwrap_or(fallback);
                out.push(Suppression { file: page.path.to_string(), code, text, entry: entry.to_string(), span });
            }
        }
    }
    out
}

/// Finds, inside an annotation's JSON text, the span of the `"suppressions"` key and of each
/// string literal directly inside its list. Works on the raw text rather than on the parsed JSON
/// because the parsed value has no positions, and the raw text may be repaired JSON (raw line
/// breaks inside strings, trailing commas), which this scan tolerates.
fn entry_literals(text: &str, json_span: Span) -> (Option<Span>, Vec<Span>) {
    let start = json_span.start.min(text.len());
    let end = json_span.end.clamp(start, text.len());
    let bytes = &text.as_bytes()[start..end];
    let needle = b"\"suppressions\"";
    let Some(key_at) = bytes.windows(needle.len()).position(|w| w == needle) else {
        return (None, Vec::new());
    };
    let key = Span::new(start + key_at, start + key_at + needle.len());
    let mut i = key_at + needle.len();
    let skip_ws = |i: &mut usize| {
        while *i < bytes.len() && bytes[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    skip_ws(&mut i);
    if bytes.get(i) != Some(&b':') {
        return (Some(key), Vec::new());
    }
    i += 1;
    skip_ws(&mut i);
    if bytes.get(i) != Some(&b'[') {
        return (Some(key), Vec::new());
    }
    i += 1;
    let mut depth = 1usize;
    let mut literals = Vec::new();
    while i < bytes.len() && depth > 0 {
        match bytes[i] {
            b'"' => {
                let lit_start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                let lit_end = (i + 1).min(bytes.len());
                if depth == 1 {
                    literals.push(Span::new(start + lit_start, start + lit_end));
                }
            }
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    (Some(key), literals)
}

fn matches(s: &Suppression, d: &Diagnostic) -> bool {
    d.file == s.file && d.code == s.code.as_str() && s.text.as_deref().is_none_or(|t| squash(&d.message).contains(t))
}

/// Applies the pages' suppressions to the diagnostics. Returns the diagnostics that remain (in
/// the order given) and one `unused-suppression` warning per entry of ours that silenced nothing.
///
/// An `unused-suppression` entry silences the unused-suppression warnings of its own page, so
/// that a page can keep entries for defects that come and go; it is itself reported when there
/// was nothing to silence.
pub fn apply(pages: &[Page], diagnostics: Vec<Diagnostic>) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let mut by_file: FxHashMap<&str, Vec<(Suppression, bool)>> = FxHashMap::default();
    for page in pages {
        let list = page_suppressions(page);
        if !list.is_empty() {
            by_file.entry(page.path).or_default().extend(list.into_iter().map(|s| (s, false)));
        }
    }
    if by_file.is_empty() {
        return (diagnostics, Vec::new());
    }
    let silence = |by_file: &mut FxHashMap<&str, Vec<(Suppression, bool)>>, d: &Diagnostic| {
        let Some(list) = by_file.get_mut(d.file.as_str()) else { return false };
        let mut hit = false;
        // Every matching entry is marked used, not only the first, so that overlapping entries
        // are not reported as unused.
        for (s, used) in list.iter_mut() {
            if matches(s, d) {
                *used = true;
                hit = true;
            }
        }
        hit
    };
    let kept: Vec<Diagnostic> = diagnostics.into_iter().filter(|d| !silence(&mut by_file, d)).collect();

    let mut unused = Vec::new();
    for page in pages {
        let Some(list) = by_file.get(page.path) else { continue };
        for (s, _) in list.iter().filter(|(s, used)| !used && s.code != Code::UnusedSuppression) {
            unused.push(unused_diagnostic(page, s));
        }
    }
    let mut unused: Vec<Diagnostic> = unused.into_iter().filter(|d| !silence(&mut by_file, d)).collect();
    for page in pages {
        let Some(list) = by_file.get(page.path) else { continue };
        for (s, _) in list.iter().filter(|(s, used)| !used && s.code == Code::UnusedSuppression) {
            unused.push(unused_diagnostic(page, s));
        }
    }
    (kept, unused)
}

fn unused_diagnostic(page: &Page, s: &Suppression) -> Diagnostic {
    let shown = squash(&s.entry);
    let shown =
        if shown.chars().count() > 80 { format!("{}...", shown.chars().take(77).collect::<String>()) } else { shown };
    let what = match &s.text {
        Some(_) => format!("no `{}` diagnostic of this page has that text", s.code),
        None => format!("this page has no `{}` diagnostic", s.code),
    };
    page.diag(Code::UnusedSuppression, s.span, format!("the suppression `{shown}` silences nothing: {what}"))
}

/// Collapses every run of whitespace into one space and trims the ends. Kept here rather than
/// shared with the parser because baseline fingerprints depend on it: a change to the parser's
/// notion of whitespace must not invalidate every baseline.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// FNV-1a, 64 bits: small, stable across platforms and Rust versions (unlike `DefaultHasher`),
/// and plenty to tell apart the diagnostics of one file and code.
fn fnv1a64(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            // A separator that cannot occur in the parts, so ("ab", "c") and ("a", "bc") differ.
            h ^= 0xff;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        for b in part.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// The text a diagnostic's fingerprint is made from: the text at its span, whitespace-normalised,
/// or, when the span is empty, the whole line the diagnostic is on.
pub fn anchor_text(d: &Diagnostic, text: &str) -> String {
    let start = d.span.start.min(text.len());
    let end = d.span.end.clamp(start, text.len());
    let at_span = squash(text.get(start..end).unwrap_or(""));
    if !at_span.is_empty() {
        return at_span;
    }
    // The line around the span's start is the diagnostic's line; finding it from the offset
    // costs one line, where a `LineIndex` would cost the whole page for every diagnostic.
    if d.span.start > text.len() || !text.is_char_boundary(start) {
        return String::new();
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    squash(&text[line_start..line_end])
}

/// A diagnostic's fingerprint: 16 hex digits of a hash of its code and the text it points at. It
/// does not depend on the line, so it survives edits that only move the text.
pub fn fingerprint(d: &Diagnostic, text: &str) -> String {
    format!("{:016x}", fnv1a64(&[d.code.as_str(), &anchor_text(d, text)]))
}

/// The baseline file's format version; a file of another version is refused rather than misread.
pub const BASELINE_VERSION: u32 = 1;

/// A baseline: the known diagnostics of a doc set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<BaselineEntry>,
}

/// One known diagnostic. `message` is for the people reading the file; matching ignores it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub file: String,
    pub code: String,
    pub fingerprint: String,
    pub message: String,
}

impl Baseline {
    /// The baseline of these diagnostics, sorted so that the file is stable and diffs well.
    /// `texts` maps page paths to their text.
    pub fn from_diagnostics<S: BuildHasher>(diagnostics: &[Diagnostic], texts: &HashMap<&str, &str, S>) -> Baseline {
        let mut entries: Vec<BaselineEntry> = diagnostics
            .iter()
            .map(|d| BaselineEntry {
                file: d.file.clone(),
                code: d.code.clone(),
                fingerprint: fingerprint(d, texts.get(d.file.as_str()).copied().unwrap_or("")),
                message: d.message.clone(),
            })
            .collect();
        entries.sort();
        Baseline { version: BASELINE_VERSION, entries }
    }

    /// Reads a baseline file's text; an error says what is wrong with it.
    pub fn parse(json: &str) -> Result<Baseline, String> {
        let b: Baseline = serde_json::from_str(json).map_err(|e| format!("not a baseline file: {e}"))?;
        if b.version != BASELINE_VERSION {
            return Err(format!("baseline version {} is not supported (expected {BASELINE_VERSION})", b.version));
        }
        Ok(b)
    }

    pub fn to_json(&self) -> String {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Drops the diagnostics the baseline knows. Matching is by (file, code, fingerprint) and
    /// counts: an entry written twice absorbs two diagnostics. Returns the diagnostics that remain,
    /// in the order given, and how many entries matched nothing (defects since fixed).
    pub fn filter<S: BuildHasher>(
        &self,
        diagnostics: Vec<Diagnostic>,
        texts: &HashMap<&str, &str, S>,
    ) -> (Vec<Diagnostic>, usize) {
        let mut budget: BTreeMap<(String, String, String), usize> = BTreeMap::new();
        for e in &self.entries {
            *budget.entry((e.file.clone(), e.code.clone(), e.fingerprint.clone())).or_default() += 1;
        }
        let kept = diagnostics
            .into_iter()
            .filter(|d| {
                let fp = fingerprint(d, texts.get(d.file.as_str()).copied().unwrap_or(""));
                match budget.get_mut(&(d.file.clone(), d.code.clone(), fp)) {
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        false
                    }
                    _ => true,
                }
            })
            .collect();
        let stale = budget.values().sum();
        (kept, stale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_page;

    const PAGE: &str = "---\ntitle: \"t\"\ndescription: \"d\"\ndoc_type: apiPageType\n---\n\n# T\n\nTODO: write this.\n\n<!-- {\n  \"type\": \"#page.annotation\",\n  \"suppressions\": [\n    \"Error: update_x/status:\\r\\n  Expected type String but actual was Int64.\",\n    \"todo-text\",\n    \"link-case: ResultInfo.md\",\n    \"example-guid\",\n    \"link-case: no such text\"\n  ]\n}\n-->\n";

    fn diag(page: &Page, code: Code, needle: &str, message: &str) -> Diagnostic {
        let at = page.text.find(needle).unwrap_or(0);
        page.diag(code, Span::new(at, at + needle.len()), message)
    }

    #[test]
    fn entries_of_other_tools_are_ignored() {
        assert_eq!(parse_entry("todo-text"), Some((Code::TodoText, None)));
        assert_eq!(parse_entry("  todo-text  "), Some((Code::TodoText, None)));
        assert_eq!(parse_entry("todo-text:"), Some((Code::TodoText, None)));
        assert_eq!(parse_entry("link-case: the  link\n x"), Some((Code::LinkCase, Some("the link x".into()))));
        assert_eq!(parse_entry("link-case the link"), Some((Code::LinkCase, Some("the link".into()))));
        assert_eq!(parse_entry("Error: update_rangeformat_font_three/underline: Expected type String"), None);
        assert_eq!(parse_entry("Warning: /api-reference/beta/api/x.md: Link to y"), None);
        assert_eq!(parse_entry("no-such-code"), None);
        assert_eq!(parse_entry(""), None);
        assert_eq!(parse_entry(":"), None);
    }

    #[test]
    fn suppressions_are_read_with_the_span_of_their_entry() {
        let page = parse_page("api/x.md", PAGE);
        let list = page_suppressions(&page);
        let codes: Vec<Code> = list.iter().map(|s| s.code).collect();
        assert_eq!(codes, [Code::TodoText, Code::LinkCase, Code::ExampleGuid, Code::LinkCase]);
        assert_eq!(page.span_text(list[0].span), "\"todo-text\"");
        assert_eq!(page.span_text(list[3].span), "\"link-case: no such text\"");
    }

    #[test]
    fn used_entries_silence_and_unused_ones_are_reported() {
        let page = parse_page("api/x.md", PAGE);
        let diags = vec![
            diag(&page, Code::TodoText, "TODO", "the page still contains `TODO`"),
            diag(&page, Code::LinkCase, "T", "the link `../resources/ResultInfo.md` differs in case"),
            diag(&page, Code::LinkCase, "T", "the link `../resources/Other.md` differs in case"),
            diag(&page, Code::LinkTargetMissing, "T", "the link `x.md` points nowhere"),
        ];
        let mut other = diags[0].clone();
        other.file = "api/other.md".into();
        let mut input = diags.clone();
        input.push(other.clone());
        let (kept, unused) = apply(std::slice::from_ref(&page), input);
        assert_eq!(kept, vec![diags[2].clone(), diags[3].clone(), other]);
        assert_eq!(unused.len(), 2, "{unused:#?}");
        assert!(unused.iter().all(|d| d.code == "unused-suppression" && d.file == "api/x.md"));
        assert_eq!(page.span_text(unused[0].span), "\"example-guid\"");
        assert!(unused[0].message.contains("this page has no `example-guid` diagnostic"), "{}", unused[0].message);
        assert_eq!(page.span_text(unused[1].span), "\"link-case: no such text\"");
        assert!(unused[1].message.contains("has that text"));
    }

    #[test]
    fn unused_suppression_entries_silence_unused_warnings() {
        let text = PAGE.replace(
            "\"example-guid\",",
            "\"example-guid\", \"unused-suppression: example-guid\", \"unused-suppression\",",
        );
        let page = parse_page("api/x.md", &text);
        let (kept, unused) = apply(std::slice::from_ref(&page), Vec::new());
        assert!(kept.is_empty());
        // Every entry of the page was unused, but both unused-suppression entries silence them.
        assert!(unused.is_empty(), "{unused:#?}");
    }

    #[test]
    fn pages_without_annotations_or_with_odd_lists_change_nothing() {
        let odd = "<!-- { \"type\": \"#page.annotation\", \"suppressions\": [1, {\"a\": \"todo-text\"}, \"todo-text\"] } -->\nTODO\n";
        let page = parse_page("x.md", odd);
        let list = page_suppressions(&page);
        assert_eq!(list.len(), 1);
        assert_eq!(page.span_text(list[0].span), "\"todo-text\"");
        let plain = parse_page("y.md", "# nothing\n");
        let d = diag(&plain, Code::TodoText, "nothing", "m");
        let (kept, unused) = apply(&[plain], vec![d.clone()]);
        assert_eq!((kept, unused), (vec![d], vec![]));
    }

    #[test]
    fn fingerprints_ignore_line_moves_and_whitespace() {
        let a = parse_page("x.md", "# A\n\n|a|b|\n|-|-|\n|1|2|3|\n");
        let b = parse_page("x.md", "# A\n\n\n\n|a|b|\n|-|-|\n|1|2|3|  \n");
        let da = diag(&a, Code::TableCellCount, "|1|2|3|", "row has 3 cells");
        let db = diag(&b, Code::TableCellCount, "|1|2|3|", "row has 3 cells");
        assert_ne!(da.line, db.line);
        assert_eq!(fingerprint(&da, a.text), fingerprint(&db, b.text));
        let mut other_code = da.clone();
        other_code.code = "todo-text".into();
        assert_ne!(fingerprint(&da, a.text), fingerprint(&other_code, a.text));
        // An empty span is fingerprinted by its whole line.
        let mut empty = da.clone();
        empty.span = Span::new(empty.span.start, empty.span.start);
        assert_eq!(anchor_text(&empty, a.text), "|1|2|3|");
        // Spans past the end of the text, or inside a character, never panic.
        empty.span = Span::new(1000, 2000);
        assert_eq!(anchor_text(&empty, a.text), "");
        let c = parse_page("c.md", "é");
        let mut inside = diag(&c, Code::TodoText, "é", "m");
        inside.span = Span::new(1, 1);
        assert_eq!(anchor_text(&inside, c.text), "");
    }

    #[test]
    fn baselines_round_trip_and_count_duplicates() {
        let page = parse_page("x.md", "# A\nTODO\nTODO\nTODO\n");
        let at = |n: usize| {
            let start = page.text.match_indices("TODO").nth(n).map(|(i, _)| i).unwrap_or(0);
            page.diag(Code::TodoText, Span::new(start, start + 4), "todo")
        };
        let texts: FxHashMap<&str, &str> = [("x.md", page.text)].into_iter().collect();
        let baseline = Baseline::from_diagnostics(&[at(0), at(1)], &texts);
        let read = Baseline::parse(&baseline.to_json()).expect("round trip");
        assert_eq!(read, baseline);
        // Two entries with the same key absorb two of the three identical diagnostics.
        let (kept, stale) = read.filter(vec![at(0), at(1), at(2)], &texts);
        assert_eq!((kept.len(), stale), (1, 0));
        let (kept, stale) = read.filter(vec![at(0)], &texts);
        assert_eq!((kept.len(), stale), (0, 1));
        assert!(Baseline::parse("{\"version\": 2, \"entries\": []}").is_err());
        assert!(Baseline::parse("[]").is_err());
    }
}
