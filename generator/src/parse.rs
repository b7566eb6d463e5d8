//! Parse: one markdown page into its syntactic parts, with byte spans.
//!
//! A page becomes front matter, headings, tables (re-split from their source lines so that a row
//! with the wrong cell count is seen, not silently padded), code blocks with the annotation that
//! announces them, paragraphs with their links, and the HTML-comment annotations. Nothing here
//! knows what a type or an operation is; that is [`crate::lower`]'s job. pulldown-cmark finds the
//! block structure, tables aside (they are found in its paragraphs and in the text of tight list
//! items); every range it reports is clamped before use (see ANCHORS.md on its range bugs).

use crate::diagnostics::{Code, Diagnostic, LineIndex, PageDiagnostics, Span, floor_boundary};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::sync::OnceLock;

/// A parsed page. Borrows the source text.
///
/// Once the page's declarations are read, the pipeline empties the parts only that reading
/// needs ([`Page::release_read_parts`]): later stages find no tables, code blocks, paragraphs,
/// reference definitions or front-matter entries here.
#[derive(Debug)]
pub struct Page<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub index: LineIndex,
    pub front: FrontMatter,
    /// The normalised doc_type, from the front matter or, failing that, the folder.
    pub doc_type: Option<DocType>,
    /// The H1 title (tab markers excluded).
    pub title: Option<(String, Span)>,
    /// The `Namespace: x` line.
    pub namespace: Option<String>,
    pub headings: Vec<Heading>,
    pub tables: Vec<Table<'a>>,
    pub code_blocks: Vec<CodeBlock<'a>>,
    pub annotations: Vec<Annotation>,
    pub paragraphs: Vec<Paragraph>,
    pub links: Vec<Link<'a>>,
    /// Reference-style link definitions (`[name]: target.md`), keyed by lower-cased label.
    pub ref_defs: FxHashMap<String, String>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Page<'_> {
    /// Frees the parts that only [`crate::lower::read_page`] reads: tables, code blocks,
    /// paragraphs, reference definitions and front-matter entries. Resolution, the link check
    /// and validation read the page's path, text, line index, title, namespace, headings, links
    /// and annotations only. Freed on the page's own thread right after it is read, these blocks
    /// are reused by the next page's, instead of living until the end of validation and then
    /// being freed in one go: the peak resident set of a regenerate of graph-v1.0 went from
    /// about 150 to 132 MB.
    pub fn release_read_parts(&mut self) {
        self.tables = Vec::new();
        self.code_blocks = Vec::new();
        self.paragraphs = Vec::new();
        self.ref_defs = FxHashMap::default();
        self.front.entries = Vec::new();
    }

    /// The H2 section a position belongs to, by heading index.
    pub fn heading_text(&self, heading: Option<usize>) -> &str {
        heading.and_then(|i| self.headings.get(i)).map(|h| h.text.as_str()).unwrap_or("")
    }

    pub fn span_text(&self, span: Span) -> &str {
        self.text.get(span.start.min(self.text.len())..span.end.min(self.text.len())).unwrap_or("")
    }

    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        self.index.line_col(self.text, offset)
    }

    pub fn diag(&self, code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        crate::diagnostics::make(self.path, self.text, &self.index, code, span, message.into())
    }

    /// A diagnostic at a 1-based line and column (as the IR's locations give them), spanning to
    /// the end of the line. Columns count characters, not bytes.
    pub fn diag_at(&self, line: u32, column: u32, code: Code, message: impl Into<String>) -> Diagnostic {
        let (start, end) = self.index.line_range(self.text, line).unwrap_or((0, 0));
        let nth = column.saturating_sub(1) as usize;
        let at = self.text[start..end].char_indices().nth(nth).map_or(end, |(i, _)| start + i);
        self.diag(code, Span::new(at, end), message)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocType {
    Api,
    Resource,
    Enum,
    Conceptual,
}

impl DocType {
    pub fn as_str(self) -> &'static str {
        match self {
            DocType::Api => "apiPageType",
            DocType::Resource => "resourcePageType",
            DocType::Enum => "enumPageType",
            DocType::Conceptual => "conceptualPageType",
        }
    }
}

#[derive(Debug, Default)]
pub struct FrontMatter {
    pub present: bool,
    /// The whole block including the `---` lines.
    pub span: Span,
    /// Keys in order, with string values (non-string YAML values are rendered as YAML).
    pub entries: Vec<(String, String)>,
}

impl FrontMatter {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Heading {
    pub level: u8,
    /// Plain text of the heading, trimmed.
    pub text: String,
    /// GitHub-style anchor (`operationstatus-values`).
    pub anchor: String,
    pub span: Span,
    /// Index of the enclosing H2 (for an H2, itself).
    pub section: Option<usize>,
}

/// Where an item sits: its nearest H2 and its nearest heading of any level (H1 excluded).
#[derive(Debug, Clone, Copy, Default)]
pub struct Place {
    pub section: Option<usize>,
    pub heading: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Table<'a> {
    pub header: Vec<Cell<'a>>,
    pub rows: Vec<Row<'a>>,
    pub span: Span,
    pub place: Place,
}

impl Table<'_> {
    /// Index of the first column whose lower-cased header satisfies `pred`.
    pub fn column(&self, pred: impl Fn(&str) -> bool) -> Option<usize> {
        // Lowering into a buffer on the stack: readers ask this several times of every table.
        let mut buf = [0u8; 64];
        self.header.iter().position(|c| {
            let t = c.text.as_bytes();
            if t.len() <= buf.len() && t.is_ascii() {
                let lower = &mut buf[..t.len()];
                lower.copy_from_slice(t);
                lower.make_ascii_lowercase();
                pred(std::str::from_utf8(lower).unwrap_or_default())
            } else {
                pred(&c.text.to_ascii_lowercase())
            }
        })
    }
}

#[derive(Debug, Clone)]
pub struct Row<'a> {
    pub cells: Vec<Cell<'a>>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Cell<'a> {
    /// Raw markdown of the cell, trimmed (tabs and NBSPs included in trimming): a slice of the
    /// page, so that the thousands of cells of a doc set cost no copies.
    pub text: &'a str,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct CodeBlock<'a> {
    /// The info string, lower-cased and trimmed (`http`, `json`).
    pub info: String,
    /// Source lines between the fences, each with its byte offset, fence indentation removed.
    pub lines: Vec<(usize, &'a str)>,
    /// The whole block including fences.
    pub span: Span,
    /// Index into [`Page::annotations`] of the annotation right before the block.
    pub annotation: Option<usize>,
    pub place: Place,
}

impl CodeBlock<'_> {
    pub fn content(&self) -> String {
        let mut s = String::new();
        for (_, l) in &self.lines {
            s.push_str(l);
            s.push('\n');
        }
        s
    }
}

#[derive(Debug, Clone)]
pub struct Annotation {
    /// The parsed JSON object, after repairs; `None` when unreadable.
    pub json: Option<Object>,
    /// `<!--` to `-->`.
    pub span: Span,
    /// Span of the JSON text inside the comment.
    pub json_span: Span,
    pub kind: AnnotationKind,
    /// Index of the code block this annotation announces, if one follows it.
    pub block: Option<usize>,
    pub place: Place,
}

impl Annotation {
    pub fn str(&self, key: &str) -> Option<&str> {
        self.json.as_ref()?.get(key)?.as_str()
    }

    /// A boolean that may be written `true` or `"true"`.
    pub fn flag(&self, key: &str) -> Option<bool> {
        match self.json.as_ref()?.get(key)? {
            serde_json::Value::Bool(b) => Some(*b),
            serde_json::Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn block_type(&self) -> Option<&str> {
        self.str("blockType")
    }
}

/// An annotation's JSON object: its entries in order, found by a look along them. An annotation
/// holds a handful of keys, and serde_json's map would hash each with SipHash when it is read and
/// again at every look-up (8,300 annotations on the Graph corpus, each looked up several times).
/// A key given twice keeps its first place and its last value, as serde_json's map does.
#[derive(Debug, Clone, PartialEq)]
pub struct Object(Vec<(String, serde_json::Value)>);

impl Object {
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The entries in the order of their first appearance.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl<'de> serde::Deserialize<'de> for Object {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Object, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = Object;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Object, A::Error> {
                let mut entries: Vec<(String, serde_json::Value)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
                    // The look for an earlier use of the key is quadratic in the number of keys,
                    // which is a handful for any annotation a person writes.
                    match entries.iter_mut().find(|(k, _)| *k == key) {
                        Some(entry) => entry.1 = value,
                        None => entries.push((key, value)),
                    }
                }
                Ok(Object(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnotationKind {
    Page,
    Block,
    /// JSON that is neither (or unreadable JSON).
    Other,
}

#[derive(Debug, Clone)]
pub struct Paragraph {
    /// Plain text: markup removed, links replaced by their text.
    pub text: String,
    pub span: Span,
    /// The paragraph's links, as a range of [`Page::links`] (each link is kept once).
    pub links: std::ops::Range<usize>,
    pub place: Place,
}

impl Paragraph {
    /// The links inside the paragraph, in order.
    pub fn links<'p, 'a>(&self, page: &'p Page<'a>) -> &'p [Link<'a>] {
        page.links.get(self.links.clone()).unwrap_or_default()
    }
}

/// A link of the page. Both strings borrow from the page where pulldown-cmark lends them (a
/// destination without escapes, a text of one plain run), which most of the corpus's 40,000
/// links are: each owned one was an allocation to make and, later, to free.
#[derive(Debug, Clone)]
pub struct Link<'a> {
    /// The link's text, spaces normalised.
    pub text: Cow<'a, str>,
    /// Where it points, as written.
    pub dest: Cow<'a, str>,
    pub span: Span,
}

/// Parses one page. Never panics; every problem becomes a diagnostic of the page.
pub fn parse_page<'a>(path: &'a str, text: &'a str) -> Page<'a> {
    let index = LineIndex::new(text);
    let mut diags = PageDiagnostics::new(path, text, &index);
    let front = parse_front_matter(text, &mut diags);
    let doc_type = doc_type_of(path, &front, &mut diags);
    let body_start = if front.present { front.span.end } else { 0 };
    let mut page = Page {
        path,
        text,
        index: LineIndex::new(""),
        front,
        doc_type,
        title: None,
        namespace: None,
        headings: Vec::new(),
        tables: Vec::new(),
        code_blocks: Vec::new(),
        annotations: Vec::new(),
        paragraphs: Vec::new(),
        links: Vec::new(),
        ref_defs: FxHashMap::default(),
        diagnostics: Vec::new(),
    };
    walk_markdown(&mut page, &index, body_start);
    check_cell_counts(&page, &mut diags);
    if let Some((settled, why)) = settle_doc_type(&page) {
        // Only a written doc_type can be wrong; a page without one already has a diagnostic.
        // Newer pages write enum pages as `resourcePageType` on purpose: that is a convention,
        // not a slip.
        if settled != DocType::Enum
            && let Some(raw) = page.front.get("doc_type")
        {
            let span = key_span(text, &page.front, "doc_type");
            let d = diags.push(
                Code::DocTypeContradicted,
                span,
                format!("`doc_type` is `{}`, but the page {why}: it is read as `{}`", raw.trim(), settled.as_str()),
            );
            d.help = Some(format!("write `doc_type: {}`", settled.as_str()));
        }
        page.doc_type = Some(settled);
    }
    scan_annotations(&mut page, body_start, &mut diags);
    attach_annotations(&mut page, &mut diags);
    find_namespace(&mut page);
    page.diagnostics = diags.items;
    page.index = index;
    page
}

fn parse_front_matter(text: &str, diags: &mut PageDiagnostics) -> FrontMatter {
    let first_line_end = text.find('\n').unwrap_or(text.len());
    // A byte-order mark (editors on Windows write one) comes before the opening `---`.
    let first_line = text[..first_line_end].trim_start_matches('\u{feff}');
    let opened = first_line.trim_end() == "---";
    // Find the closing `---` line.
    let mut pos = if opened { (first_line_end + 1).min(text.len()) } else { 0 };
    let mut close = None;
    while pos < text.len() {
        let end = text[pos..].find('\n').map(|i| pos + i).unwrap_or(text.len());
        let line = text[pos..end].trim_start_matches('\u{feff}');
        if line.trim_end() == "---" {
            close = Some((pos, (end + 1).min(text.len())));
            break;
        }
        // Without an opening line, only `key: value` lines (and their continuations) up to a
        // `---` line are front matter that lost its first line.
        if !opened && !(if pos == 0 { yaml_key(line).is_some() } else { front_matter_line(line) }) {
            break;
        }
        pos = end + 1;
    }
    if !opened {
        if close.is_none() {
            diags.push(Code::FrontMatterMissing, Span::new(0, first_line_end), "the page has no front matter");
            return FrontMatter::default();
        }
        diags.push(
            Code::FrontMatterUnopened,
            Span::new(0, first_line_end),
            "the front matter has no opening `---` line; it is read up to its closing `---`",
        );
    }
    let Some((close_start, block_end)) = close else {
        diags.push(
            Code::FrontMatterUnreadable,
            Span::new(0, first_line_end),
            "the front matter is never closed by a `---` line",
        );
        return FrontMatter::default();
    };
    let yaml_start = if opened {
        (first_line_end + 1).min(close_start)
    } else {
        text.len() - text.trim_start_matches('\u{feff}').len()
    };
    let yaml = &text[yaml_start..close_start];
    let mut fm = FrontMatter { present: true, span: Span::new(0, block_end), entries: Vec::new() };
    if let Some(entries) = simple_front_matter(yaml) {
        fm.entries = entries;
    } else {
        read_yaml_front_matter(text, yaml, yaml_start, close_start, &mut fm, diags);
    }
    let readable = !diags.items.iter().any(|d| d.code == Code::FrontMatterUnreadable.as_str());
    for key in ["title", "description", "doc_type"] {
        if readable && fm.get(key).is_none() {
            diags.push(
                Code::FrontMatterKeyMissing,
                Span::new(0, first_line_end),
                format!("the front matter has no `{key}`"),
            );
        }
    }
    fm
}

/// The key of a `key: value` front matter line.
fn yaml_key(line: &str) -> Option<&str> {
    let (key, _) = line.split_once(':')?;
    let ok = key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    ok.then_some(key)
}

/// A line that may belong to a front matter block: `key: value`, or an indented or list-item
/// continuation of the value before it.
fn front_matter_line(line: &str) -> bool {
    yaml_key(line).is_some() || line.starts_with([' ', '\t']) || line.starts_with("- ")
}

/// Reads front matter with serde_norway, for blocks [`simple_front_matter`] leaves alone.
fn read_yaml_front_matter(
    text: &str,
    yaml: &str,
    yaml_start: usize,
    close_start: usize,
    fm: &mut FrontMatter,
    diags: &mut PageDiagnostics,
) {
    match serde_norway::from_str::<serde_norway::Value>(yaml) {
        Ok(serde_norway::Value::Mapping(map)) => {
            for (k, v) in map {
                let key = match k {
                    serde_norway::Value::String(s) => s,
                    other => yaml_scalar(&other),
                };
                fm.entries.push((key, yaml_scalar(&v)));
            }
        }
        Ok(serde_norway::Value::Null) => {}
        Ok(_) => {
            diags.push(
                Code::FrontMatterUnreadable,
                Span::new(yaml_start, close_start),
                "the front matter is not a mapping of keys to values",
            );
        }
        Err(e) => {
            let offset = e.location().map(|l| yaml_start + l.index()).unwrap_or(yaml_start).min(close_start);
            let line_end = text[offset..].find('\n').map(|i| offset + i).unwrap_or(text.len());
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            diags.push(
                Code::FrontMatterUnreadable,
                Span::new(offset, line_end),
                format!("the front matter is not valid YAML: {msg}"),
            );
        }
    }
}

/// The front matter of nearly every page is `key: value` lines whose values are plain words or
/// simply quoted text; such a block is read directly, giving what serde_norway would give (a
/// test checks this on every page of the corpus). Anything else (escapes, comments, continued
/// lines, numbers, booleans, nulls, repeated keys) returns `None`, and serde_norway reads it.
fn simple_front_matter(yaml: &str) -> Option<Vec<(String, String)>> {
    let mut entries: Vec<(String, String)> = Vec::new();
    for line in yaml.lines() {
        let line = line.trim_end_matches([' ', '\r']);
        if line.is_empty() {
            continue;
        }
        let (key, value) = line.split_once(':')?;
        let key_ok = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !key_ok || !(value.is_empty() || value.starts_with(' ')) || value.contains('\t') {
            return None;
        }
        let value = value.trim_start_matches(' ');
        let text = if let Some(inner) = value.strip_prefix('"') {
            let inner = inner.strip_suffix('"')?;
            if inner.contains(['"', '\\']) {
                return None;
            }
            inner
        } else if let Some(inner) = value.strip_prefix('\'') {
            let inner = inner.strip_suffix('\'')?;
            if inner.contains('\'') {
                return None;
            }
            inner
        } else {
            let typed = value.is_empty()
                || matches!(
                    value.to_ascii_lowercase().as_str(),
                    "null" | "~" | "true" | "false" | "yes" | "no" | "on" | "off"
                )
                || value.starts_with(|c: char| c.is_ascii_digit() || "[]{}&*!|>%@`#,?-:.+'\"".contains(c))
                || value.contains(": ")
                || value.contains(" #")
                || value.ends_with(':');
            if typed {
                return None;
            }
            value
        };
        if entries.iter().any(|(k, _)| k == key) {
            return None;
        }
        entries.push((key.to_string(), text.to_string()));
    }
    Some(entries)
}

fn yaml_scalar(v: &serde_norway::Value) -> String {
    match v {
        serde_norway::Value::String(s) => s.clone(),
        serde_norway::Value::Null => String::new(),
        serde_norway::Value::Bool(b) => b.to_string(),
        serde_norway::Value::Number(n) => n.to_string(),
        other => serde_norway::to_string(other).unwrap_or_default().trim().to_string(),
    }
}

fn doc_type_of(path: &str, fm: &FrontMatter, diags: &mut PageDiagnostics) -> Option<DocType> {
    let from_folder = || {
        let lower = path.to_ascii_lowercase();
        if lower.starts_with("api/") || lower.contains("/api/") {
            Some(DocType::Api)
        } else if lower.starts_with("resources/") || lower.contains("/resources/") {
            Some(DocType::Resource)
        } else {
            None
        }
    };
    let Some(raw) = fm.get("doc_type") else { return from_folder() };
    let cleaned = raw.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    let parse = |s: &str| match s.to_ascii_lowercase().as_str() {
        "apipagetype" => Some(DocType::Api),
        "resourcepagetype" => Some(DocType::Resource),
        "enumpagetype" => Some(DocType::Enum),
        "conceptualpagetype" => Some(DocType::Conceptual),
        _ => None,
    };
    if let Some(t) = parse(cleaned) {
        return Some(t);
    }
    let span = key_span(diags.text, fm, "doc_type");
    // `resourcePageType_` and `enumTypes` are seen in the wild: what the value starts with says
    // what the writer meant.
    let letters = cleaned.trim_start_matches(|c: char| !c.is_ascii_alphabetic()).to_ascii_lowercase();
    let guess = [
        ("api", DocType::Api),
        ("resource", DocType::Resource),
        ("enum", DocType::Enum),
        ("conceptual", DocType::Conceptual),
    ]
    .into_iter()
    .find(|(prefix, _)| letters.starts_with(prefix))
    .map(|(_, t)| t);
    let d = diags.push(Code::UnknownDocType, span, format!("unknown doc_type `{raw}`"));
    if let Some(g) = guess {
        d.help = Some(format!("did you mean `{}`?", g.as_str()));
        return Some(g);
    }
    from_folder()
}

/// A page's content overrules a doc_type that contradicts it: a "resource" page with an HTTP
/// request section and no properties is an API page, and an "API" page with no HTTP request
/// section but a Properties section is a resource page (FORMAT.md counts 10 such pages). A
/// "resource" page titled "x enum type" with a Members section and no properties is an enum
/// page (newer beta pages are written so). Gives the page's type and what shows it, when that
/// differs from the written one.
fn settle_doc_type(page: &Page) -> Option<(DocType, &'static str)> {
    let starts = |t: &str, prefix: &str| t.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix));
    let has = |p: &dyn Fn(&str) -> bool| page.headings.iter().any(|h| h.level == 2 && p(&h.text));
    let http = has(&|t| starts(t, "http request"));
    let props = has(&|t| starts(t, "propert") || t.eq_ignore_ascii_case("json representation"));
    let enum_title = page.title.as_ref().is_some_and(|(t, _)| {
        let t = t.trim().to_ascii_lowercase();
        t.ends_with(" enum type") || t.ends_with(" enumeration type") || t.ends_with(" enum")
    });
    match page.doc_type? {
        DocType::Api if !http && props => {
            Some((DocType::Resource, "has a Properties section and no HTTP request section"))
        }
        DocType::Resource if http && !props => {
            Some((DocType::Api, "has an HTTP request section and no Properties section"))
        }
        DocType::Resource if enum_title && !props && has(&|t| starts(t, "member")) => {
            Some((DocType::Enum, "is titled as an enum type and has a Members section and no properties"))
        }
        _ => None,
    }
}

/// The span of a front matter key's line, for diagnostics about that key.
fn key_span(text: &str, fm: &FrontMatter, key: &str) -> Span {
    let block = &text[fm.span.start.min(text.len())..fm.span.end.min(text.len())];
    let mut pos = 0;
    for line in block.split_inclusive('\n') {
        if line.trim_start().starts_with(key) {
            return Span::new(fm.span.start + pos, fm.span.start + pos + line.trim_end().len());
        }
        pos += line.len();
    }
    Span::new(0, 3)
}

/// One pass of pulldown-cmark over the body: headings, tables, code blocks, paragraphs, links.
/// Every table row must have as many cells as its header; a row that does not is reported here,
/// once, whatever the table is for.
fn check_cell_counts(page: &Page, diags: &mut PageDiagnostics) {
    for t in &page.tables {
        for row in &t.rows {
            if row.cells.len() != t.header.len() {
                diags.push(
                    Code::TableCellCount,
                    row.span,
                    format!("this row has {} cells but the table header has {}", row.cells.len(), t.header.len()),
                );
            }
        }
    }
}

fn walk_markdown(page: &mut Page, index: &LineIndex, body_start: usize) {
    let text = page.text;
    let body = &text[body_start..];
    // The table extension stays off: tables are re-split from their source lines anyway
    // ([`split_table`]), so they are found in the paragraphs pulldown-cmark reports, and in
    // the text of tight list items ([`tables_in`]). Splitting every row into cells a second
    // time, and reading each cell's inlines apart, took a sixth of pulldown-cmark's time on
    // graph-v1.0 for nothing the pages need. The cells' links are read all the same, as inlines
    // of the paragraph; the one difference is that a back-tick left open in one cell now opens
    // a code span that can run into later rows and hide their links from the link check.
    let parser = Parser::new_ext(body, Options::empty()).into_offset_iter();
    for (label, def) in parser.reference_definitions().iter() {
        page.ref_defs.insert(label.to_ascii_lowercase(), def.dest.to_string());
    }
    let clamp = |r: std::ops::Range<usize>| -> Span {
        let s = (body_start + r.start).min(text.len());
        let e = (body_start + r.end).min(text.len());
        Span::new(s, e)
    };

    let mut place = Place::default();
    // Inline text collection for headings and paragraphs.
    let mut collecting: Option<Collect> = None;
    let mut link_stack: Vec<(Cow<'_, str>, usize, Cow<'_, str>)> = Vec::new();
    // The tables of the paragraph being read, when it holds any.
    let mut cut: Option<Cut> = None;
    // How many block quotes and list items hold the current block: a table's lines must stay
    // inside them.
    let (mut quotes, mut items) = (0usize, 0usize);
    // The text of a tight list item comes without paragraph events: its extent is gathered
    // from its inline events, and its tables are found when the next block starts. Inside a
    // paragraph, heading or code block, text events are that block's.
    let mut in_text_block = false;
    let mut tight: Option<Span> = None;

    for (event, range) in parser {
        let span = clamp(range);
        if let Some(c) = cut.as_mut() {
            c.route(span.start, &mut collecting, page, place);
        }
        if items > 0 && !in_text_block {
            if is_inline(&event) {
                tight = Some(tight.map_or(span, |t| Span::new(t.start, t.end.max(span.end))));
            } else if let Some(t) = tight.take() {
                let container = Container::of_paragraph(text, t.start, quotes, items);
                let tables = tables_in(text, index, t, container);
                page.tables.extend(tables.iter().map(|&t| split_table(text, index, t, place)));
            }
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                in_text_block = true;
                collecting = Some(Collect::new(CollectKind::Heading(heading_level(level)), span, page.links.len()));
            }
            Event::End(TagEnd::Heading(_)) => {
                in_text_block = false;
                if let Some(c) = collecting.take() {
                    finish_heading(page, c, &mut place);
                }
            }
            Event::Start(Tag::BlockQuote(_)) => quotes += 1,
            Event::End(TagEnd::BlockQuote(_)) => quotes = quotes.saturating_sub(1),
            Event::Start(Tag::Item) => items += 1,
            Event::End(TagEnd::Item) => items = items.saturating_sub(1),
            Event::Start(Tag::Paragraph) => {
                in_text_block = true;
                let container = Container::of_paragraph(text, span.start, quotes, items);
                let tables = tables_in(text, index, span, container);
                let Some(first) = tables.first() else {
                    collecting = Some(Collect::new(CollectKind::Paragraph, span, page.links.len()));
                    continue;
                };
                // The text before the first table is a paragraph of its own, as it would be had
                // the table been set apart by a blank line.
                let before = text[span.start..first.start].trim_end();
                collecting = (!before.is_empty()).then(|| {
                    Collect::new(
                        CollectKind::Paragraph,
                        Span::new(span.start, span.start + before.len()),
                        page.links.len(),
                    )
                });
                page.tables.extend(tables.iter().map(|&t| split_table(text, index, t, place)));
                cut = Some(Cut { tables, end: span.end, next: 0 });
            }
            Event::End(TagEnd::Paragraph) => {
                in_text_block = false;
                cut = None;
                if let Some(c) = collecting.take() {
                    finish_paragraph(page, c, place);
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                // Code blocks hold text events too, but never a table.
                in_text_block = true;
                let info = match kind {
                    pulldown_cmark::CodeBlockKind::Fenced(info) => info.trim().to_ascii_lowercase(),
                    pulldown_cmark::CodeBlockKind::Indented => continue,
                };
                page.code_blocks.push(code_block(text, index, span, info, place));
            }
            Event::End(TagEnd::CodeBlock) => in_text_block = false,
            Event::Start(Tag::Link { dest_url, .. }) => {
                link_stack.push((cow(dest_url), span.start, Cow::Borrowed("")));
            }
            Event::End(TagEnd::Link) => {
                if let Some((dest, start, ltext)) = link_stack.pop() {
                    page.links.push(Link { text: normalise_space_cow(ltext), dest, span: Span::new(start, span.end) });
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(c) = collecting.as_mut() {
                    c.text.push_str(&t);
                }
                if let Some(l) = link_stack.last_mut() {
                    match (&l.2, t) {
                        (Cow::Borrowed(""), pulldown_cmark::CowStr::Borrowed(t)) => l.2 = Cow::Borrowed(t),
                        (_, t) => l.2.to_mut().push_str(&t),
                    }
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(c) = collecting.as_mut() {
                    c.text.push(' ');
                }
            }
            _ => {}
        }
    }
}

/// Whether an event belongs to the inline text of a block rather than opening or closing one.
fn is_inline(event: &Event) -> bool {
    match event {
        Event::Start(tag) => matches!(
            tag,
            Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::Link { .. }
                | Tag::Image { .. }
        ),
        Event::End(tag) => matches!(
            tag,
            TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript
                | TagEnd::Link
                | TagEnd::Image
        ),
        Event::Html(_) | Event::Rule | Event::DisplayMath(_) => false,
        _ => true,
    }
}

/// A collected paragraph into the page, unless it holds no text.
fn finish_paragraph(page: &mut Page, c: Collect, place: Place) {
    if !c.text.trim().is_empty() {
        page.paragraphs.push(Paragraph {
            text: normalise_space_owned(c.text),
            span: c.span,
            links: c.first_link..page.links.len(),
            place,
        });
    }
}

/// The tables found in the paragraph being read ([`tables_in`]), and which of them its events
/// have reached.
struct Cut {
    tables: Vec<Span>,
    /// Where the paragraph ends.
    end: usize,
    /// The first table whose end the events have not passed.
    next: usize,
}

impl Cut {
    /// Sends the text of the event at `pos` where it belongs: into the paragraph before a table,
    /// nowhere inside one (its cells are read from the table), and into a new paragraph after
    /// one. Links are recorded wherever they are.
    fn route(&mut self, pos: usize, collecting: &mut Option<Collect>, page: &mut Page, place: Place) {
        while let Some(t) = self.tables.get(self.next) {
            if pos < t.start {
                return;
            }
            if let Some(c) = collecting.take() {
                finish_paragraph(page, c, place);
            }
            if pos < t.end {
                return;
            }
            self.next += 1;
            let start = page.text[t.end..].find('\n').map_or(t.end, |i| t.end + i + 1);
            let end = self.tables.get(self.next).map_or(self.end, |n| n.start);
            *collecting = Some(Collect::new(CollectKind::Paragraph, Span::new(start, end), page.links.len()));
        }
    }
}

#[derive(Debug)]
enum CollectKind {
    Heading(u8),
    Paragraph,
}

#[derive(Debug)]
struct Collect {
    kind: CollectKind,
    span: Span,
    text: String,
    /// Where the collected block's links start in [`Page::links`]; they run to its end.
    first_link: usize,
}

impl Collect {
    fn new(kind: CollectKind, span: Span, first_link: usize) -> Collect {
        // The text is at most as long as the source it comes from.
        Collect { kind, span, text: String::with_capacity(span.end - span.start), first_link }
    }
}

fn heading_level(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn finish_heading(page: &mut Page, c: Collect, place: &mut Place) {
    let CollectKind::Heading(level) = c.kind else { return };
    let src = page.span_text(c.span);
    // Only ATX headings count: a setext underline `---` is how tab groups end, not a heading.
    if !src.trim_start().starts_with('#') {
        return;
    }
    // Tab markers such as `# [HTTP](#tab/http)` look like headings but only label a tab.
    if page.links[c.first_link..].iter().any(|l| l.dest.starts_with("#tab/")) {
        return;
    }
    let text = normalise_space_owned(c.text);
    if level == 1 {
        if page.title.is_none() {
            page.title = Some((text, c.span));
        }
        return;
    }
    let anchor = anchor_of(&text);
    let idx = page.headings.len();
    if level == 2 {
        place.section = Some(idx);
    }
    place.heading = Some(idx);
    page.headings.push(Heading { level, text, anchor, span: c.span, section: place.section });
}

/// GitHub/docs anchor of a heading: lower case, spaces to `-`, punctuation dropped.
pub fn anchor_of(text: &str) -> String {
    let text = text.trim();
    let mut s = String::with_capacity(text.len());
    if text.is_ascii() {
        for b in text.bytes() {
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
                s.push(b.to_ascii_lowercase() as char);
            } else if b == b' ' {
                s.push('-');
            }
        }
        return s;
    }
    for ch in text.chars() {
        if ch.is_alphanumeric() || ch == '_' || ch == '-' {
            s.extend(ch.to_lowercase());
        } else if ch == ' ' {
            s.push('-');
        }
    }
    s
}

/// Collapses runs of whitespace (including NBSP and tabs) into single spaces.
pub fn normalise_space(s: &str) -> String {
    if is_normal_space(s) {
        return s.to_owned();
    }
    collapse_space(s)
}

/// [`normalise_space`] of a string already owned, without a copy when it is normal.
fn normalise_space_owned(s: String) -> String {
    if is_normal_space(&s) { s } else { collapse_space(&s) }
}

/// [`normalise_space`] that keeps a borrowed text borrowed when it is already normal.
fn normalise_space_cow(s: Cow<'_, str>) -> Cow<'_, str> {
    if is_normal_space(&s) { s } else { Cow::Owned(collapse_space(&s)) }
}

/// pulldown-cmark's string as a standard one, borrowed when it was.
fn cow(s: pulldown_cmark::CowStr<'_>) -> Cow<'_, str> {
    match s {
        pulldown_cmark::CowStr::Borrowed(b) => Cow::Borrowed(b),
        other => Cow::Owned(other.into_string()),
    }
}

/// Most cells and paragraphs are already normal: plain ASCII with single inner spaces.
/// Checked in one pass over each byte and its successor, a chunk at a time with no early exit
/// inside one, so that the check vectorises: every cell, paragraph and link text comes through.
fn is_normal_space(s: &str) -> bool {
    let b = s.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else { return true };
    let ok = |c: u8| (c < 0x80) & (c == b' ' || !c.is_ascii_whitespace());
    // Each byte but the last with the one after it: no break, nothing beyond ASCII, no two
    // spaces in a row. The last byte is checked on its own.
    let pairs_ok = b[..b.len() - 1]
        .chunks(32)
        .zip(b[1..].chunks(32))
        .all(|(x, y)| x.iter().zip(y).fold(true, |acc, (&c, &n)| acc & ok(c) & !((c == b' ') & (n == b' '))));
    pairs_ok && ok(last) && first != b' ' && last != b' '
}

fn collapse_space(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for ch in s.chars() {
        if ch.is_whitespace() || ch == '\u{a0}' || ch == '\u{202f}' || ch == '\u{200b}' {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(ch);
        }
    }
    out
}

/// The tables in a paragraph's source. A table is a header line holding a pipe followed by a
/// delimiter row (`|:---|---|`, tabs allowed); after the paragraph's first line, the header must
/// start with a pipe, as a table that interrupts a paragraph must in GitHub's markdown. A table
/// runs to the end of the paragraph, or to a lazy continuation line: one that leaves the list
/// item or block quote the paragraph is in (`container`), which ends a table though not a
/// paragraph.
fn tables_in(text: &str, index: &LineIndex, span: Span, container: Container) -> Vec<Span> {
    let src = &text[span.start..span.end];
    // Every paragraph comes through here and most are one line: vectorised searches for a line
    // break and a pipe settle those.
    if memchr::memchr(b'\n', src.as_bytes()).is_none() || memchr::memchr(b'|', src.as_bytes()).is_none() {
        return Vec::new();
    }
    let lines: Vec<(usize, &str)> = index.lines_in(text, span).collect();
    let mut container = container;
    let mut tables = Vec::new();
    // The first line of the text the paragraph has left after its last table.
    let mut first = 0;
    let mut k = 0;
    while k + 1 < lines.len() {
        let head = unquote(lines[k].1);
        let starts = if k == first {
            head.contains('|')
        } else {
            head.trim_start().starts_with('|') && container.holds(lines[k].1)
        };
        if !(starts && container.holds(lines[k + 1].1) && is_delimiter_row(unquote(lines[k + 1].1))) {
            k += 1;
            continue;
        }
        let mut end = k + 2;
        while end < lines.len() && container.holds(lines[end].1) {
            end += 1;
        }
        let (last_at, last) = lines[end - 1];
        tables.push(Span::new(lines[k].0, last_at + last.len()));
        // A lazy line left the container; what follows is outside it.
        container = Container::Top;
        first = end;
        k = end;
    }
    tables
}

/// Where a paragraph sits, as far as its tables' lines are concerned: a block quote's `>` must
/// open every line of a table, a list item's indentation must lead it.
#[derive(Clone, Copy, Debug)]
enum Container {
    Top,
    Quote,
    /// A list item whose content starts at this column.
    Item(usize),
}

impl Container {
    /// The container of a paragraph that starts at `at`, inside `quotes` block quotes and
    /// `items` list items (counted from pulldown-cmark's events). In a list item, the column the
    /// paragraph starts at is taken for the item's content column.
    fn of_paragraph(text: &str, at: usize, quotes: usize, items: usize) -> Container {
        if quotes > 0 {
            Container::Quote
        } else if items > 0 {
            Container::Item(at - text[..at].rfind('\n').map_or(0, |i| i + 1))
        } else {
            Container::Top
        }
    }

    fn holds(self, line: &str) -> bool {
        let rest = line.trim_start();
        match self {
            Container::Top => true,
            Container::Quote => rest.starts_with('>'),
            Container::Item(column) => line.len() - rest.len() >= column,
        }
    }
}

/// A line without its block-quote marker.
fn unquote(line: &str) -> &str {
    let rest = line.trim_start();
    match rest.strip_prefix('>') {
        Some(r) => r.strip_prefix(' ').unwrap_or(r),
        None => line,
    }
}

/// `|:---|---|`: pipes, dashes, colons and spaces, with at least one pipe and one dash.
fn is_delimiter_row(line: &str) -> bool {
    let d = line.trim();
    d.contains('-') && d.contains('|') && d.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
}

/// Re-splits a table that [`tables_in`] found from its source lines, so cell spans are exact and
/// rows keep the cell count they were written with. Its first line is the header and its second
/// the delimiter row; it holds no blank line, being part of one paragraph.
fn split_table<'a>(text: &'a str, index: &LineIndex, span: Span, place: Place) -> Table<'a> {
    let lines: Vec<(usize, &str)> = index.lines_in(text, span).collect();
    // One buffer of pipe positions serves every row.
    let mut cuts = Vec::new();
    let header = lines.first().map(|&(off, line)| split_row(off, line, &mut cuts)).unwrap_or_default();
    let rows = lines
        .iter()
        .skip(2)
        .map(|&(off, line)| Row { cells: split_row(off, line, &mut cuts), span: Span::new(off, off + line.len()) })
        .collect();
    Table { header, rows, span, place }
}

/// Splits one table line into cells. Pipes escaped as `\|`, inside back-ticks, or inside braces
/// (`{id|name}` placeholders) do not separate cells. `cuts` is scratch space.
fn split_row<'a>(offset: usize, line: &'a str, cuts: &mut Vec<usize>) -> Vec<Cell<'a>> {
    // Tables inside block quotes keep their `>` marker on every line.
    let mut start = 0;
    let trimmed = line.trim_start();
    let lead = line.len() - trimmed.len();
    if trimmed.starts_with('>') {
        start = lead + 1;
    }
    find_cuts(line.as_bytes(), start, cuts);
    cell_bounds(offset, line, start, cuts)
}

/// Positions of the pipes that separate cells, from `start` on, into `cuts`.
fn find_cuts(bytes: &[u8], start: usize, cuts: &mut Vec<usize>) {
    cuts.clear();
    // Most rows hold no escape, code span or placeholder: then every pipe separates cells.
    let rest = &bytes[start..];
    if memchr::memchr3(b'\\', b'`', b'{', rest).is_none() {
        cuts.extend(memchr::memchr_iter(b'|', rest).map(|i| i + start));
    } else {
        scan_cuts(bytes, start, cuts);
    }
}

/// The pipes of a row that separate cells, read byte by byte: escapes, code spans and braces
/// hide the pipes inside them.
fn scan_cuts(bytes: &[u8], start: usize, cuts: &mut Vec<usize>) {
    // The length of the back-tick run that opened the current code span (0 outside one): a
    // span closes only at a run of the same length, and backslashes are literal inside it.
    let mut code_run = 0usize;
    let mut braces = 0i32;
    let mut i = start;
    while i < bytes.len() {
        let in_code = code_run > 0;
        match bytes[i] {
            b'\\' if !in_code => {
                i += 2;
                continue;
            }
            b'`' => {
                let run = bytes[i..].iter().take_while(|b| **b == b'`').count();
                if code_run == 0 {
                    code_run = run;
                } else if run == code_run {
                    code_run = 0;
                }
                i += run;
                continue;
            }
            b'{' if !in_code => braces += 1,
            b'}' if !in_code => braces = (braces - 1).max(0),
            b'|' if !in_code && braces == 0 => cuts.push(i),
            _ => {}
        }
        i += 1;
    }
}

/// Cells of a row from the positions of its separating pipes.
fn cell_bounds<'a>(offset: usize, line: &'a str, start: usize, cuts: &[usize]) -> Vec<Cell<'a>> {
    let inner_first = line[start..].trim_start();
    let has_lead = inner_first.starts_with('|');
    let has_trail = line.trim_end().ends_with('|') && cuts.last().is_some_and(|&c| c == line.trim_end().len() - 1);
    let cell = |s: usize, e: usize| {
        let raw = &line[s..e];
        let t = trim_cell(raw);
        let lead = t.as_ptr() as usize - raw.as_ptr() as usize;
        Cell { text: t, span: Span::new(offset + s + lead, offset + s + lead + t.len()) }
    };
    let mut cells = Vec::with_capacity(cuts.len() + 1);
    let mut prev = start;
    for (k, &c) in cuts.iter().enumerate() {
        if k == 0 && has_lead && line[prev..c].trim().is_empty() {
            prev = c + 1;
            continue;
        }
        cells.push(cell(prev, c));
        prev = c + 1;
    }
    if !has_trail {
        cells.push(cell(prev, line.len()));
    }
    cells
}

fn is_cell_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}'
}

/// A cell's text without the spaces around it ([`is_cell_space`]). Cells are padded with plain
/// spaces and tabs, if at all: those are dropped byte by byte, and only a cell that then still
/// starts or ends with something other than a printable ASCII character (a no-break space, a
/// form feed) goes through the general trim, which decodes characters.
fn trim_cell(raw: &str) -> &str {
    let pad = |c: &u8| *c != b' ' && *c != b'\t';
    let b = raw.as_bytes();
    let start = b.iter().position(pad).unwrap_or(b.len());
    let end = b.iter().rposition(pad).map_or(start, |i| i + 1);
    // Both ends are next to an ASCII space or tab, or at the ends: character boundaries.
    let t = &raw[start..end];
    match (t.as_bytes().first(), t.as_bytes().last()) {
        (Some(f), Some(l)) if !(f.is_ascii_graphic() && l.is_ascii_graphic()) => t.trim_matches(is_cell_space),
        _ => t,
    }
}

fn code_block<'a>(text: &'a str, index: &LineIndex, span: Span, info: String, place: Place) -> CodeBlock<'a> {
    let lines: Vec<(usize, &str)> = index.lines_in(text, span).collect();
    let fence_line = lines.first().map(|l| l.1).unwrap_or("");
    let indent = fence_line.len() - fence_line.trim_start().len();
    let fence_char = fence_line.trim_start().chars().next().unwrap_or('`');
    let mut content = Vec::with_capacity(lines.len());
    // Only the last line can be the closing fence, and only an indented fence makes its block's
    // lines lose their indentation: the examples' 100,000 lines skip both trims.
    for (k, &(off, line)) in lines.iter().enumerate().skip(1) {
        if k == lines.len() - 1 {
            let t = line.trim();
            if t.len() >= 3 && t.chars().all(|c| c == fence_char) {
                break;
            }
        }
        let cut = if indent == 0 { 0 } else { (line.len() - line.trim_start().len()).min(indent) };
        content.push((off + cut, &line[cut..]));
    }
    CodeBlock { info, lines: content, span, annotation: None, place }
}

/// Finds every `<!-- ... -->` comment outside code blocks and reads the JSON ones.
fn scan_annotations(page: &mut Page, body_start: usize, diags: &mut PageDiagnostics) {
    let text = page.text;
    let mut pos = body_start;
    let mut blocks = page.code_blocks.iter().map(|b| b.span).peekable();
    let open = memchr::memmem::Finder::new("<!--");
    let close = memchr::memmem::Finder::new("-->");
    while let Some(found) = open.find(&text.as_bytes()[pos..]) {
        let start = pos + found;
        // Skip comments that are inside code blocks.
        while blocks.peek().is_some_and(|b| b.end <= start) {
            blocks.next();
        }
        if let Some(b) = blocks.peek()
            && b.start <= start
            && start < b.end
        {
            pos = b.end;
            continue;
        }
        let Some(close) = close.find(&text.as_bytes()[start + 4..]) else { break };
        let end = start + 4 + close + 3;
        pos = end;
        let inner_start = start + 4;
        let inner_end = end - 3;
        let inner = &text[inner_start..inner_end];
        let trimmed = inner.trim_start_matches(['-', ' ', '\n', '\r', '\t']);
        if !trimmed.starts_with('{') {
            continue;
        }
        let json_start = inner_start + (inner.len() - trimmed.len());
        let json_text = trimmed.trim_end_matches(['-', ' ', '\n', '\r', '\t']);
        let json_span = Span::new(json_start, json_start + json_text.len());
        let place = place_at(page, start);
        let span = Span::new(start, end);
        let (json, repaired) = read_annotation_json(json_text);
        match &json {
            Ok(_) => {
                if let Some(what) = repaired {
                    diags.push(
                        Code::AnnotationRepaired,
                        json_span,
                        format!("the annotation is not strict JSON ({what}); read it after repair"),
                    );
                }
            }
            Err((offset, msg)) => {
                // serde_json's column counts bytes, so the position can fall inside a character.
                let mut at = floor_boundary(text, (json_start + offset).min(json_span.end));
                // A raw line break inside a string: serde_json stops at `\r` of a CRLF and at the
                // next line of an LF; both point at the next line, so line ends do not move it.
                if text.as_bytes()[at..].starts_with(b"\r\n") {
                    at += 2;
                }
                diags.push(
                    Code::AnnotationJson,
                    Span::char_at(text, at),
                    format!("the annotation is not valid JSON: {msg}"),
                );
            }
        }
        let json = json.ok();
        // Booleans written as strings (`"truncated": "true"`) are read as booleans, with a warning.
        if let Some(m) = &json {
            const FLAGS: [&str; 8] = [
                "truncated",
                "isCollection",
                "openType",
                "abstract",
                "isComposable",
                "isEmpty",
                "isMediaEntity",
                "idempotent",
            ];
            // An annotation holds a handful of keys; looking each flag up instead would hash
            // eight keys per annotation with serde_json's SipHash. Reported in FLAGS' order.
            let mut found: Vec<(usize, &str, &str)> =
                m.iter().filter_map(|(k, v)| Some((FLAGS.iter().position(|f| *f == k)?, k, v.as_str()?))).collect();
            found.sort_unstable_by_key(|f| f.0);
            for (_, key, v) in found {
                let needle = format!("\"{key}\"");
                let at = json_text.find(&needle).map(|i| json_start + i).unwrap_or(json_start);
                diags.push(
                    Code::AnnotationRepaired,
                    Span::new(at, at + needle.len()),
                    format!("`{key}` is the string \"{v}\"; write the boolean {v} without quotes"),
                );
            }
        }
        let kind = match &json {
            Some(m) if m.get("type").and_then(|v| v.as_str()) == Some("#page.annotation") => AnnotationKind::Page,
            Some(m) if m.contains_key("blockType") => AnnotationKind::Block,
            // An unreadable annotation that mentions blockType is still a block annotation: it
            // announces the next code block, which must not be reported as unannotated too.
            None if json_text.contains("\"blockType\"") => AnnotationKind::Block,
            _ => AnnotationKind::Other,
        };
        page.annotations.push(Annotation { json, span, json_span, kind, block: None, place });
    }
}

fn place_at(page: &Page, offset: usize) -> Place {
    let idx = page.headings.partition_point(|h| h.span.start <= offset);
    if idx == 0 {
        return Place::default();
    }
    let h = &page.headings[idx - 1];
    Place { section: h.section, heading: Some(idx - 1) }
}

/// An annotation's JSON object, or the byte offset and message of why it could not be read.
pub type AnnotationJson = Result<Object, (usize, String)>;

/// Reads annotation JSON, repairing the defects FORMAT.md measured: trailing commas, raw control
/// characters inside strings, and a missing comma between a value and the next key on a new line.
/// Returns the object and what was repaired, or the byte offset and message of the error.
pub fn read_annotation_json(s: &str) -> (AnnotationJson, Option<&'static str>) {
    // An annotation is an object: other JSON (`[1]`) is reported as serde_json words it
    // ("invalid type: sequence, expected a JSON object"), where it stops reading.
    match serde_json::from_str::<Object>(s) {
        Ok(m) => (Ok(m), None),
        Err(first) => {
            // The docs' tooling marks permissions tables with `{ "blockType": "ignored" } //
            // Note: Removing this line will ...`: a comment after the object is its convention,
            // not a defect.
            let mut stream = serde_json::Deserializer::from_str(s).into_iter::<Object>();
            if let Some(Ok(m)) = stream.next()
                && s[stream.byte_offset()..].trim_start().starts_with("//")
            {
                return (Ok(m), None);
            }
            let (fixed, what) = repair_json(s);
            if let Some(what) = what
                && let Ok(m) = serde_json::from_str::<Object>(&fixed)
            {
                return (Ok(m), Some(what));
            }
            (Err((offset_of(s, first.line(), first.column()), strip_position(&first.to_string()))), None)
        }
    }
}

fn strip_position(msg: &str) -> String {
    msg.split(" at line ").next().unwrap_or(msg).to_string()
}

/// Byte offset of a serde_json (line, column) position; columns count bytes from 1.
pub fn offset_of(s: &str, line: usize, column: usize) -> usize {
    let mut off = 0;
    for (i, l) in s.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            // The column counts bytes, so it can point inside a character: back to its start.
            return floor_boundary(s, off + column.saturating_sub(1));
        }
        off += l.len();
    }
    s.len()
}

/// Repairs JSON the way annotation writers break it. Returns the text and a description of the
/// first kind of repair made, if any.
pub fn repair_json(s: &str) -> (String, Option<&'static str>) {
    let mut out = String::with_capacity(s.len() + 8);
    let mut what: Option<&'static str> = None;
    let mut in_str = false;
    let mut escaped = false;
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if in_str {
            if escaped {
                escaped = false;
                out.push(c);
            } else if c == '\\' {
                escaped = true;
                out.push(c);
            } else if c == '"' {
                in_str = false;
                out.push(c);
            } else if (c as u32) < 0x20 {
                what.get_or_insert("raw line break inside a string");
                match c {
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    _ => out.push(' '),
                }
            } else {
                out.push(c);
            }
            i += 1;
            continue;
        }
        match c {
            '"' => {
                // A string starting on a new line right after a value: a missing comma.
                let prev = out.trim_end().chars().last();
                let gap_has_newline = out.len() != out.trim_end().len() && out[out.trim_end().len()..].contains('\n');
                if gap_has_newline
                    && matches!(prev, Some('"') | Some('}') | Some(']') | Some('e') | Some('l') | Some('0'..='9'))
                {
                    let keep = out.trim_end().len();
                    let tail = out[keep..].to_string();
                    out.truncate(keep);
                    out.push(',');
                    out.push_str(&tail);
                    what.get_or_insert("missing comma");
                }
                in_str = true;
                out.push(c);
            }
            ',' => {
                // A comma followed only by whitespace and a closing bracket is a trailing comma.
                let mut j = i + 1;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                if j < chars.len() && (chars[j] == '}' || chars[j] == ']') {
                    what.get_or_insert("trailing comma");
                } else {
                    out.push(c);
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    (out, what)
}

/// Whether the first non-blank line of `rest` is a table row, or the `[!INCLUDE ...]` line that
/// newer pages put in the table's place (the table itself lives in the included file).
fn table_or_include_follows(rest: &str) -> bool {
    rest.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .is_some_and(|l| l.starts_with('|') || l.get(..10).is_some_and(|head| head.eq_ignore_ascii_case("[!include ")))
}

/// Links each block annotation to the code block that follows it (only blank lines between),
/// and reports annotations that announce nothing.
fn attach_annotations(page: &mut Page, diags: &mut PageDiagnostics) {
    let text = page.text;
    let mut bi = 0;
    for (ai, ann) in page.annotations.iter_mut().enumerate() {
        if ann.kind != AnnotationKind::Block || announces_include(ann) {
            continue;
        }
        while bi < page.code_blocks.len() && page.code_blocks[bi].span.start < ann.span.end {
            bi += 1;
        }
        let next = page.code_blocks.get(bi);
        let between = next.map(|b| text.get(ann.span.end..b.span.start).unwrap_or("x"));
        if let (Some(b), Some(gap)) = (next, between)
            && gap.trim().is_empty()
            && b.annotation.is_none()
        {
            ann.block = Some(bi);
            page.code_blocks[bi].annotation = Some(ai);
        } else if ann.block_type() == Some("ignored")
            && table_or_include_follows(text.get(ann.span.end..).unwrap_or(""))
        {
            // The permissions-table marker (see `read_annotation_json`) announces a table, or
            // the include line that stands for it.
        } else {
            diags.push(Code::AnnotationOrphan, ann.span, "this annotation is not followed by a code block");
        }
    }
}

/// Newer pages keep their permissions table in an include file, announced by
/// `<!-- { "blockType": "permissions", ... } -->` before `[!INCLUDE [permissions-table](...)]`:
/// such an annotation is followed by no code block, rightly.
pub fn announces_include(ann: &Annotation) -> bool {
    ann.block_type().is_some_and(|b| b.trim().eq_ignore_ascii_case("permissions"))
}

/// Reads the `Namespace: microsoft.graph` line that follows the title.
fn find_namespace(page: &mut Page) {
    for p in &page.paragraphs {
        if let Some(rest) = p.text.strip_prefix("Namespace:") {
            let ns = rest.split_whitespace().next().unwrap_or("").trim_end_matches('.');
            if !ns.is_empty() {
                page.namespace = Some(ns.to_string());
                return;
            }
        }
    }
}

/// A type as written in a table's type cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeRef {
    /// The name as written, namespace kept (`microsoft.graph.callRecords.session`, `String`).
    pub name: String,
    pub collection: bool,
    /// The link target, when the cell links to a page.
    pub link: Option<String>,
}

/// Reads a type cell: `String`, `` `Int32` ``, `[resultInfo](resultinfo.md)`, `[x][] collection`,
/// `X collection`, `collection of X`, `Collection(X)`, `Edm.X`, `microsoft.graph.X`, `string (url)`.
pub fn type_cell(cell: &str, ref_defs: &FxHashMap<String, String>) -> Option<TypeRef> {
    // Most cells are a bare name (`String`, `Int32`, `microsoft.graph.x`), which the general
    // reading below would return unchanged.
    let bare = cell.trim();
    if bare.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'_') {
        let name = bare.trim_end_matches('.');
        return (!name.is_empty()).then(|| TypeRef { name: name.to_string(), collection: false, link: None });
    }
    if let Some(r) = linked_type_cell(bare) {
        return Some(r);
    }
    read_type_cell(cell, ref_defs)
}

/// [`type_cell`]'s general reading, which the short ways above must agree with.
fn read_type_cell(cell: &str, ref_defs: &FxHashMap<String, String>) -> Option<TypeRef> {
    let mut s = decode_entities(cell.trim());
    s = s.replace(['`', '*'], "");
    let mut link = None;
    // Take the first link, inline or reference-style, and replace it by its text.
    if let Some(open) = s.find('[')
        && let Some(close_rel) = s[open..].find(']')
    {
        let close = open + close_rel;
        let label = s[open + 1..close].to_string();
        let after = &s[close + 1..];
        let (dest, consumed) = if let Some(rest) = after.strip_prefix('(') {
            match rest.find(')') {
                Some(e) => (Some(rest[..e].trim().to_string()), 1 + e + 1),
                // An unclosed `[x](x.md`: the target runs to the end of the cell.
                None => (Some(rest.trim().to_string()), after.len()),
            }
        } else if let Some(rest) = after.strip_prefix('[') {
            match rest.find(']') {
                Some(e) => {
                    let key = if rest[..e].trim().is_empty() { label.clone() } else { rest[..e].to_string() };
                    (ref_defs.get(&key.to_ascii_lowercase()).cloned(), 1 + e + 1)
                }
                None => (None, 0),
            }
        } else {
            (ref_defs.get(&label.to_ascii_lowercase()).cloned(), 0)
        };
        link = dest;
        s = format!("{}{}{}", &s[..open], label, &after[consumed..]);
    }
    let mut t = normalise_space(&s);
    let mut collection = false;
    // Trailing qualifiers in parentheses: `string (url)`, `String (optional)`.
    if strip_prefix_ci(&t, "collection(").is_none()
        && let Some(p) = t.find(" (")
    {
        t.truncate(p);
    }
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("collection(") && t.ends_with(')') {
        t = t[11..t.len() - 1].trim().to_string();
        collection = true;
    } else if let Some(rest) = lower.strip_prefix("collection of ") {
        t = t[t.len() - rest.len()..].trim().to_string();
        collection = true;
    } else if lower.ends_with(" collection") {
        t = t[..t.len() - " collection".len()].trim().to_string();
        collection = true;
    }
    // Trailing words such as `resource` or `object` after a link: `[itemAnalytics][] resource`.
    for suffix in [" resource", " object", " objects", " type"] {
        if ends_with_ci(&t, suffix) && t.len() > suffix.len() {
            t.truncate(t.len() - suffix.len());
        }
    }
    let t = t.trim().trim_end_matches(['.', ',']).trim();
    // "Untyped JSON object" (Project Rome pages) is any JSON.
    let t = if t.eq_ignore_ascii_case("untyped json") { "Json" } else { t };
    if t.is_empty() || !t.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '_') {
        return None;
    }
    Some(TypeRef { name: t.to_string(), collection, link })
}

/// The other common form of a type cell, `[name](target.md)` with an optional ` collection`,
/// read without the general reading's copies (it makes seven strings for such a cell). `None`
/// for anything else, which the general reading then takes: a cell with marks or entities
/// that it would remove, a name that is not bare, any other text around the link.
fn linked_type_cell(cell: &str) -> Option<TypeRef> {
    let bare = |b: u8| b.is_ascii_alphanumeric() || b == b'.' || b == b'_';
    if memchr::memchr3(b'`', b'*', b'&', cell.as_bytes()).is_some() {
        return None;
    }
    let (label, after) = cell.strip_prefix('[')?.split_once(']')?;
    let (dest, tail) = after.strip_prefix('(')?.split_once(')')?;
    let collection = match tail.len() {
        0 => false,
        11 if tail.eq_ignore_ascii_case(" collection") => true,
        _ => return None,
    };
    if !label.bytes().all(bare) {
        return None;
    }
    let name = label.trim_end_matches('.');
    (!name.is_empty()).then(|| TypeRef { name: name.to_string(), collection, link: Some(dest.trim().to_string()) })
}

/// Whether `s` holds `://`, as URLs do: found from its colons, which are few, rather than with a
/// substring search that is set up anew for every link of every page.
pub(crate) fn has_scheme(s: &str) -> bool {
    let b = s.as_bytes();
    memchr::memchr_iter(b':', b).any(|i| b[i..].starts_with(b"://"))
}

/// A fixed list of phrases looked for together, with their searchers built on first use:
/// `str::find` would set up a new search for every phrase in every paragraph and table row.
pub(crate) struct Phrases {
    list: &'static [&'static str],
    finders: OnceLock<Vec<memchr::memmem::Finder<'static>>>,
}

impl Phrases {
    pub(crate) const fn new(list: &'static [&'static str]) -> Phrases {
        Phrases { list, finders: OnceLock::new() }
    }

    fn finders(&self) -> &[memchr::memmem::Finder<'static>] {
        self.finders.get_or_init(|| self.list.iter().map(|p| memchr::memmem::Finder::new(p.as_bytes())).collect())
    }

    /// Where the first occurrence of any of the phrases starts in `hay`, and which phrase it is.
    pub(crate) fn earliest(&self, hay: &str) -> Option<(usize, &'static str)> {
        self.finders().iter().zip(self.list).filter_map(|(f, p)| f.find(hay.as_bytes()).map(|i| (i, *p))).min()
    }

    /// Whether any of the phrases occurs in `hay`; stops at the first that does.
    pub(crate) fn any_in(&self, hay: &str) -> bool {
        self.finders().iter().any(|f| f.find(hay.as_bytes()).is_some())
    }
}

/// `s` without `prefix`, matched ignoring ASCII case, without a lower-cased copy.
pub(crate) fn strip_prefix_ci<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    s.get(..prefix.len()).filter(|head| head.eq_ignore_ascii_case(prefix)).map(|_| &s[prefix.len()..])
}

/// `s` split at every `sep`, an ASCII byte, as `str::split` would split it. Each piece is found
/// by a plain look at the bytes: link paths and URL paths are a few dozen bytes, and the `memchr`
/// call `str::split` makes per piece costs more there than it saves.
pub(crate) fn split_ascii(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    debug_assert!(sep.is_ascii());
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.bytes().position(|b| b == sep) {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// Joins a relative link to the folder of `from`, the page it is on: `..` and `.` are resolved,
/// as the docs site resolves them.
pub(crate) fn join(from: &str, rel: &str) -> String {
    // The path's segments joined by `/`, kept as that joined text plus their number: every link
    // target a folder's pages name comes through here, and a vector of segments joined at the
    // end cost two allocations and a pass more.
    let mut out = String::with_capacity(from.len() + rel.len());
    // `from` without its last segment (the page's own file name). The paths are short, so
    // their `/` are found byte by byte (see `split_ascii`).
    let mut n = 0usize;
    if let Some(dir) = rfind_ascii(from, b'/').map(|i| &from[..i]) {
        out.push_str(dir);
        n = dir.bytes().filter(|&b| b == b'/').count() + 1;
    }
    for seg in split_ascii(rel, b'/') {
        match seg {
            "." | "" => {}
            ".." => {
                match n {
                    0 => {}
                    1 => out.clear(),
                    _ => out.truncate(rfind_ascii(&out, b'/').unwrap_or(0)),
                }
                n = n.saturating_sub(1);
            }
            s => {
                if n > 0 {
                    out.push('/');
                }
                out.push_str(s);
                n += 1;
            }
        }
    }
    out
}

/// The byte offset of the last `b`, an ASCII byte, in `s`; see [`split_ascii`] for why not
/// `str::rfind`.
pub(crate) fn rfind_ascii(s: &str, b: u8) -> Option<usize> {
    s.bytes().rposition(|c| c == b)
}

/// Whether `s` ends with the ASCII `suffix`, ignoring ASCII case, without a lower-cased copy.
pub(crate) fn ends_with_ci(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len() && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// Markdown of a description cell to plain text: links to their text, emphasis and code marks
/// removed, `<br>` and other inline HTML dropped, entities decoded.
pub fn plain_text(md: &str) -> String {
    // Most cells have no markup at all; they only need their spaces normalised.
    let special = |c: &u8| matches!(c, b'\\' | b'*' | b'`' | b'[' | b'<' | b'&');
    // A chunk at a time with no early exit inside one, so that the check vectorises.
    let plain = md.as_bytes().chunks(32).all(|chunk| chunk.iter().fold(true, |ok, c| ok & !special(c)));
    if plain {
        return normalise_space(md);
    }
    let mut out = String::with_capacity(md.len());
    let b = md.as_bytes();
    let mut i = 0;
    while i < md.len() {
        // Text up to the next mark is copied as it is.
        let run = b[i..].iter().position(|c| special(c) && *c != b'&').unwrap_or(b.len() - i);
        out.push_str(&md[i..i + run]);
        i += run;
        if i >= md.len() {
            break;
        }
        match b[i] {
            b'\\' if i + 1 < md.len() && md.is_char_boundary(i + 1) => {
                let ch = md[i + 1..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += 1 + ch.len_utf8();
                continue;
            }
            b'*' | b'`' => {}
            b'[' => {
                // `[text](dest)` or `[text][ref]`: keep the text.
                if let Some(close) = md[i..].find(']') {
                    let label = &md[i + 1..i + close];
                    let after = &md[i + close + 1..];
                    let skip = if after.starts_with('(') {
                        after.find(')').map(|e| e + 1).unwrap_or(0)
                    } else if after.starts_with('[') {
                        after.find(']').map(|e| e + 1).unwrap_or(0)
                    } else {
                        0
                    };
                    out.push_str(&plain_text(label));
                    i += close + 1 + skip;
                    continue;
                }
                out.push('[');
            }
            b'<' => {
                // Inline HTML tags are dropped; `<br>` becomes a space.
                if let Some(close) = md[i..].find('>') {
                    let tag = &md[i + 1..i + close];
                    if tag.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '/') && !tag.contains(' ')
                        || tag.starts_with("br")
                        || tag.starts_with('a')
                    {
                        out.push(' ');
                        i += close + 1;
                        continue;
                    }
                }
                out.push('<');
            }
            // A backslash that ends the text, or precedes a byte inside a character.
            c => out.push(c as char),
        }
        i += 1;
    }
    let out = if out.contains('&') { decode_entities(&out) } else { out };
    normalise_space_owned(out)
}

/// Decodes the HTML entities the docs use.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let semi = tail.find(';').filter(|&k| k <= 10);
        let decoded = semi.and_then(|k| {
            let name = &tail[1..k];
            let ch = match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ if name.starts_with("#x") || name.starts_with("#X") => {
                    u32::from_str_radix(&name[2..], 16).ok().and_then(char::from_u32)
                }
                _ if name.starts_with('#') => name[1..].parse::<u32>().ok().and_then(char::from_u32),
                _ => None,
            };
            ch.map(|c| (c, k + 1))
        });
        match decoded {
            Some((c, len)) => {
                if c != '\u{feff}' {
                    out.push(c);
                }
                rest = &tail[len..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(line: &str) -> Vec<String> {
        split_row(0, line, &mut Vec::new()).into_iter().map(|c| c.text.to_string()).collect()
    }

    /// What serde_norway makes of a block, as `parse_front_matter` stores it.
    fn by_serde(yaml: &str) -> Vec<(String, String)> {
        match serde_norway::from_str::<serde_norway::Value>(yaml).unwrap() {
            serde_norway::Value::Mapping(map) => map.iter().map(|(k, v)| (yaml_scalar(k), yaml_scalar(v))).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn simple_front_matter_reads_what_serde_norway_reads_or_declines() {
        let cases = [
            "title: \"Get x\"\ndescription: Read an x's details.\ndoc_type: apiPageType\n",
            "title: 'A \"quoted\" word'\nempty:\nms.date: 09/19/2018\n",
            "a: yes\n",
            "a: 1.0\n",
            "a: \"esc\\\"aped\"\n",
            "a: b # comment\n",
            "a: b\n  continued\n",
            "a: b\na: c\n",
            "a: [x, y]\n",
            "a: ~\n",
        ];
        for yaml in cases {
            if let Some(fast) = simple_front_matter(yaml) {
                assert_eq!(fast, by_serde(yaml), "{yaml:?}");
            }
        }
        assert!(simple_front_matter(cases[0]).is_some());
        assert!(simple_front_matter("a: yes\n").is_none());
        assert!(simple_front_matter("a: b\na: c\n").is_none());
        // Every page of the Graph reference whose front matter takes the fast path.
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/graph-v1.0");
        let Ok(sources) = crate::read_docs(&corpus) else { return };
        let mut fast = 0;
        for s in &sources {
            let Some(rest) = s.text.strip_prefix("---\n") else { continue };
            let Some(end) = rest.find("\n---") else { continue };
            let yaml = &rest[..end + 1];
            if let Some(entries) = simple_front_matter(yaml) {
                assert_eq!(entries, by_serde(yaml), "{}", s.path);
                fast += 1;
            }
        }
        assert!(fast > 3000, "only {fast} pages took the fast path");
    }

    #[test]
    fn a_byte_order_mark_and_crlf_line_ends_read_like_plain_lf() {
        let lf = "---\ntitle: \"x resource type\"\ndescription: \"An x.\"\ndoc_type: resourcePageType\n---\n\n# x resource type\n\n## Properties\n|Property|Type|Description|\n|:--|:--|:--|\n|id|String|The id.|\n|name|String|The name, wrapped\n |\n";
        let crlf = format!("\u{feff}{}", lf.replace('\n', "\r\n"));
        let (a, b) = (parse_page("x.md", lf), parse_page("x.md", &crlf));
        let placed = |p: &Page| {
            p.diagnostics.iter().map(|d| (d.line, d.column, d.code.clone(), d.message.clone())).collect::<Vec<_>>()
        };
        assert_eq!(placed(&a), placed(&b));
        assert!(!a.diagnostics.is_empty(), "the wrapped row is reported in both");
        assert_eq!(a.front.entries, b.front.entries);
        assert_eq!(a.doc_type, b.doc_type);
        let rows = |p: &Page| {
            p.tables
                .iter()
                .map(|t| {
                    t.rows
                        .iter()
                        .map(|r| r.cells.iter().map(|c| c.text.to_string()).collect::<Vec<_>>())
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(rows(&a), rows(&b));
    }

    /// The tables [`tables_in`] finds in one paragraph, as the text of their lines. `at` is
    /// where the paragraph starts in `text` (after a list marker or a block-quote marker), inside
    /// `quotes` block quotes and `items` list items.
    fn tables_found(text: &str, at: usize, quotes: usize, items: usize) -> Vec<&str> {
        let index = LineIndex::new(text);
        let container = Container::of_paragraph(text, at, quotes, items);
        tables_in(text, &index, Span::new(at, text.len()), container)
            .into_iter()
            .map(|t| &text[t.start..t.end])
            .collect()
    }

    #[test]
    fn tables_are_found_in_paragraphs_as_github_finds_them() {
        // A paragraph that is a table, with or without outer pipes.
        assert_eq!(tables_found("a | b\n---|---\nc | d", 0, 0, 0), ["a | b\n---|---\nc | d"]);
        assert_eq!(tables_found("|a|b|\n|:---|\t---|", 0, 0, 0), ["|a|b|\n|:---|\t---|"]);
        // One that interrupts a paragraph must start with a pipe.
        assert_eq!(
            tables_found("Text:\n| a | b |\n|---|---|\n| c | d |", 0, 0, 0),
            ["| a | b |\n|---|---|\n| c | d |"]
        );
        assert!(tables_found("Text:\na | b\n---|---", 0, 0, 0).is_empty());
        // Pipes without a delimiter row make no table.
        assert!(tables_found("a | b\nc | d", 0, 0, 0).is_empty());
        assert!(tables_found("one | line", 0, 0, 0).is_empty());
        // In a list item, a line that leaves the item ends the table, not the paragraph; a
        // table after it is found too.
        let item = "1. Sizes:\n   | a |\n   |---|\n   | 1 |\nLazy line\n| b |\n|---|";
        assert_eq!(tables_found(item, 3, 0, 1), ["   | a |\n   |---|\n   | 1 |", "| b |\n|---|"]);
        // In a block quote, every line of the table keeps its marker.
        let quote = "> Note:\n> | a |\n> |---|\n> | 1 |\nlazy";
        assert_eq!(tables_found(quote, 2, 1, 0), ["> | a |\n> |---|\n> | 1 |"]);
        assert_eq!(tables_found("> | a |\n> |---|", 2, 1, 0), ["| a |\n> |---|"]);
        // A later paragraph of a list item starts at the item's content column, after spaces
        // only; a line less indented still leaves the item.
        let later = "1. Step:\n\n   | a |\n   |---|\n   | 1 |\nLazy";
        assert_eq!(tables_found(later, 13, 0, 1), ["| a |\n   |---|\n   | 1 |"]);
        // At the top level, rows need no indentation, whatever the header has.
        assert_eq!(tables_found("  | a |\n|---|\n| 1 |", 2, 0, 0), ["| a |\n|---|\n| 1 |"]);
    }

    #[test]
    fn rows_split_on_unprotected_pipes_only() {
        assert_eq!(cells("|a|b|c|"), ["a", "b", "c"]);
        assert_eq!(cells("| Property\t  | Type\t|Description|"), ["Property", "Type", "Description"]);
        assert_eq!(cells("| Member"), ["Member"]);
        assert_eq!(cells("a | b"), ["a", "b"]);
        assert_eq!(cells("|x|`a|b`|{id|name}|c \\| d|"), ["x", "`a|b`", "{id|name}", "c \\| d"]);
        assert_eq!(cells("|a||c|"), ["a", "", "c"]);
        assert_eq!(cells("|x|`\\`, `|`, `` ` ``, `^`|y|"), ["x", "`\\`, `|`, `` ` ``, `^`", "y"]);
    }

    #[test]
    fn type_cells_in_all_spellings() {
        let refs: FxHashMap<String, String> =
            [("identityset".to_string(), "identityset.md".to_string())].into_iter().collect();
        let t = |s: &str| type_cell(s, &refs).map(|t| (t.name, t.collection, t.link));
        assert_eq!(t("String"), Some(("String".into(), false, None)));
        assert_eq!(t("`Edm.DateTimeOffset`"), Some(("Edm.DateTimeOffset".into(), false, None)));
        assert_eq!(t("[resultInfo](resultinfo.md)"), Some(("resultInfo".into(), false, Some("resultinfo.md".into()))));
        assert_eq!(t("[x](x.md) collection"), Some(("x".into(), true, Some("x.md".into()))));
        assert_eq!(t("String collection"), Some(("String".into(), true, None)));
        assert_eq!(t("Collection(microsoft.graph.x)"), Some(("microsoft.graph.x".into(), true, None)));
        assert_eq!(t("collection of String"), Some(("String".into(), true, None)));
        assert_eq!(t("[identitySet][]"), Some(("identitySet".into(), false, Some("identityset.md".into()))));
        assert_eq!(t("string (url)"), Some(("string".into(), false, None)));
        assert_eq!(t("**TODO**"), Some(("TODO".into(), false, None)));
        assert_eq!(t("a b c"), None);
        assert_eq!(t("[x](x.md"), Some(("x".into(), false, Some("x.md".into()))));
    }

    #[test]
    fn an_annotation_object_reads_as_serde_json_would() {
        // A repeated key keeps its first place and its last value, as in serde_json's map.
        let text = r#"{"blockType": "request", "name": "a", "blockType": "response", "x": {"y": [1]}}"#;
        let ours = read_annotation_json(text).0.expect("an object");
        let theirs: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).expect("an object");
        let ours_entries: Vec<(&str, &serde_json::Value)> = ours.iter().collect();
        let theirs_entries: Vec<(&str, &serde_json::Value)> = theirs.iter().map(|(k, v)| (k.as_str(), v)).collect();
        assert_eq!(ours_entries, theirs_entries);
        assert_eq!(ours.get("blockType"), Some(&serde_json::json!("response")));
        assert!(ours.contains_key("x") && !ours.contains_key("y"));
        let not_an_object = read_annotation_json("[1]").0.expect_err("an array");
        assert_eq!(not_an_object.1, "invalid type: sequence, expected a JSON object");
        // Malformed objects: the same error as serde_json gives for its own map.
        for bad in ["{\"a\": }", "{\"a\" 1}", "{1: 2}", "{\"a\": 1"] {
            let ours = serde_json::from_str::<Object>(bad).expect_err(bad).to_string();
            let theirs =
                serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(bad).expect_err(bad).to_string();
            assert_eq!(ours, theirs, "{bad}");
        }
    }

    #[test]
    fn annotation_json_repairs() {
        let (r, w) = read_annotation_json("{ \"blockType\": \"response\", }");
        assert!(r.is_ok());
        assert_eq!(w, Some("trailing comma"));
        let (r, w) = read_annotation_json("{\"tocPath\": \"\"\n  \"suppressions\": []}");
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(w, Some("missing comma"));
        let (r, _) = read_annotation_json("{\"s\": [\"a\nb\"]}");
        assert!(r.is_ok());
        let (r, _) = read_annotation_json("{\"a\": }");
        assert!(r.is_err());
        // The permissions-table marker is read as it is, without a repair to report.
        let (r, w) = read_annotation_json("{ \"blockType\": \"ignored\"  } // Note: Removing this line ... ");
        assert_eq!(r.ok().and_then(|m| m.get("blockType").cloned()), Some(serde_json::json!("ignored")));
        assert_eq!(w, None);
        // Anything else after the object is still an error.
        assert!(read_annotation_json("{ \"a\": 1 } trailing").0.is_err());
    }

    /// serde_json's columns count bytes: an error among multi-byte characters is placed at a
    /// character's start, never inside one (found by damaging pages at random).
    #[test]
    fn json_errors_among_wide_characters_stay_on_character_boundaries() {
        let page = "# P\n\n<!-- {\n  \"blockType\": \"request\",\n  \"sec\u{1F600}\u{1F600}\u{1F600}-->\n\ntext\n";
        let p = parse_page("api/p.md", page);
        let d = p.diagnostics.iter().find(|d| d.code == Code::AnnotationJson.as_str()).expect("diagnosed");
        assert!(d.line >= 3, "{d:?}");
        let text = "{\"a\": \"\u{1F600}\u{1F600}";
        for column in 1..=text.len() + 1 {
            assert!(text.is_char_boundary(offset_of(text, 1, column)), "{column}");
        }
    }

    #[test]
    fn trim_cell_is_the_general_trim() {
        for raw in &crate::all_strings(&['a', ' ', '\t', '\u{a0}', '\u{202f}', '\u{c}', 'é', '|'], 5) {
            assert_eq!(trim_cell(raw), raw.trim_matches(is_cell_space), "{raw:?}");
        }
    }

    #[test]
    fn joining_a_link_to_its_page_is_what_joining_segments_gives() {
        fn by_segments(from: &str, rel: &str) -> String {
            let mut parts: Vec<&str> = from.split('/').collect();
            parts.pop();
            for seg in rel.split('/') {
                match seg {
                    "." | "" => {}
                    ".." => {
                        parts.pop();
                    }
                    s => parts.push(s),
                }
            }
            parts.join("/")
        }
        let paths = ["", "a.md", "api/a.md", "/api/a.md", "a//b/c.md", "a/b/", "/"];
        let rels =
            ["x.md", "./x.md", "../x.md", "../../../x.md", "../resources/x.md", "", "..", "a/../b", "/x", "x//y/"];
        for from in paths {
            for rel in rels {
                assert_eq!(join(from, rel), by_segments(from, rel), "{from:?} + {rel:?}");
            }
        }
    }

    #[test]
    fn split_ascii_is_str_split() {
        for s in ["", "/", "//", "a", "a/", "/a", "a/b", "a//b/", "é/ü/", "../x.md"] {
            assert_eq!(split_ascii(s, b'/').collect::<Vec<_>>(), s.split('/').collect::<Vec<_>>(), "{s:?}");
            assert_eq!(rfind_ascii(s, b'/'), s.rfind('/'), "{s:?}");
        }
    }

    #[test]
    fn is_normal_space_is_what_collapsing_leaves_unchanged() {
        // Every string of up to five characters over a letter, the spaces and a non-ASCII letter.
        for s in &crate::all_strings(&['a', ' ', '\t', '\n', '\r', '\u{c}', '\u{a0}', 'é'], 5) {
            let plain = s.is_ascii() && collapse_space(s) == *s;
            assert_eq!(is_normal_space(s), plain, "{s:?}");
        }
        // Long ones, with the defect on either side of a chunk's edge.
        for at in 0..70 {
            for defect in ["  ", "\t", "é", " \n"] {
                let mut s = "ab".repeat(35);
                s.replace_range(at..at + 1, defect);
                let plain = s.is_ascii() && collapse_space(&s) == s;
                assert_eq!(is_normal_space(&s), plain, "{s:?}");
            }
        }
    }

    #[test]
    fn normalise_space_collapses_every_kind_of_space() {
        for (input, want) in [
            ("a b", "a b"),
            ("", ""),
            (" a", "a"),
            ("a ", "a"),
            ("a  b", "a b"),
            ("a\tb", "a b"),
            ("a \n b", "a b"),
            ("a\u{a0}b\u{200b}", "a b"),
            ("\t", ""),
        ] {
            assert_eq!(normalise_space(input), want, "{input:?}");
        }
    }

    #[test]
    fn the_linked_type_cell_reading_agrees_with_the_general_one() {
        let defs = FxHashMap::default();
        let labels = ["x", "resultInfo", "microsoft.graph.x", "x.", "...", "", "a b", "x[y", "x_y", "é"];
        let tails = ["", " collection", " Collection", "collection", " collection.", " (optional)", ")", " or y"];
        let dests = ["x.md", " x.md ", "", "a(b", "../resources/x.md#y"];
        let mut tried = 0;
        for label in labels {
            for dest in dests {
                for tail in tails {
                    for cell in [format!("[{label}]({dest}){tail}"), format!("  [{label}]({dest}){tail} ")] {
                        let cell = cell.trim();
                        if let Some(fast) = linked_type_cell(cell) {
                            assert_eq!(Some(fast), read_type_cell(cell, &defs), "{cell:?}");
                            tried += 1;
                        }
                    }
                }
            }
        }
        assert!(tried > 50, "{tried}");
        for cell in ["[x](y) `z`", "[x](y)*", "[x&amp;](y)", "[x](y) resource"] {
            assert_eq!(linked_type_cell(cell), None, "{cell:?}");
        }
    }

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(
            plain_text("Inherited from [entity](entity.md). **Read-only**.<br/>x &lt;y&gt;"),
            "Inherited from entity. Read-only. x <y>"
        );
        // Text without marks takes the short way and must come out the same.
        assert_eq!(plain_text("  The  id. Read-only.\t"), "The id. Read-only.");
        assert_eq!(plain_text("a\\"), "a\\");
        assert_eq!(plain_text("Tom &amp; Jerry [x](y) `z`"), "Tom & Jerry x z");
    }

    #[test]
    fn bare_type_cells_read_like_marked_up_ones() {
        let refs = FxHashMap::default();
        for (cell, name) in
            [("String", "String"), (" Int32 ", "Int32"), ("microsoft.graph.user.", "microsoft.graph.user")]
        {
            let t = type_cell(cell, &refs).unwrap();
            assert_eq!((t.name.as_str(), t.collection, t.link), (name, false, None));
            // The same cell in code marks goes the general way.
            assert_eq!(type_cell(&format!("`{}`", cell.trim()), &refs).unwrap().name, name);
        }
        assert!(type_cell(".", &refs).is_none());
        assert!(type_cell("", &refs).is_none());
        assert_eq!(type_cell("Untyped JSON object", &refs).unwrap().name, "Json");
    }

    #[test]
    fn rows_without_marks_split_at_every_pipe() {
        for line in ["| a | b |", "a|b", "> | a | b |", "|", "", "| a \\| b | c |", "| `a|b` | {x|y} | c |"] {
            let mut slow = Vec::new();
            scan_cuts(line.as_bytes(), 0, &mut slow);
            // A buffer left over from another row is cleared first.
            let mut fast = vec![99];
            find_cuts(line.as_bytes(), 0, &mut fast);
            assert_eq!(fast, slow, "{line}");
        }
    }

    #[test]
    fn page_parts_are_found() {
        let text = "---\ntitle: \"T\"\ndescription: d\ndoc_type: \"apiPageType\"\n---\n\n# Title\n\nNamespace: microsoft.graph\n\n## HTTP request\n<!-- { \"blockType\": \"ignored\" } -->\n```http\nGET /me\n```\n\n# [HTTP](#tab/http)\n<!-- {\n  \"blockType\": \"request\",\n  \"name\": \"x\",\n}-->\n``` http\nGET https://graph.microsoft.com/v1.0/me\n```\n---\n\n## Properties\n| Property | Type |\n|:--|:--|\n|a|String|\n|b|Int32|extra|\n";
        let p = parse_page("api/x.md", text);
        assert_eq!(p.doc_type, Some(DocType::Api));
        assert_eq!(p.title.as_ref().map(|t| t.0.as_str()), Some("Title"));
        assert_eq!(p.namespace.as_deref(), Some("microsoft.graph"));
        let heads: Vec<_> = p.headings.iter().map(|h| h.text.as_str()).collect();
        assert_eq!(heads, ["HTTP request", "Properties"]);
        assert_eq!(p.code_blocks.len(), 2);
        assert_eq!(p.code_blocks[0].annotation, Some(0));
        assert_eq!(p.code_blocks[1].annotation, Some(1));
        assert_eq!(p.code_blocks[1].lines[0].1, "GET https://graph.microsoft.com/v1.0/me");
        let codes: Vec<_> = p.diagnostics.iter().map(|d| (d.code.as_str(), d.line)).collect();
        assert_eq!(codes, [("table-cell-count", 31), ("annotation-repaired", 18)]);
        assert_eq!(p.tables.len(), 1);
        assert_eq!(p.tables[0].rows[1].cells.len(), 3);
        assert_eq!(p.heading_text(p.tables[0].place.section), "Properties");
    }
}
