//! Lower: parsed pages to the IR, resolving names across pages.
//!
//! Each page is read on its own first (what types, enums, operation and examples it declares);
//! then the declarations are merged and every type reference is resolved against the whole doc
//! set: by qualified name, by name ignoring case, then by the page a link points to. Whatever
//! cannot be resolved is a diagnostic at the cell that names it.

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::ir::*;
use crate::parse::{self, AnnotationKind, DocType, Page, Phrases, Table, TypeRef, strip_prefix_ci};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;

mod kinds;

pub const DEFAULT_NAMESPACE: &str = "microsoft.graph";

/// Builds the IR from parsed pages (in path order) and what [`read_page`] made of each (in the
/// same order), and returns it with the diagnostics of resolving names across pages. The pages'
/// and declarations' own diagnostics are not among them: the caller moves those out on the
/// threads that made them. The examples' bodies are moved out of `decls` into the IR; the rest
/// of `decls` is left to the caller to free.
pub fn lower(pages: &[Page], decls: &mut [PageDecls]) -> (Ir, Vec<Diagnostic>) {
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut ir = Ir::default();
    for p in pages {
        ir.pages.push(PageInfo {
            file: p.path.to_string(),
            doc_type: p.doc_type.map(|d| d.as_str().to_string()),
            title: p.title.as_ref().map(|t| t.0.clone()),
        });
    }
    // An operation's paths and permissions go into the IR as they are: moved out of the
    // declarations here, not copied when the operations are made.
    let moved: Vec<(Vec<HttpPath>, Vec<Permission>)> = decls
        .iter_mut()
        .map(|d| {
            d.operation
                .as_mut()
                .map(|o| (std::mem::take(&mut o.paths), std::mem::take(&mut o.permissions)))
                .unwrap_or_default()
        })
        .collect();
    let mut ctx = Resolver::new(pages, decls, &mut diags);
    ctx.build(&mut ir, moved);
    move_example_bodies(&mut ir, decls);
    (ir, diags)
}

/// Resolution reads the examples' requests and responses (to type undocumented bodies) and
/// leaves them empty in the IR; once it is done they are moved in rather than copied. Examples
/// entered the IR page by page in their order on the page, so the two lists walk in step. The
/// rest of the declarations is the caller's to free, at a time when a core is idle.
fn move_example_bodies(ir: &mut Ir, decls: &mut [PageDecls]) {
    let raw = decls.iter_mut().flat_map(|d| d.examples.drain(..));
    for (ex, raw) in ir.examples.iter_mut().zip(raw) {
        ex.request = raw.request.map(|r| r.0);
        ex.response = raw.response.map(|r| r.0);
    }
}

// ---------------------------------------------------------------------------------------------
// Per-page declarations

/// What one page declares, before cross-page resolution.
#[derive(Debug, Default)]
pub struct PageDecls {
    pub types: Vec<RawType>,
    pub enums: Vec<RawEnum>,
    pub operation: Option<RawOperation>,
    pub examples: Vec<RawExample>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug)]
pub struct RawType {
    pub name: String,
    pub namespace: String,
    /// Weak evidence that the type is an entity: a `keyProperty` annotation, or an `id` that
    /// the JSON representation calls the identifier. `kinds` weighs it against the rest.
    pub entity_hint: bool,
    /// The annotation's `keyProperty` and where the annotation is: an entity's key, which the
    /// Properties table of a root entity sometimes leaves out.
    pub key_property: Option<(String, Span)>,
    /// Base type candidates, strongest first: (name, link).
    pub base_annotation: Option<String>,
    pub base_sentence: Option<(String, Option<String>)>,
    pub base_rows: Vec<(String, Option<String>)>,
    /// Types the page names as derived from this one ("the derived types are [a](a.md) and
    /// [b](b.md)"): their base when their own pages name none.
    pub derived: Vec<(String, Option<String>)>,
    pub is_abstract: bool,
    pub open: bool,
    pub description: String,
    pub properties: Vec<RawProperty>,
    /// Properties the JSON representation shows but no table lists; kept unless an ancestor
    /// declares them.
    pub json_properties: Vec<RawProperty>,
    pub loc: Span,
}

#[derive(Debug, Clone)]
pub struct RawProperty {
    pub name: String,
    pub ty: Option<TypeRef>,
    pub type_cell: String,
    pub type_span: Span,
    pub navigation: bool,
    pub nullable: Option<bool>,
    pub read_only: bool,
    pub description: String,
    pub possible_values: Vec<String>,
    /// Set when the row says "Inherited from \[x\]": the property belongs to x.
    pub inherited_from: Option<(String, Option<String>)>,
    /// Found only in the page's JSON representation, with a type inferred from its sample value.
    pub from_json: bool,
    /// `[a](a.md) or [b](b.md)`: the types the value may have; the property takes their nearest
    /// common base type.
    pub alternatives: Vec<TypeRef>,
    /// The name cell marks the property deprecated: `isBroadcast (deprecated)`.
    pub deprecated: bool,
    /// The table says `String` and lists possible values, and the JSON representation writes the
    /// value as those values joined by `|` (`"notStarted | running | completed"`), the docs' way
    /// of showing an enumeration.
    pub shown_as_enum: bool,
    pub span: Span,
}

#[derive(Debug)]
pub struct RawEnum {
    pub name: String,
    pub namespace: String,
    pub description: String,
    pub members: Vec<(String, Option<i64>, String, Span)>,
    pub loc: Span,
}

#[derive(Debug)]
pub struct RawOperation {
    pub title: String,
    pub description: String,
    pub method: Method,
    /// Moved into the IR's operation by [`lower`], with `permissions`; empty afterwards.
    pub paths: Vec<HttpPath>,
    pub body_type_link: Option<(String, String)>,
    pub body_collection: bool,
    pub body_properties: Vec<RawProperty>,
    pub body_span: Span,
    pub has_body_section_content: bool,
    pub response_status: Option<u16>,
    pub response_links: Vec<(String, String)>,
    pub response_collection: bool,
    pub response_span: Span,
    pub permissions: Vec<Permission>,
    /// The media types the Request headers table's `Content-Type` row names
    /// (see `documented_media_types`).
    pub media_types: Vec<DocumentedMedia>,
    /// Paths the page documents with another method than the first, by method.
    pub extra_paths: Vec<(Method, Vec<HttpPath>)>,
    pub loc: Span,
}

/// A media type a page's Request headers table accepts for the body, and what for, when the row
/// says (`MIME` in "`text/plain` for MIME content").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentedMedia {
    pub media_type: String,
    pub purpose: Option<String>,
}

#[derive(Debug)]
pub struct RawExample {
    pub name: Option<String>,
    pub request: Option<(RequestExample, Span)>,
    pub response: Option<(ResponseExample, Span)>,
    pub loc: Span,
}

/// What one page declares, read from that page alone: the first half of lowering.
pub fn read_page(page: &Page) -> PageDecls {
    let mut d = PageDecls::default();
    report_todo(page, &mut d.diagnostics);
    match page.doc_type {
        Some(DocType::Conceptual) => {
            let span = page.title.as_ref().map(|t| t.1).unwrap_or_default();
            d.diagnostics.push(page.diag(Code::ConceptualPage, span, "conceptual page: nothing to generate"));
        }
        Some(DocType::Enum) => {
            read_enum_page(page, &mut d);
            read_enum_sections(page, &mut d);
        }
        Some(DocType::Resource) => {
            read_resource(page, &mut d);
            read_enum_sections(page, &mut d);
            read_examples(page, &mut d);
        }
        Some(DocType::Api) => {
            d.operation = read_operation(page, &mut d.diagnostics);
            read_examples(page, &mut d);
        }
        None => {}
    }
    d
}

/// `TODO` placeholders outside permission tables (those are reported as undetermined permissions).
fn report_todo(page: &Page, out: &mut Vec<Diagnostic>) {
    let text = page.text;
    let perm_tables: Vec<Span> = page.tables.iter().filter(|t| is_permission_table(t)).map(|t| t.span).collect();
    let mut pos = 0;
    // A vectorised search: this reads every byte of every page.
    let todo = memchr::memmem::Finder::new("TODO");
    while let Some(i) = todo.find(&text.as_bytes()[pos..]) {
        let at = pos + i;
        pos = at + 4;
        if perm_tables.iter().any(|s| s.start <= at && at < s.end) {
            continue;
        }
        let line_end = text[at..].find('\n').map(|k| at + k).unwrap_or(text.len());
        let snippet: String = text[at..line_end].chars().take(60).collect();
        let snippet = snippet.trim_end_matches(['*', ' ', '|']).to_string();
        out.push(page.diag(
            Code::TodoText,
            Span::new(at, line_end.min(at + snippet.len()).max(at + 4)),
            format!("placeholder text left in the page: `{snippet}`"),
        ));
        // One diagnostic per line is enough.
        pos = pos.max(line_end);
    }
}

fn is_permission_table(t: &Table) -> bool {
    t.column(|h| h.starts_with("permission type")).is_some()
}

/// Under an `HTTP request` heading: an H2, or an H3 inside a section per variant of the call
/// (drive-get.md documents each way to reach a drive under its own `### HTTP request`).
fn in_http_request_section(page: &Page, place: parse::Place) -> bool {
    in_section(page, place, "http request")
}

/// Under a heading that starts with `prefix`, as an H2 section or as the nearest heading: pages
/// write `## Request body`, or `### Request body` under the HTTP request section.
fn in_section(page: &Page, place: parse::Place, prefix: &str) -> bool {
    heading_starts(page, place.section, prefix) || heading_starts(page, place.heading, prefix)
}

/// Whether a heading starts with `prefix` (lower-case ASCII), ignoring ASCII case. Asked for
/// every block, table and paragraph of a page, so it compares in place instead of lower-casing.
fn heading_starts(page: &Page, heading: Option<usize>, prefix: &str) -> bool {
    page.heading_text(heading).get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

fn heading_is(page: &Page, heading: Option<usize>, text: &str) -> bool {
    page.heading_text(heading).eq_ignore_ascii_case(text)
}

/// The name of the type a resource page defines, and its namespace.
fn resource_identity<'p>(page: &'p Page<'_>) -> (String, String, Option<&'p parse::Annotation>) {
    let ann = page.annotations.iter().find(|a| {
        a.kind == AnnotationKind::Block
            && a.block_type() == Some("resource")
            && (a.str("@odata.type").is_some() || a.str("@type").is_some())
    });
    let page_ns = page.namespace.clone().unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
    if let Some(a) = ann {
        let full = a.str("@odata.type").or_else(|| a.str("@type")).unwrap_or("").trim().trim_start_matches('#');
        if !full.is_empty() {
            let (ns, name) = split_qualified(full);
            return (name.to_string(), ns.map(str::to_string).unwrap_or(page_ns), Some(a));
        }
    }
    let from_title = page.title.as_ref().map(|t| title_type_name(&t.0)).filter(|s| !s.is_empty());
    let name = from_title.unwrap_or_else(|| file_stem(page.path).to_string());
    (name, page_ns, None)
}

/// The full name of a type whose page gives it capitalised and cut short: Graph type names are
/// lowerCamelCase, and `identityuserflow.md` titled "UserFlow resource type" (with
/// `"@odata.type": "microsoft.graph.UserFlow"`) defines `identityUserFlow`, the name other pages
/// link to it by. The file name's extra head is put back in front.
fn name_completed_by_file(path: &str, name: &str) -> Option<String> {
    if !name.starts_with(|c: char| c.is_ascii_uppercase()) || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let stem = file_stem(path);
    let head = stem.len().checked_sub(name.len()).filter(|&n| n > 0)?;
    let (prefix, tail) = stem.split_at_checked(head)?;
    let plain = prefix.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (plain && tail.eq_ignore_ascii_case(name)).then(|| format!("{prefix}{name}"))
}

/// Splits `microsoft.graph.callRecords.session` into (`microsoft.graph.callRecords`, `session`).
/// Names without a dot, or whose prefix is not a `microsoft.` namespace, have no namespace.
pub fn split_qualified(full: &str) -> (Option<&str>, &str) {
    match full.rfind('.') {
        Some(i)
            if full[..i].to_ascii_lowercase().starts_with("microsoft.") || full[..i].eq_ignore_ascii_case("graph") =>
        {
            let ns = &full[..i];
            let ns = if ns.eq_ignore_ascii_case("graph") { DEFAULT_NAMESPACE } else { ns };
            (Some(ns), &full[i + 1..])
        }
        _ => (None, full),
    }
}

/// The key types and enums are looked up by: `namespace.name`, lower case.
pub fn type_key(namespace: &str, name: &str) -> String {
    // Built in place: this runs for every type reference of every page, and `format!` plus a
    // lower-cased copy cost twice the allocations and several times the instructions.
    let mut key = String::with_capacity(namespace.len() + 1 + name.len());
    key.push_str(namespace);
    key.push('.');
    key.push_str(name);
    key.make_ascii_lowercase();
    key
}

/// The key a type reference (`resultInfo`, `microsoft.graph.callRecords.session`) looks up:
/// an unqualified name is in the default namespace.
pub fn ref_key(reference: &str) -> String {
    let (ns, name) = split_qualified(reference);
    type_key(ns.unwrap_or(DEFAULT_NAMESPACE), name)
}

fn title_type_name(title: &str) -> String {
    let t = title.trim();
    let first = t.split_whitespace().next().unwrap_or("");
    first.trim_matches(|c: char| !c.is_alphanumeric() && c != '.' && c != '_').to_string()
}

pub fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".md").unwrap_or(name)
}

/// The base type a paragraph names: "Inherits from [x](x.md)."; pages also say "Derived from
/// [x](x.md).", "The **x** resource is derived from [**y**](y.md)", "This resource is a subclass
/// of [y](y.md)." and "This creates a subclass from [y](y.md)", which count only with a link
/// right after the phrase, because "derived from" also starts ordinary prose. `lower` is the
/// paragraph's text in lower case.
fn base_sentence(page: &Page, p: &parse::Paragraph, lower: &str) -> Option<(String, Option<String>)> {
    static PHRASES: Phrases =
        Phrases::new(&["inherits from", "derived from", "derives from", "subclass of", "subclass from", "subtype of"]);
    let (i, phrase) = PHRASES.earliest(lower)?;
    let (end, inherits) = (i + phrase.len(), phrase == "inherits from");
    // "Inherits from base class [x](x.md)", "inherits from the [x](x.md) type": the words
    // before the name only say what kind of thing it is.
    let mut after = &p.text[end..];
    loop {
        let t = after.trim_start();
        let skipped = ["the ", "a ", "an ", "abstract ", "base class ", "base type ", "base "]
            .iter()
            .find_map(|w| strip_prefix_ci(t, w));
        match skipped {
            Some(r) => after = r,
            None => break,
        }
    }
    let rest = after.trim_start().trim_start_matches('*').trim_start_matches('[').trim_start_matches('*');
    let link = p.links(page).iter().find(|l| {
        let text = l.text.trim().trim_matches('*').to_ascii_lowercase();
        !text.is_empty() && rest.to_ascii_lowercase().starts_with(&text) && lower[i..].contains(&text)
    });
    let name = match link {
        Some(l) => l.text.trim().trim_matches('*').to_string(),
        None if inherits => after
            .trim()
            .split(|c: char| c.is_whitespace() || c == ',')
            .next()
            .unwrap_or("")
            .trim_end_matches('.')
            .to_string(),
        None => return None,
    };
    (!name.is_empty()).then(|| (name, link.map(|l| l.dest.to_string())))
}

/// The types a base type's paragraph names as derived from it: the links of its "This is a base
/// class; the derived types are [a](a.md), [b](b.md)." or "**x** is the base type for [a](a.md)
/// and [b](b.md)." sentence, `own` (the page's type) excepted.
fn derived_types(page: &Page, p: &parse::Paragraph, lower: &str, own: &str, out: &mut Vec<(String, Option<String>)>) {
    static PHRASES: Phrases = Phrases::new(&["derived types are", "is the base type for", "is the base resource for"]);
    let Some((start, _)) = PHRASES.earliest(lower) else {
        return;
    };
    let sentence = lower[start..].split(". ").next().unwrap_or("");
    for l in p.links(page) {
        let text = l.text.trim().trim_matches('*');
        if !text.is_empty() && sentence.contains(&text.to_ascii_lowercase()) && !text.eq_ignore_ascii_case(own) {
            out.push((text.to_string(), Some(l.dest.to_string())));
        }
    }
}

fn read_resource(page: &Page, d: &mut PageDecls) {
    let (mut name, namespace, ann) = resource_identity(page);
    if let Some(full) = name_completed_by_file(page.path, &name) {
        d.diagnostics.push(page.diag(
            Code::TypeNameCapitalised,
            page.title.as_ref().map(|t| t.1).unwrap_or_default(),
            format!("the page calls its type `{name}`, which is the end of its file name `{}.md`; the type is read as `{full}`", file_stem(page.path)),
        ));
        name = full;
    }
    let mut ty = RawType {
        name,
        namespace,
        entity_hint: ann.is_some_and(|a| a.str("keyProperty").is_some()),
        key_property: ann.and_then(|a| {
            let key = a.str("keyProperty")?.trim();
            let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            plain.then(|| (key.to_string(), a.json_span))
        }),
        base_annotation: ann
            .and_then(|a| a.str("baseType"))
            .map(|s| s.trim().trim_start_matches('#').to_string())
            .filter(|s| !s.is_empty()),
        base_sentence: None,
        base_rows: Vec::new(),
        derived: Vec::new(),
        is_abstract: ann.and_then(|a| a.flag("abstract")).unwrap_or(false),
        open: ann.and_then(|a| a.flag("openType")).unwrap_or(false),
        description: page.front.get("description").map(parse::plain_text).unwrap_or_default(),
        properties: Vec::new(),
        json_properties: Vec::new(),
        loc: page.title.as_ref().map(|t| t.1).unwrap_or_default(),
    };
    // Each paragraph is lower-cased once for both kinds of inheritance sentence.
    for p in &page.paragraphs {
        let lower = p.text.to_ascii_lowercase();
        if ty.base_sentence.is_none() {
            ty.base_sentence = base_sentence(page, p, &lower);
        }
        derived_types(page, p, &lower, &ty.name, &mut ty.derived);
    }
    for t in &page.tables {
        let sec = page.heading_text(t.place.section).to_ascii_lowercase();
        let navigation = sec.starts_with("relationship");
        if !(sec.starts_with("propert") || navigation) {
            continue;
        }
        // Tables under a sub-heading of Properties describe something else (`### x values`
        // enums, `### Properties of a policy definition`), unless the section has no table of
        // its own.
        if t.place.heading != t.place.section
            && (page.heading_text(t.place.heading).to_ascii_lowercase().ends_with(" values")
                || page.tables.iter().any(|o| o.place.section == t.place.section && o.place.heading == o.place.section))
        {
            continue;
        }
        if t.column(|h| h == "member").is_some() && t.column(|h| h == "type").is_none() {
            continue;
        }
        for p in read_property_table(page, t, navigation, &mut d.diagnostics) {
            if let Some(from) = &p.inherited_from {
                ty.base_rows.push(from.clone());
                continue;
            }
            // A type has one property of a name. A second row for it (the same row under
            // Properties and under Relationships, or twice in one table) replaces the first in
            // place, as a derived type's redeclaration replaces its base's.
            match ty.properties.iter().position(|q| q.name.eq_ignore_ascii_case(&p.name)) {
                Some(at) => {
                    let (line, _) = page.line_col(ty.properties[at].span.start);
                    let msg = format!(
                        "`{}` is listed again; line {line} lists it already, and this later row is used",
                        p.name
                    );
                    d.diagnostics.push(page.diag(Code::DuplicateProperty, p.span, msg));
                    ty.properties[at] = p;
                }
                None => ty.properties.push(p),
            }
        }
    }
    if let Some(block) = ann.and_then(|a| a.block).and_then(|i| page.code_blocks.get(i)) {
        read_json_representation(page, block, &mut ty, &mut d.diagnostics);
    }
    // A "resource" page with neither a resource annotation nor a property table is an overview
    // (search-api-overview.md, intune-enrollment-conceptual.md), not a type.
    let has_enum_sections = page.headings.iter().any(|h| h.text.to_ascii_lowercase().ends_with(" values"));
    if ann.is_none() && ty.properties.is_empty() && ty.base_rows.is_empty() {
        if !has_enum_sections {
            d.diagnostics.push(page.diag(
                Code::PageUnused,
                ty.loc,
                "no resource annotation and no property table: the page defines no type",
            ));
        }
        return;
    }
    d.types.push(ty);
}

/// Uses the JSON representation block as a second source: properties that no table lists (with
/// a type inferred from the sample value), and the enum type named by `{"@odata.type": "x"}`
/// or shown as `"a | b"` for a property the table calls `String` but gives possible values for.
/// An open type's JSON shows sample dynamic keys, which are not properties: there only the
/// table's own rows are refined.
fn read_json_representation(page: &Page, block: &parse::CodeBlock, ty: &mut RawType, diags: &mut Vec<Diagnostic>) {
    let text = block.content();
    let value = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v) => v,
        Err(_) => match serde_json::from_str::<serde_json::Value>(&parse::repair_json(&text).0) {
            Ok(v) => v,
            Err(_) => return,
        },
    };
    let Some(map) = value.as_object() else { return };
    if !ty.open && map.get("id").and_then(|v| v.as_str()).is_some_and(|v| v.contains("(identifier)")) {
        ty.entity_hint = true;
    }
    // Where each line's leading key starts: one pass over the block instead of a search of
    // every line for every key.
    let mut key_lines: FxHashMap<&str, usize> = FxHashMap::default();
    for (o, l) in &block.lines {
        let t = l.trim_start();
        if let Some(rest) = t.strip_prefix('"')
            && let Some(end) = rest.find('"')
            && rest[end + 1..].trim_start().starts_with(':')
        {
            key_lines.entry(&rest[..end]).or_insert(o + (l.len() - t.len()) + 1);
        }
    }
    for (key, v) in map {
        if !is_property_name(key) {
            continue;
        }
        // The key's own line, for the property's location: the line that starts with it, or
        // else the first that mentions it.
        let span = key_lines.get(key.as_str()).copied().or_else(|| {
            let needle = format!("\"{key}\"");
            block.lines.iter().find_map(|(o, l)| l.find(&needle).map(|at| o + at + 1))
        });
        let span = span.map(|at| Span::new(at, at + key.len())).unwrap_or(block.span);
        if let Some(p) = ty.properties.iter_mut().find(|p| p.name.eq_ignore_ascii_case(key)) {
            // A type cell that could not be read, or that offers alternatives (`[a] or [b]`),
            // takes the sample's `@odata.type`: the declared type the alternatives share.
            if p.ty.is_none()
                && v.get("@odata.type").is_some()
                && let Some((tname, collection)) = infer_json_type(v)
            {
                p.ty = Some(TypeRef { name: tname, collection, link: None });
                continue;
            }
            // "string collection" in the table, `"availability": "string"` in the JSON: the
            // sample is one value of a primitive, so the collection is the table's slip (the
            // examples of presence agree).
            if let Some(r) = p.ty.as_mut()
                && r.collection
                && primitive(&r.name).is_some()
                && let Some(sample) = v.as_str().filter(|s| primitive(s).is_some())
            {
                diags.push(page.diag(
                    Code::TypeRefinedByJson,
                    p.type_span,
                    format!("the table calls `{}` a collection, but the JSON representation shows one value (`\"{sample}\"`); it is read as a single {}", p.name, r.name),
                ));
                r.collection = false;
            }
            if let Some(r) = p.ty.as_mut()
                && primitive(&r.name) == Some("String")
                && let Some(sample) = v.as_str()
            {
                if let Some(format) = string_format(sample) {
                    // The docs write a string's format in parentheses: `"String (timestamp)"` is
                    // a DateTimeOffset, `"String (double)"` a Double (`"String (identifier)"`
                    // names no primitive and changes nothing), or give the type's name alone
                    // (`"guid"`). A table that says `String` there is wrong, unless the format
                    // cannot be the property's: then the sample is the slip.
                    if format_fits_name(&p.name, format) {
                        diags.push(page.diag(
                            Code::TypeRefinedByJson,
                            p.type_span,
                            format!("the table calls `{}` String, but the JSON representation shows `{sample}`; it is read as {format}", p.name),
                        ));
                        r.name = format.to_string();
                    } else {
                        diags.push(page.diag(
                            Code::TypeConflictsWithJson,
                            p.type_span,
                            format!("the table calls `{}` String, but the JSON representation shows `{sample}`, which {}; the table's String is kept", p.name, if p.name.eq_ignore_ascii_case("id") { "a key cannot be" } else { "its name does not suggest" }),
                        ));
                    }
                } else if !p.possible_values.is_empty() && sample.contains('|') {
                    p.shown_as_enum = value_set(sample.split('|')) == value_set(p.possible_values.iter());
                }
                continue;
            }
            if !p.possible_values.is_empty()
                && p.ty.as_ref().is_some_and(|r| primitive(&r.name) == Some("String"))
                && let Some(named) = v.get("@odata.type").and_then(|t| t.as_str())
            {
                let name = named.trim_start_matches('#');
                p.ty = Some(TypeRef {
                    name: split_qualified(name).1.to_string(),
                    collection: p.ty.as_ref().is_some_and(|r| r.collection),
                    link: None,
                });
            }
            continue;
        }
        // Graph properties are camelCase; PascalCase keys in a sample are data of an open type
        // (feedbackTokenSet's `DistortedSpeech`), not declarations.
        if ty.open || key.starts_with(|c: char| c.is_ascii_uppercase()) {
            continue;
        }
        let Some((tname, collection)) = infer_json_type(v) else { continue };
        ty.json_properties.push(RawProperty {
            name: key.clone(),
            ty: Some(TypeRef { name: tname, collection, link: None }),
            type_cell: String::new(),
            type_span: span,
            navigation: false,
            nullable: None,
            read_only: false,
            description: String::new(),
            possible_values: Vec::new(),
            inherited_from: None,
            from_json: true,
            alternatives: Vec::new(),
            deprecated: false,
            shown_as_enum: false,
            span,
        });
    }
}

/// Enum values compared as a set: trimmed, lower-cased, sorted, without repeats.
fn value_set<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Vec<String> {
    let mut set: Vec<String> = values.into_iter().map(|v| v.as_ref().trim().to_ascii_lowercase()).collect();
    set.sort();
    set.dedup();
    set
}

/// The primitive a `"String (double)"` sample names in parentheses, or a sample that is only the
/// name of a primitive with a fixed text form (`"guid"`), when it is not a string
/// (`"String (URL)"` and `"String (identifier)"` give `None`). Loose words that also serve as
/// prose placeholders (`"date"`, `"object"`, `"number"`) are only read inside parentheses.
fn string_format(sample: &str) -> Option<&'static str> {
    let sample = sample.trim();
    let Some(inner) = strip_prefix_ci(sample, "string (") else {
        const NAMES: &[&str] = &["guid", "uuid", "int32", "int64", "boolean", "double", "datetimeoffset", "duration"];
        return NAMES.iter().any(|n| sample.eq_ignore_ascii_case(n)).then(|| primitive(sample)).flatten();
    };
    let p = primitive(inner.strip_suffix(')')?.trim())?;
    (p != "String").then_some(p)
}

/// Whether a property of this name can be of `format`, a primitive that a JSON representation's
/// sample gives a `String` row. Graph keys are strings, and Graph names what holds a date or a
/// time after it (`createdDateTime`, `birthDate`, `startTime`, `timeZone`, `birthday`), so a
/// date or time format on a name that says none of these is a sample copied from another row:
/// one beta page shows `"String (timestamp)"` for both `id` and `displayName`.
fn format_fits_name(name: &str, format: &str) -> bool {
    if name.eq_ignore_ascii_case("id") {
        return false;
    }
    match format {
        "DateTimeOffset" | "Date" | "TimeOfDay" => {
            let lower = name.to_ascii_lowercase();
            lower.contains("date") || lower.contains("time") || lower.contains("day")
        }
        _ => true,
    }
}

/// The EDM type a JSON representation's sample value stands for: `"String"` or `"string"`,
/// `"String (timestamp)"`, `true`, `1024`, `{"@odata.type": "microsoft.graph.x"}`, `["String"]`.
fn infer_json_type(v: &serde_json::Value) -> Option<(String, bool)> {
    use serde_json::Value;
    Some(match v {
        Value::Bool(_) => ("Boolean".into(), false),
        Value::Number(n) if n.is_f64() => ("Double".into(), false),
        Value::Number(n) => {
            (if n.as_i64().is_some_and(|x| i32::try_from(x).is_err()) { "Int64" } else { "Int32" }.into(), false)
        }
        Value::String(s) => {
            let l = s.to_ascii_lowercase();
            let t = if l.contains("timestamp") || l.contains("datetime") || l.starts_with("datetimeoffset") {
                "DateTimeOffset"
            } else {
                primitive(l.split([' ', '(']).next().unwrap_or("")).unwrap_or("String")
            };
            (t.into(), false)
        }
        Value::Object(m) => {
            let t = m.get("@odata.type").and_then(|t| t.as_str())?;
            let t = t.trim_start_matches('#');
            (
                if split_qualified(t).0 == Some(DEFAULT_NAMESPACE) {
                    split_qualified(t).1.to_string()
                } else {
                    t.to_string()
                },
                false,
            )
        }
        Value::Array(items) => {
            let (t, _) = infer_json_type(items.first()?)?;
            (t, true)
        }
        Value::Null => return None,
    })
}

/// Reads a property, relationship or parameter table.
fn read_property_table(page: &Page, t: &Table, navigation: bool, diags: &mut Vec<Diagnostic>) -> Vec<RawProperty> {
    let name_col = t.column(|h| {
        matches!(
            h,
            "property"
                | "property name"
                | "name"
                | "relationship"
                | "relationship name"
                | "parameter"
                | "parameter name"
                | "properties"
        )
    });
    let type_col = t.column(|h| h == "type" || h == "type name" || h == "data type");
    let desc_col = t.column(|h| h.starts_with("description"));
    let Some(name_col) = name_col else {
        diags.push(page.diag(
            Code::TableNoNameColumn,
            t.header.first().map(|c| c.span).unwrap_or(t.span),
            "this table has no Property, Name or Parameter column",
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for row in &t.rows {
        let Some(name_cell) = row.cells.get(name_col) else { continue };
        let bare = |s: &str| s.trim().trim_matches(|c: char| c == '*' || c == '`').trim().to_string();
        let name = bare(&parse::plain_text(name_cell.text));
        // Newer pages qualify a name in parentheses: `isBroadcast (deprecated)`, `shownContext
        // (preview)`. The property is the identifier before them.
        let (name, qualifier) = match name.strip_suffix(')').and_then(|n| n.split_once('(')) {
            Some((ident, q)) if is_property_name(&bare(ident)) => (bare(ident), q.trim().to_ascii_lowercase()),
            _ => (name, String::new()),
        };
        // Property names are identifiers; instance annotations (`@odata.etag`) and the tails of
        // wrapped rows are not properties.
        if !is_property_name(&name) {
            continue;
        }
        let type_cell = type_col.and_then(|c| row.cells.get(c));
        let mut ty = type_cell.and_then(|c| parse::type_cell(c.text, &page.ref_defs));
        // A description that starts in the type cell (`[x](x.md) collection. Holds ...`): the
        // first sentence is the type.
        if ty.is_none()
            && let Some(c) = type_cell
            && let Some((head, _)) = c.text.split_once(". ")
            && let Some(r) = parse::type_cell(head, &page.ref_defs)
        {
            diags.push(page.diag(
                Code::TypeCellOverflow,
                c.span,
                format!("the type cell goes on after the type; `{}` is read as the type", head.trim()),
            ));
            ty = Some(r);
        }
        let alternatives: Vec<TypeRef> = match (&ty, type_cell) {
            (None, Some(c)) if c.text.contains(" or ") => {
                c.text.split(" or ").filter_map(|part| parse::type_cell(part, &page.ref_defs)).collect()
            }
            _ => Vec::new(),
        };
        // A type cell that reads as nothing is worth a diagnostic; an empty one too, but only
        // when the table has a type column at all.
        if let Some(c) = type_cell
            && ty.is_none()
            && alternatives.len() < 2
        {
            diags.push(page.diag(
                Code::UnrecognisedTypeCell,
                if c.text.is_empty() { row.span } else { c.span },
                format!("cannot read `{}` as a type", c.text),
            ));
        }
        let desc_md = desc_col.and_then(|c| row.cells.get(c)).map(|c| c.text).unwrap_or("");
        // Descriptions that overflowed into extra cells (unescaped `|`) are joined back.
        let desc_md = if row.cells.len() > t.header.len() && desc_col == Some(t.header.len() - 1) {
            let last = desc_col.unwrap_or(0);
            let start = row.cells[last].span.start;
            let end = row.cells.last().map(|c| c.span.end).unwrap_or(start);
            page.span_text(Span::new(start, end))
        } else {
            desc_md
        };
        let description = parse::plain_text(desc_md);
        let lower = description.to_ascii_lowercase();
        // "Inherited from [x]" opens a sentence; "is inherited from another scope" inside a
        // sentence describes the property's meaning, not where it is declared.
        let mentions = INHERITED.any_in(&lower);
        let md_lower = if mentions { desc_md.to_ascii_lowercase() } else { String::new() };
        // Only when the phrase is there at all: even over an empty text, `match_indices` sets up
        // its search, once per row of every table.
        let linked = mentions
            && md_lower
                .match_indices("inherited from")
                .any(|(k, _)| md_lower[k + "inherited from".len()..].trim_start().starts_with('['));
        let inherited_at = if mentions {
            lower
                .match_indices("inherited from")
                .map(|(i, _)| i)
                .find(|&i| linked || i == 0 || description[..i].trim_end().ends_with(['.', ')', ':']))
        } else {
            None
        };
        let inherited_from = inherited_at.map(|i| {
            // The link in the description cell names the declaring type.
            let k = md_lower
                .match_indices("inherited from")
                .map(|(k, _)| k)
                .find(|&k| {
                    k == 0
                        || parse::plain_text(&desc_md[..k]).trim_end().ends_with(['.', ')', ':'])
                        || desc_md[..k].trim().is_empty()
                })
                .unwrap_or(0);
            let tail = &desc_md[k..];
            match parse::type_cell(first_link(tail).unwrap_or(""), &page.ref_defs) {
                Some(r) => (r.name, r.link),
                None => {
                    let w = description[i + "inherited from".len()..].split_whitespace().next().unwrap_or("");
                    (w.trim_matches(|c: char| !c.is_alphanumeric() && c != '.').to_string(), None)
                }
            }
        });
        let nullable = if NOT_NULLABLE.any_in(&lower) {
            Some(false)
        } else if NULLABLE.any_in(&lower) {
            Some(true)
        } else {
            None
        };
        out.push(RawProperty {
            name,
            type_cell: type_cell.map(|c| c.text.to_string()).unwrap_or_default(),
            type_span: type_cell.map(|c| c.span).unwrap_or(row.span),
            ty,
            navigation,
            nullable,
            read_only: READ_ONLY.any_in(&lower),
            possible_values: possible_values(desc_md),
            description,
            inherited_from,
            from_json: false,
            alternatives,
            // Most names have no qualifier; a substring search of an empty one still costs
            // setting the search up.
            deprecated: !qualifier.is_empty() && qualifier.contains("deprecated"),
            shown_as_enum: false,
            span: name_cell.span,
        });
    }
    out
}

// The phrases a property's description is searched for, with searchers built once:
// `str::contains` would set up a new search for every one of the thousands of table rows.
static INHERITED: Phrases = Phrases::new(&["inherited from"]);
// `not null` also finds `not nullable`.
static NOT_NULLABLE: Phrases = Phrases::new(&["not null", "non-nullable"]);
static NULLABLE: Phrases = Phrases::new(&["nullable"]);
static READ_ONLY: Phrases = Phrases::new(&["read-only", "read only"]);

/// An identifier as Graph names properties: a letter or `_` first, then letters, digits and `_`.
fn is_property_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn first_link(md: &str) -> Option<&str> {
    let open = md.find('[')?;
    let rest = &md[open..];
    let close = rest.find(']')?;
    let after = &rest[close + 1..];
    let len = if after.starts_with('(') {
        close + 1 + after.find(')')? + 1
    } else if after.starts_with('[') {
        close + 1 + after.find(']')? + 1
    } else {
        close + 1
    };
    Some(&rest[..len])
}

/// Values of a "Possible values are: `a`, `b`" phrase in any of its phrasings.
pub fn possible_values(md: &str) -> Vec<String> {
    // Every phrase below says "value"; most descriptions do not.
    static VALUE: Phrases = Phrases::new(&["alue"]);
    if !VALUE.any_in(md) {
        return Vec::new();
    }
    let lower = md.to_ascii_lowercase();
    static PHRASES: Phrases = Phrases::new(&[
        "possible value",
        "supported values are",
        "supported values:",
        "allowed values are",
        "allowed values:",
        "valid values are",
        "valid values:",
    ]);
    let Some((i, len)) = PHRASES.earliest(&lower).map(|(i, p)| (i, p.len())) else {
        return Vec::new();
    };
    let mut rest = &md[i + len..];
    rest = rest.trim_start_matches(['s', 'S']);
    // Skip the verb and an optional colon: "are:", "is", "for x are:", "being".
    match rest.find(':') {
        Some(c) if c < 60 && !rest[..c].contains('`') => rest = &rest[c + 1..],
        _ => {
            let r = rest.trim_start();
            for w in ["are", "is", "being", "include"] {
                if let Some(x) = r.strip_prefix(w) {
                    rest = x;
                    break;
                }
            }
        }
    }
    let rest = rest.replace("**", "`").replace(['\'', '"'], "`");
    let rest = rest.trim_start();
    let mut out = Vec::new();
    if rest.starts_with('`') {
        let mut s = rest;
        while let Some(body) = s.strip_prefix('`') {
            let Some(end) = body.find('`') else { break };
            let v = body[..end].trim();
            if !v.is_empty() && v.len() < 80 {
                out.push(v.to_string());
            }
            s = body[end + 1..].trim_start();
            // Separators between values.
            loop {
                let before = s;
                s = s.trim_start_matches([',', '|', ';', ' ', '/']).trim_start();
                for w in ["and ", "or "] {
                    if let Some(x) = s.strip_prefix(w) {
                        s = x;
                    }
                }
                if s == before {
                    break;
                }
            }
            // A value may carry a short explanation up to the next comma (`none` for user
            // created lists, `defaultList` for **Tasks** list, ...): skipped when another value
            // follows it.
            if !s.starts_with('`')
                && let Some(comma) = s.find(',')
                && comma < 80
                && !s[..comma].contains(". ")
            {
                let next = s[comma + 1..].trim_start();
                let next = next.strip_prefix("and ").or_else(|| next.strip_prefix("or ")).unwrap_or(next);
                if next.starts_with('`') {
                    s = next;
                }
            }
            if !s.starts_with('`') {
                break;
            }
        }
    } else {
        let sentence = rest.split(". ").next().unwrap_or(rest).trim_end_matches('.');
        for part in sentence.split([',', '|']) {
            let p = part.trim();
            let p = p.strip_prefix("and ").or_else(|| p.strip_prefix("or ")).unwrap_or(p).trim();
            if p.is_empty() {
                continue;
            }
            if !p.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') {
                break;
            }
            out.push(p.to_string());
        }
    }
    out
}

fn read_enum_page(page: &Page, d: &mut PageDecls) {
    let name = page
        .title
        .as_ref()
        .map(|t| title_type_name(&t.0))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| file_stem(page.path).to_string());
    let namespace = page.namespace.clone().unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
    // The page's own member table: the first member table not under a `### x values` heading.
    let table = page
        .tables
        .iter()
        .find(|t| t.column(|h| h == "member" || h == "name").is_some() && !is_values_heading(page, t.place.heading));
    if let Some(t) = table {
        let members = read_member_table(t);
        let loc = page.title.as_ref().map(|t| t.1).unwrap_or(t.span);
        d.enums.push(RawEnum {
            name,
            namespace,
            description: page.front.get("description").map(parse::plain_text).unwrap_or_default(),
            members,
            loc,
        });
    }
}

fn is_values_heading(page: &Page, h: Option<usize>) -> bool {
    h.and_then(|i| page.headings.get(i))
        .is_some_and(|h| h.level >= 2 && h.text.to_ascii_lowercase().ends_with(" values"))
}

/// `### operationStatus values` headings followed by a member table.
fn read_enum_sections(page: &Page, d: &mut PageDecls) {
    let namespace = page.namespace.clone().unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
    let mut seen = FxHashSet::default();
    for t in &page.tables {
        if !is_values_heading(page, t.place.heading) || !seen.insert(t.place.heading) {
            continue;
        }
        if t.column(|h| h == "member" || h == "name" || h == "value").is_none() {
            continue;
        }
        let h = &page.headings[t.place.heading.unwrap_or(0)];
        let name = h.text[..h.text.len() - " values".len()].trim().trim_matches('`').to_string();
        if name.is_empty() || name.contains(' ') {
            continue;
        }
        let members = read_member_table(t);
        d.enums.push(RawEnum { name, namespace: namespace.clone(), description: String::new(), members, loc: h.span });
    }
}

fn read_member_table(t: &Table) -> Vec<(String, Option<i64>, String, Span)> {
    let name_col = t.column(|h| h == "member" || h == "name").unwrap_or(0);
    let value_col = t.column(|h| h == "value" || h == "int value");
    let desc_col = t.column(|h| h.starts_with("description"));
    let mut out = Vec::new();
    for row in &t.rows {
        let Some(c) = row.cells.get(name_col) else { continue };
        let name = parse::plain_text(c.text);
        let name = name.trim();
        if name.is_empty() || name.contains(' ') {
            continue;
        }
        let value =
            value_col.and_then(|i| row.cells.get(i)).and_then(|c| parse::plain_text(c.text).trim().parse::<i64>().ok());
        let desc = desc_col.and_then(|i| row.cells.get(i)).map(|c| parse::plain_text(c.text)).unwrap_or_default();
        out.push((name.to_string(), value, desc, c.span));
    }
    out
}

fn read_operation(page: &Page, diags: &mut Vec<Diagnostic>) -> Option<RawOperation> {
    let (title, title_span) =
        page.title.clone().unwrap_or_else(|| (page.front.get("title").unwrap_or("").to_string(), Span::default()));
    // Paths: every code block in the HTTP request section.
    let mut method: Option<Method> = None;
    let mut paths = Vec::new();
    let mut extra_paths: Vec<(Method, Vec<HttpPath>)> = Vec::new();
    let mut saw_section = false;
    for b in &page.code_blocks {
        if !in_http_request_section(page, b.place) {
            continue;
        }
        saw_section = true;
        for (off, line) in &b.lines {
            let l = line.trim();
            if l.is_empty() {
                continue;
            }
            let (word, rest) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            let lspan = Span::new(*off + (line.len() - line.trim_start().len()), off + line.trim_end().len());
            let Some(m) = Method::parse(word) else {
                if word.chars().all(|c| c.is_ascii_uppercase()) && word.len() >= 3 {
                    diags.push(page.diag(Code::UnknownMethod, lspan, format!("unknown HTTP method `{word}`")));
                }
                continue;
            };
            // Pages occasionally document a second method; its paths become an operation of
            // their own.
            let other = method.is_some_and(|mm| mm != m);
            if method.is_none() {
                method = Some(m);
            }
            let parsed = parse_path(rest.trim());
            if let Some((_, Some(query), _)) = &parsed {
                check_query(page, lspan, query, diags);
            }
            match parsed {
                Some((template, query, params)) if other => {
                    let (line_no, col) = page.line_col(lspan.start);
                    let path = HttpPath {
                        template,
                        params,
                        query,
                        loc: Loc { file: page.path.to_string(), line: line_no, column: col },
                    };
                    match extra_paths.iter_mut().find(|(mm, _)| *mm == m) {
                        Some((_, v)) => v.push(path),
                        None => extra_paths.push((m, vec![path])),
                    }
                }
                Some((template, query, params)) => {
                    if template != rest.trim().split('?').next().unwrap_or("").trim()
                        && !rest.trim().starts_with("http")
                        && rest.trim().starts_with('/')
                    {
                        let raw = strip_version(rest.trim().split('?').next().unwrap_or("").trim());
                        if raw != template {
                            diags.push(page.diag(
                                Code::PathLiteralId,
                                lspan,
                                format!("`{raw}` is read as `{template}`"),
                            ));
                        }
                    }
                    let (line_no, col) = page.line_col(lspan.start);
                    paths.push(HttpPath {
                        template,
                        params,
                        query,
                        loc: Loc { file: page.path.to_string(), line: line_no, column: col },
                    });
                }
                None => {
                    diags.push(page.diag(Code::UnresolvablePath, lspan, format!("`{}` is not a path", rest.trim())));
                }
            }
        }
    }
    if method.is_none() {
        // Without a documented path, the request examples are the only source: their paths,
        // with literal ids turned into placeholders, stand in for the missing section.
        for (m, path) in example_paths(page) {
            if method.is_some_and(|mm| mm != m) {
                continue;
            }
            method = Some(m);
            if !paths.iter().any(|p: &HttpPath| p.template == path.template) {
                paths.push(path);
            }
        }
        let msg = match (saw_section, method.is_some()) {
            (true, false) => "the HTTP request section has no `METHOD /path` line",
            (false, false) => "the page has no HTTP request section",
            (true, true) => {
                "the HTTP request section has no `METHOD /path` line; the paths of the request examples are used"
            }
            (false, true) => "the page has no HTTP request section; the paths of the request examples are used",
        };
        diags.push(page.diag(Code::MissingHttpRequest, title_span, msg));
    }
    let method = method?;
    // Request body: a link to the resource in prose, and a parameter/property table.
    let mut body_type_link = None;
    let mut body_collection = false;
    let mut body_span = Span::default();
    let mut has_content = false;
    let mut no_body = false;
    // Pages write the section as `## Request body`, or as `### Request body` under the HTTP
    // request section.
    let in_body_section = |place: parse::Place| in_section(page, place, "request body");
    for p in &page.paragraphs {
        if !in_body_section(p.place) {
            continue;
        }
        has_content = true;
        let lower = p.text.to_ascii_lowercase();
        if lower.contains("do not supply") || lower.contains("don't supply") || lower.contains("no request body") {
            no_body = true;
        }
        if body_type_link.is_none()
            && (lower.contains("json representation") || lower.contains("object") || lower.contains("supply"))
            && let Some(l) = p
                .links(page)
                .iter()
                .find(|l| l.dest.contains(".md") && !l.dest.starts_with("http") && !l.dest.contains("/concepts/"))
        {
            body_type_link = Some((l.text.to_string(), l.dest.to_string()));
            body_collection = names_collection_of(&lower, &l.text.to_ascii_lowercase());
            body_span = l.span;
        }
    }
    let mut body_properties = Vec::new();
    for t in &page.tables {
        if in_body_section(t.place) && t.column(|h| h == "type").is_some() {
            if body_span == Span::default() {
                body_span = t.span;
            }
            body_properties.extend(read_property_table(page, t, false, diags));
        }
    }
    if no_body && body_properties.is_empty() {
        body_type_link = None;
    }
    // Response: status and linked type from the first sentences.
    let mut response_status = None;
    let mut response_links = Vec::new();
    let mut response_collection = false;
    let mut response_span = Span::default();
    for p in &page.paragraphs {
        if !(heading_is(page, p.place.section, "response") || heading_is(page, p.place.section, "responses")) {
            continue;
        }
        if response_status.is_none() {
            response_status = status_in(&p.text);
            if response_status.is_some() {
                response_span = p.span;
                let lower = p.text.to_ascii_lowercase();
                let first_type = p
                    .links(page)
                    .iter()
                    .find(|l| l.dest.contains(".md"))
                    .map(|l| l.text.to_ascii_lowercase())
                    .unwrap_or_default();
                response_collection = names_collection_of(&lower, &first_type);
                response_links = p.links(page).iter().map(|l| (l.text.to_string(), l.dest.to_string())).collect();
            }
        }
    }
    // Permissions.
    let mut permissions = Vec::new();
    for t in page.tables.iter().filter(|t| is_permission_table(t)) {
        let kind_col = t.column(|h| h.starts_with("permission type")).unwrap_or(0);
        let scope_col = t.column(|h| h.starts_with("permission") && !h.starts_with("permission type")).unwrap_or(1);
        for row in &t.rows {
            let kind = row.cells.get(kind_col).map(|c| parse::plain_text(c.text)).unwrap_or_default();
            let Some(sc) = row.cells.get(scope_col) else { continue };
            let raw = parse::plain_text(sc.text);
            let (line, column) = page.line_col(row.span.start);
            if raw.contains("TODO") || raw.to_ascii_lowercase().contains("determine") {
                diags.push(page.diag(
                    Code::PermissionsUndetermined,
                    sc.span,
                    format!("the {kind} permissions are not determined: `{}`", raw.trim()),
                ));
                permissions.push(Permission {
                    kind,
                    scopes: Vec::new(),
                    loc: Loc { file: page.path.to_string(), line, column },
                });
                continue;
            }
            let lower = raw.to_ascii_lowercase();
            let scopes = if lower.starts_with("not supported") || lower.starts_with("none") || lower.is_empty() {
                Vec::new()
            } else {
                raw.split([',', ' '])
                    .map(|s| s.trim().trim_end_matches('.'))
                    .filter(|s| !s.is_empty() && s.contains('.') || s.ends_with(".All"))
                    .map(str::to_string)
                    .collect()
            };
            permissions.push(Permission { kind, scopes, loc: Loc { file: page.path.to_string(), line, column } });
        }
    }
    let media_types = documented_media_types(page);
    let description = page.front.get("description").map(parse::plain_text).unwrap_or_default();
    Some(RawOperation {
        title,
        description,
        method,
        paths,
        body_type_link,
        body_collection,
        body_properties,
        body_span,
        has_body_section_content: has_content,
        response_status,
        response_links,
        response_collection,
        response_span,
        permissions,
        media_types,
        extra_paths,
        loc: title_span,
    })
}

/// The media types that the `Content-Type` row of a page's Request headers table names, in
/// order and each once: `application/json`, or `text/plain` for the MIME content `sendMail`
/// also takes, or `text/html` for a OneNote page, whose examples are all `ignored` blocks.
fn documented_media_types(page: &Page) -> Vec<DocumentedMedia> {
    let mut out: Vec<DocumentedMedia> = Vec::new();
    for t in page.tables.iter().filter(|t| in_section(page, t.place, "request header")) {
        let row = t.rows.iter().find(|r| {
            r.cells.first().is_some_and(|c| parse::plain_text(c.text).trim().eq_ignore_ascii_case("content-type"))
        });
        let Some(row) = row else { continue };
        for cell in &row.cells[1..] {
            for m in media_types_in(&parse::plain_text(cell.text)) {
                if !out.iter().any(|o| o.media_type == m.media_type) {
                    out.push(m);
                }
            }
        }
    }
    out
}

/// The media types written in a sentence (`type/subtype` of a registered top-level type), each
/// with the word after a following `for`: "Use `application/json` for a JSON object and
/// `text/plain` for MIME content" gives `application/json` (JSON) and `text/plain` (MIME).
fn media_types_in(text: &str) -> Vec<DocumentedMedia> {
    const TOP: [&str; 9] = ["application", "text", "image", "audio", "video", "multipart", "message", "font", "model"];
    let is_part = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-');
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(slash) = rest.find('/') {
        let before = &rest[..slash];
        // The top-level type is the ASCII letters right before the slash.
        let top = &before[before.trim_end_matches(|c: char| c.is_ascii_alphabetic()).len()..];
        let after = &rest[slash + 1..];
        let sub_len = after.find(|c: char| !is_part(c)).unwrap_or(after.len());
        let sub = after[..sub_len].trim_end_matches(['.', '-', '+']);
        rest = &after[sub.len()..];
        if sub.is_empty() || !TOP.iter().any(|t| t.eq_ignore_ascii_case(top)) {
            continue;
        }
        let purpose = rest
            .trim_start_matches(|c: char| c == '`' || c.is_whitespace())
            .strip_prefix("for ")
            .and_then(|p| p.split_whitespace().find(|w| !matches!(*w, "a" | "an" | "the")))
            .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric()).to_string())
            .filter(|w| !w.is_empty());
        out.push(DocumentedMedia {
            media_type: format!("{}/{}", top.to_ascii_lowercase(), sub.to_ascii_lowercase()),
            purpose,
        });
    }
    out
}

/// Whether a sentence says the linked type comes as a collection: `a collection of [x]`,
/// `an array of [x]`, `[x] collection`, `list of [x]`. Other mentions of arrays ("arrays of
/// primitive types") do not count.
fn names_collection_of(sentence: &str, type_text: &str) -> bool {
    if type_text.is_empty() {
        return false;
    }
    let Some(at) = sentence.find(type_text) else { return false };
    let before = sentence[..at].trim_end();
    let after = sentence[at + type_text.len()..].trim_start();
    ["collection of", "array of", "list of", "collection of the", "array of the", "set of"]
        .iter()
        .any(|p| before.ends_with(p))
        || after.starts_with("collection")
        // A plural says it too: "the requested [timeOffRequest] objects", "all [openShift]
        // objects in the team".
        || ["objects", "items", "resources", "entities"].iter().any(|w| {
            after.strip_prefix(w).is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '\''))
        })
}

/// The method and templatised path of every annotated request example of a page.
fn example_paths(page: &Page) -> Vec<(Method, HttpPath)> {
    let mut out = Vec::new();
    for ann in &page.annotations {
        if ann.block_type().map(|b| b.trim().eq_ignore_ascii_case("request")) != Some(true) {
            continue;
        }
        let Some(b) = ann.block.and_then(|i| page.code_blocks.get(i)) else { continue };
        let Some((off, line)) = b.lines.iter().find(|(_, l)| !l.trim().is_empty()) else { continue };
        let l = line.trim();
        let (word, rest) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
        let Some(m) = Method::parse(word) else { continue };
        let url = strip_suffixes(rest.trim(), "HTTP/1.1").trim();
        let Some((path, _query)) = url_path(url) else { continue };
        let Some((template, query, params)) = parse_path(&path) else { continue };
        out.push((m, HttpPath { template, params, query, loc: loc_of(page, *off) }));
    }
    out
}

/// The first HTTP status code mentioned as `200 OK`, `204 No Content`, or `` `201 Created` ``.
fn status_in(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    for i in 0..b.len().saturating_sub(2) {
        if b[i].is_ascii_digit()
            && b[i + 1].is_ascii_digit()
            && b[i + 2].is_ascii_digit()
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
        {
            let after = b.get(i + 3).copied();
            if after.is_some_and(|c| c.is_ascii_alphanumeric()) {
                continue;
            }
            let code: u16 = text[i..i + 3].parse().ok()?;
            if (100..600).contains(&code) {
                return Some(code);
            }
        }
    }
    None
}

/// The media type of the bytes an operation of `method` sends as its body, when it has no JSON
/// body (`json_body`): its request examples all say, in `Content-Type`, that they send something
/// else (`text/plain` for a file's content, `image/jpeg` for a photo). One example without it
/// (the body is optional, as `createReply`'s MIME content is) leaves the operation as it is.
fn request_media_type(method: Method, json_body: bool, d: &PageDecls) -> Option<String> {
    if json_body || !matches!(method, Method::Post | Method::Put | Method::Patch) {
        return None;
    }
    let mut examples =
        d.examples.iter().filter_map(|e| e.request.as_ref()).filter(|(r, _)| r.method == method).peekable();
    examples.peek()?;
    let all: Option<Vec<&str>> =
        examples.map(|(r, _)| if r.body.is_some() { None } else { non_json_media(&r.headers) }).collect();
    all?.first().map(|media| media.to_string())
}

/// The media type of a body of bytes that only the Request headers table documents: its
/// `Content-Type` row names no JSON type, and the operation has no JSON body. A OneNote page is
/// created so, from HTML; its examples are `ignored` blocks.
fn documented_bytes_media(op: &RawOperation, json_body: bool) -> Option<String> {
    if json_body || !matches!(op.method, Method::Post | Method::Put | Method::Patch) {
        return None;
    }
    if op.media_types.iter().any(|m| is_json_media(&m.media_type)) {
        return None;
    }
    op.media_types.first().map(|m| m.media_type.clone())
}

/// The other form of an operation whose Request headers table takes JSON and something else
/// (`sendMail` takes MIME content as `text/plain`; a printer's update, IPP): the same paths and
/// answer, with a body of bytes of that media type, named after what the row says the type is
/// for (`sendMailMime`), else after its subtype (`updatePrinterIpp`).
fn alternative_media(raw: &RawOperation, op: &Operation) -> Option<Operation> {
    if op.request_media_type.is_some() || !raw.media_types.iter().any(|m| is_json_media(&m.media_type)) {
        return None;
    }
    let other = raw.media_types.iter().find(|m| !is_json_media(&m.media_type))?;
    let subtype = other.media_type.rsplit('/').next().unwrap_or_default();
    let word = other.purpose.as_deref().unwrap_or(subtype);
    let suffix: String =
        word.split(|c: char| !c.is_ascii_alphanumeric()).map(|w| upper_first(&w.to_ascii_lowercase())).collect();
    if suffix.is_empty() {
        return None;
    }
    let mut alt = op.clone();
    alt.name = format!("{}{suffix}", op.name);
    alt.request_body = None;
    alt.request_media_type = Some(other.media_type.clone());
    Some(alt)
}

/// Whether a `GET` answers with bytes rather than JSON: no JSON type is documented, and the path
/// ends in `/content` or `/$value` (a file's or a photo's bytes), or the answer is a redirect to
/// them (`302 Found`, as reports are), or a response example says so in `Content-Type`.
fn response_stream(method: Method, paths: &[HttpPath], response: Option<&ResponseInfo>, d: &PageDecls) -> bool {
    if method != Method::Get {
        return false;
    }
    // A redirect is to the bytes (reports say `report` for their CSV, which is not JSON).
    if response.is_some_and(|r| r.status == 302) {
        return true;
    }
    if response.is_some_and(|r| r.ty.is_some()) {
        return false;
    }
    let by_path = paths.iter().any(|p| {
        let last = p.template.trim_end_matches('/').rsplit(['/', ':']).next().unwrap_or("");
        last.eq_ignore_ascii_case("content") || last.eq_ignore_ascii_case("$value")
    });
    let by_example = d
        .examples
        .iter()
        .filter_map(|e| e.response.as_ref())
        .any(|(r, _)| r.body.is_none() && non_json_media(&r.headers).is_some());
    by_path || by_example
}

/// Reports the parts of a documented path's query that a client cannot send
/// ([`DocumentedQuery`]), each at its place on the path's line `line`.
fn check_query(page: &Page, line: Span, query: &str, diags: &mut Vec<Diagnostic>) {
    let text = page.span_text(line);
    for part in DocumentedQuery::of(query).left_out {
        let span = match text.find(part) {
            Some(at) => Span::new(line.start + at, line.start + at + part.len()),
            None => line,
        };
        diags.push(page.diag(
            Code::PathQueryPlaceholder,
            span,
            format!("`{part}` is not a `name=value` option with the placeholder in its value; the client method leaves it out"),
        ));
    }
}

/// Reads a documented path: strips a scheme, host and version, splits off the query and finds
/// the placeholders. Returns `None` when the text is not a path at all.
pub fn parse_path(raw: &str) -> Option<(String, Option<String>, Vec<PathParam>)> {
    let raw = strip_suffixes(raw.trim(), " HTTP/1.1");
    let mut p = raw.trim();
    if let Some(rest) = p.strip_prefix("https://").or_else(|| p.strip_prefix("http://")) {
        p = rest.find('/').map(|i| &rest[i..]).unwrap_or("/");
    }
    // `policies/claimsMappingPolicies`: a path written without its leading slash.
    let owned;
    if !p.starts_with('/') {
        let first = p.split('/').next().unwrap_or("");
        if p.contains('/') && !first.is_empty() && first.chars().all(|c| c.is_ascii_alphanumeric()) {
            owned = format!("/{p}");
            p = &owned;
        } else {
            return None;
        }
    }
    let p = strip_version(p);
    let (path, query) = match p.find('?') {
        Some(i) => (&p[..i], Some(p[i + 1..].to_string())),
        None => (p, None),
    };
    let path = path.trim_end();
    if path.contains(char::is_whitespace) && !path.contains('{') && !path.contains('\'') {
        return None;
    }
    let path = &templatise(path);
    let params = pieces(path)
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Placeholder(inner) => {
                let alternatives: Vec<String> =
                    inner.split('|').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
                (!alternatives.is_empty()).then(|| PathParam { placeholder: inner.to_string(), alternatives })
            }
            Piece::Literal(_) => None,
        })
        .collect();
    Some((path.to_string(), query, params))
}

/// Turns segments that are literal ids into placeholders: a GUID after `classes` becomes
/// `{classes-id}`, and `(team-id)` becomes `{team-id}`. Documented paths sometimes carry an
/// example's values instead of placeholders.
pub fn templatise(path: &str) -> String {
    let mut prev = "";
    let mut out = String::with_capacity(path.len() + 8);
    for (i, seg) in crate::parse::split_ascii(path, b'/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if crate::formats::is_guid(seg) {
            out.push('{');
            out.push_str(if prev.is_empty() { "item" } else { prev });
            out.push_str("-id}");
        } else if seg.len() > 2
            && seg.starts_with('(')
            && seg.ends_with(')')
            && seg[1..seg.len() - 1].chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            out.push('{');
            out.push_str(&seg[1..seg.len() - 1]);
            out.push('}');
        } else if let Some(args) = placeholder_arguments(seg) {
            out.push_str(&args);
        } else {
            out.push_str(seg);
            prev = seg;
        }
    }
    out
}

/// Function arguments that stand for a value rather than giving one become placeholders named
/// after the argument: `getRecentNotebooks(includePersonalNotebooks=includePersonalNotebooks-value)`,
/// `filterByCurrentUser(on='parameterValue')` and `columnsAfter(count=n)` give `{includePersonalNotebooks}`,
/// `'{on}'` and `{count}`, and `getRealTimeRemoteConnectionLatency(cloudPcId='id')` gives
/// `'{cloudPcId}'`. Values that look real (`'day'`, `640`) stay literal. `None` when the
/// segment has no such argument.
fn placeholder_arguments(seg: &str) -> Option<String> {
    let open = seg.find('(')?;
    let inner = seg[open + 1..].strip_suffix(')')?;
    if inner.contains(['(', ')', '{', '<']) {
        return None;
    }
    let mut changed = false;
    let args: Vec<String> = inner
        .split(',')
        .map(|arg| {
            let Some((name, value)) = arg.split_once('=') else { return arg.to_string() };
            // The argument's own spacing stays: examples write `(a=1, b=2)` as the docs do.
            let lead = &name[..name.len() - name.trim_start().len()];
            let (name, value) = (name.trim(), value.trim());
            let (quote, bare) = match value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
                Some(v) => ("'", v),
                None => ("", value),
            };
            // `id` and the argument's own name (`cloudPcId='id'`, `on=on`) stand for values too.
            let stands_for_value = bare.ends_with("-value")
                || bare == "parameterValue"
                || bare.eq_ignore_ascii_case("id")
                || bare.eq_ignore_ascii_case(name)
                || (bare.len() == 1 && bare.chars().all(|c| c.is_ascii_lowercase()));
            let is_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if stands_for_value && is_name {
                changed = true;
                format!("{lead}{name}={quote}{{{name}}}{quote}")
            } else {
                arg.to_string()
            }
        })
        .collect();
    changed.then(|| format!("{}({})", &seg[..open], args.join(",")))
}

/// `s` without every trailing copy of `suffix`, as `trim_end_matches` gives it, without the
/// substring search that sets up for every request line.
fn strip_suffixes<'s>(mut s: &'s str, suffix: &str) -> &'s str {
    if suffix.is_empty() {
        return s;
    }
    while let Some(rest) = s.strip_suffix(suffix) {
        s = rest;
    }
    s
}

/// Removes a leading `/v1.0`, `/beta` or `/v1` segment.
pub fn strip_version(p: &str) -> &str {
    for v in ["/v1.0", "/beta", "/v1", "/V1.0", "/Beta"] {
        if let Some(rest) = p.strip_prefix(v)
            && (rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
        {
            return if rest.is_empty() { "/" } else { rest };
        }
    }
    p
}

fn read_examples(page: &Page, d: &mut PageDecls) {
    let mut pending: Option<(Option<String>, RequestExample, Span)> = None;
    let mut last_used = 0usize;
    let mut count = 0;
    let mut finish = |d: &mut PageDecls,
                      name: Option<String>,
                      req: Option<(RequestExample, Span)>,
                      resp: Option<(ResponseExample, Span)>| {
        count += 1;
        let loc = req.as_ref().map(|r| r.1).or(resp.as_ref().map(|r| r.1)).unwrap_or_default();
        d.examples.push(RawExample { name, request: req, response: resp, loc });
    };
    for ann in &page.annotations {
        if ann.kind != AnnotationKind::Block {
            continue;
        }
        let Some(bt) = ann.block_type() else { continue };
        if parse::announces_include(ann) {
            continue;
        }
        let bt = bt.trim().to_ascii_lowercase();
        if !matches!(bt.as_str(), "request" | "response" | "resource" | "example" | "ignored" | "samples" | "") {
            d.diagnostics.push(page.diag(Code::UnknownBlockType, ann.json_span, format!("unknown blockType `{bt}`")));
            continue;
        }
        let Some(block) = ann.block.and_then(|i| page.code_blocks.get(i)) else { continue };
        let this_block = ann.block.unwrap_or(0);
        let used_before = last_used;
        if matches!(bt.as_str(), "request" | "response") {
            last_used = last_used.max(this_block);
        }
        match bt.as_str() {
            "request" => {
                if let Some((n, r, s)) = pending.take() {
                    d.diagnostics.push(page.diag(
                        Code::RequestWithoutResponse,
                        s,
                        "this request example has no response example after it",
                    ));
                    finish(d, n, Some((r, s)), None);
                }
                if let Some(req) = read_request(page, block, Some(ann), &mut d.diagnostics) {
                    pending = Some((ann.str("name").map(str::to_string), req, ann.span));
                }
            }
            "response" => {
                let resp = read_response(page, block, ann, &mut d.diagnostics);
                match pending.take() {
                    Some((n, r, s)) => {
                        finish(d, n.or(ann.str("name").map(str::to_string)), Some((r, s)), resp.map(|r| (r, ann.span)))
                    }
                    None => {
                        // The request is often there but annotated `ignored` (or not at all): the
                        // nearest http block before the response that starts with a method.
                        let found = unannotated_request(page, this_block, used_before);
                        if let Some((rb, req)) = found {
                            d.diagnostics.push(page.diag(
                                Code::ResponseWithoutRequest,
                                ann.span,
                                "the request of this response is not annotated as a request; the http block before it is taken as the request",
                            ));
                            let span = page.code_blocks[rb].span;
                            finish(
                                d,
                                ann.str("name").map(str::to_string),
                                Some((req, span)),
                                resp.map(|r| (r, ann.span)),
                            );
                            continue;
                        }
                        d.diagnostics.push(page.diag(
                            Code::ResponseWithoutRequest,
                            ann.span,
                            "this response example has no request example before it",
                        ));
                        if let Some(r) = resp {
                            finish(d, ann.str("name").map(str::to_string), None, Some((r, ann.span)));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if let Some((n, r, s)) = pending.take() {
        d.diagnostics.push(page.diag(
            Code::RequestWithoutResponse,
            s,
            "this request example has no response example after it",
        ));
        finish(d, n, Some((r, s)), None);
    }
    // Unannotated json/http blocks in example sections.
    for b in &page.code_blocks {
        if b.annotation.is_none()
            && matches!(b.info.as_str(), "json" | "http")
            && (heading_starts(page, b.place.section, "example")
                || heading_starts(page, b.place.section, "json representation"))
        {
            // The fence's line: its length is not `3 + info` when the fence is longer or the
            // info is padded (with no-break spaces, say).
            let from = b.span.start.min(page.text.len());
            let rest = &page.text[from..];
            let fence = rest[..rest.find('\n').unwrap_or(rest.len())].trim_end();
            d.diagnostics.push(page.diag(
                Code::CodeBlockUnannotated,
                Span::new(from, from + fence.len()),
                "this code block has no annotation",
            ));
        }
    }
}

fn loc_of(page: &Page, offset: usize) -> Loc {
    let (line, column) = page.line_col(offset);
    Loc { file: page.path.to_string(), line, column }
}

/// Splits an http example into its first line, headers and body, keeping source offsets.
struct HttpParts<'b> {
    first: Option<(usize, &'b str)>,
    headers: Vec<(usize, &'b str)>,
    body: String,
    body_offset: usize,
    /// Offset of each body line, for turning JSON error positions into page positions.
    body_lines: Vec<usize>,
}

fn split_http<'a>(b: &parse::CodeBlock<'a>) -> HttpParts<'a> {
    let mut it = b.lines.iter().skip_while(|(_, l)| l.trim().is_empty());
    let first = it.next().map(|(o, l)| (*o, *l));
    let mut headers = Vec::new();
    let mut body_lines: Vec<(usize, &str)> = Vec::new();
    let mut in_body = false;
    for (o, l) in it {
        if !in_body {
            let t = l.trim();
            if t.is_empty() {
                in_body = true;
                continue;
            }
            // JSON right after the headers without a blank line.
            if t.starts_with('{') || t.starts_with('[') {
                in_body = true;
            } else {
                headers.push((*o, *l));
                continue;
            }
        }
        body_lines.push((*o, *l));
    }
    while body_lines.last().is_some_and(|(_, l)| l.trim().is_empty()) {
        body_lines.pop();
    }
    let body_offset = body_lines.first().map(|b| b.0).unwrap_or(b.span.end);
    let body = body_lines.iter().map(|(_, l)| *l).collect::<Vec<_>>().join("\n");
    HttpParts { first, headers, body, body_offset, body_lines: body_lines.iter().map(|b| b.0).collect() }
}

fn parse_headers(page: &Page, parts: &HttpParts, diags: &mut Vec<Diagnostic>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (o, l) in &parts.headers {
        if let Some((k, v)) = l.split_once(':') {
            let k = k.trim().to_string();
            let v = v.trim().to_string();
            if k.eq_ignore_ascii_case("content-length")
                && let Ok(n) = v.parse::<usize>()
                && !parts.body.is_empty()
                // HTTP counts CRLF line ends; docs are written with LF. Either count is right,
                // with or without a final line break.
                && !body_lengths(&parts.body).contains(&n)
            {
                diags.push(page.diag(
                    Code::ContentLengthMismatch,
                    Span::new(*o, o + l.len()),
                    format!("Content-Length says {n} bytes but the body has {}", parts.body.len()),
                ));
            }
            out.push((k, v));
        }
    }
    out
}

/// The lengths a body may honestly be given: with LF or CRLF line ends, with or without a final
/// line break.
fn body_lengths(body: &str) -> [usize; 4] {
    let lf = body.len();
    let crlf = lf + body.matches('\n').count();
    [lf, lf + 1, crlf, crlf + 2]
}

fn parse_body(page: &Page, parts: &HttpParts, diags: &mut Vec<Diagnostic>) -> Option<serde_json::Value> {
    let t = parts.body.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    match serde_json::from_str::<serde_json::Value>(&parts.body) {
        Ok(v) => Some(v),
        Err(e) => {
            let line = e.line().max(1) - 1;
            let at = parts.body_lines.get(line).copied().unwrap_or(parts.body_offset) + e.column().saturating_sub(1);
            // serde_json's column counts bytes: the position can fall inside a character.
            diags.push(page.diag(
                Code::ExampleBodyJson,
                Span::char_at(page.text, at),
                format!("the example body is not valid JSON: {}", strip_position(&e.to_string())),
            ));
            None
        }
    }
}

fn strip_position(msg: &str) -> String {
    msg.split(" at line ").next().unwrap_or(msg).to_string()
}

/// The http block right before the response block `resp` (after `after`), outside the HTTP
/// request section, whose first line is `METHOD URL`, read as a request.
fn unannotated_request(page: &Page, resp: usize, after: usize) -> Option<(usize, RequestExample)> {
    // Blocks already taken by an example (the first block, 0, counts as free until used).
    let lo = if after == 0 { 0 } else { after + 1 };
    (lo..resp).rev().take(3).find_map(|i| {
        let b = &page.code_blocks[i];
        if !matches!(b.info.as_str(), "http" | "msgraph-interactive" | "") || in_http_request_section(page, b.place) {
            return None;
        }
        let first = b.lines.iter().map(|(_, l)| l.trim()).find(|l| !l.is_empty())?;
        Method::parse(first.split_whitespace().next()?)?;
        let ann = b.annotation.and_then(|a| page.annotations.get(a));
        let mut sink = Vec::new();
        read_request(page, b, ann, &mut sink).map(|r| (i, r))
    })
}

fn read_request(
    page: &Page,
    b: &parse::CodeBlock,
    ann: Option<&parse::Annotation>,
    diags: &mut Vec<Diagnostic>,
) -> Option<RequestExample> {
    let parts = split_http(b);
    let (off, line) = parts.first?;
    let l = line.trim();
    let lspan = Span::new(off, off + line.len());
    let (word, rest) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
    let Some(method) = Method::parse(word) else {
        if b.info == "json" {
            return None;
        }
        diags.push(page.diag(
            Code::UnknownMethod,
            lspan,
            format!("the request example does not start with an HTTP method: `{word}`"),
        ));
        return None;
    };
    let url = strip_suffixes(rest.trim(), "HTTP/1.1").trim().to_string();
    let headers = parse_headers(page, &parts, diags);
    let body = parse_body(page, &parts, diags);
    let text = body_text(&parts, body.as_ref());
    let (path, query) = url_path(&url).unwrap_or_default();
    Some(RequestExample {
        method,
        url,
        path,
        query,
        headers,
        body,
        text,
        odata_type: ann.and_then(|a| a.str("@odata.type")).map(str::to_string),
        loc: loc_of(page, off),
    })
}

/// The path (version removed) and query of an example URL; `None` when it is not a URL or path.
pub fn url_path(url: &str) -> Option<(String, Option<String>)> {
    let mut p = url.trim();
    if let Some(rest) = p.strip_prefix("https://").or_else(|| p.strip_prefix("http://")) {
        p = rest.find('/').map(|i| &rest[i..]).unwrap_or("/");
    }
    if !p.starts_with('/') {
        return None;
    }
    let p = strip_version(p);
    Some(match p.find('?') {
        Some(i) => (p[..i].to_string(), Some(p[i + 1..].to_string())),
        None => (p.to_string(), None),
    })
}

fn read_response(
    page: &Page,
    b: &parse::CodeBlock,
    ann: &parse::Annotation,
    diags: &mut Vec<Diagnostic>,
) -> Option<ResponseExample> {
    let mut odata_type = ann.str("@odata.type").or_else(|| ann.str("@type")).map(|t| t.trim().to_string());
    let mut is_collection = ann.flag("isCollection").unwrap_or(false);
    // `"@odata.type": "Collection(microsoft.graph.teamsTab)"` says both things at once (some
    // pages write `collection(`).
    if let Some(inner) =
        odata_type.as_deref().and_then(|t| strip_prefix_ci(t, "collection(")).and_then(|t| t.strip_suffix(')'))
    {
        odata_type = Some(inner.trim().to_string());
        is_collection = true;
    }
    let truncated = ann.flag("truncated").unwrap_or(false);
    if b.info != "http" {
        // A bare JSON response: the body is the whole block.
        let parts = HttpParts {
            first: None,
            headers: Vec::new(),
            body: b.content().trim_end().to_string(),
            body_offset: b.lines.first().map(|l| l.0).unwrap_or(b.span.start),
            body_lines: b.lines.iter().map(|l| l.0).collect(),
        };
        let body = parse_body(page, &parts, diags);
        return Some(ResponseExample {
            status: 200,
            headers: Vec::new(),
            body,
            text: None,
            odata_type,
            is_collection,
            truncated,
            loc: loc_of(page, parts.body_offset),
        });
    }
    let parts = split_http(b);
    let (off, line) = parts.first?;
    let l = line.trim();
    let lspan = Span::new(off, off + line.len());
    let status = match status_line(l) {
        Some((code, true)) => code,
        Some((code, false)) => {
            diags.push(page.diag(
                Code::MalformedStatusLine,
                lspan,
                format!("malformed status line `{l}`; expected `HTTP/1.1 {code} ...`"),
            ));
            code
        }
        None => {
            diags.push(page.diag(
                Code::MalformedStatusLine,
                lspan,
                format!("the response example does not start with a status line: `{l}`"),
            ));
            return None;
        }
    };
    let headers = parse_headers(page, &parts, diags);
    let body = parse_body(page, &parts, diags);
    let text = body_text(&parts, body.as_ref());
    Some(ResponseExample { status, headers, body, text, odata_type, is_collection, truncated, loc: loc_of(page, off) })
}

/// The body of an HTTP example as written, when there is one and it is not JSON: not even
/// broken JSON, which has its diagnostic (`example-body-json`) and is no text to send.
fn body_text(parts: &HttpParts, json: Option<&serde_json::Value>) -> Option<String> {
    let t = parts.body.trim();
    (json.is_none() && !t.is_empty() && !t.starts_with('{') && !t.starts_with('[')).then(|| t.to_string())
}

/// Reads `HTTP/1.1 200 OK`; returns the code and whether the line is well formed.
fn status_line(l: &str) -> Option<(u16, bool)> {
    let mut words = l.split_whitespace();
    let proto = words.next()?;
    let code = words.next()?;
    let code_n: u16 = code.parse().ok().filter(|c| (100..600).contains(c))?;
    let ok_proto = proto.starts_with("HTTP/") && proto.len() > 5;
    if ok_proto {
        return Some((code_n, true));
    }
    if proto.eq_ignore_ascii_case("http") || proto.to_ascii_uppercase().starts_with("HTTP") {
        return Some((code_n, false));
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Cross-page resolution

/// Primitive type names in all their spellings, to their EDM form.
pub fn primitive(name: &str) -> Option<&'static str> {
    // Lower-cased on the stack: this runs for every type cell and type reference, and no name
    // longer than `edm.datetimeoffset` can be one of these.
    let name = name.trim();
    let mut buf = [0u8; 18];
    let lower = buf.get_mut(..name.len())?;
    lower.copy_from_slice(name.as_bytes());
    lower.make_ascii_lowercase();
    let n = std::str::from_utf8(lower).ok()?;
    let n = n.strip_prefix("edm.").unwrap_or(n);
    Some(match n {
        "string" | "str" | "url" | "uri" => "String",
        "boolean" | "bool" => "Boolean",
        "int32" | "int" | "integer" => "Int32",
        "int64" | "long" => "Int64",
        "int16" => "Int16",
        "byte" => "Byte",
        "sbyte" => "SByte",
        "single" | "float" => "Single",
        "double" | "number" => "Double",
        "decimal" => "Decimal",
        "datetimeoffset" | "datetime" | "timestamp" => "DateTimeOffset",
        "date" => "Date",
        "timeofday" => "TimeOfDay",
        "duration" | "timespan" => "Duration",
        "guid" | "uuid" => "Guid",
        "binary" => "Binary",
        "stream" => "Stream",
        "json" | "object" => "Json",
        "untyped" => "Untyped",
        _ => return None,
    })
}

struct TypeEntry {
    page: usize,
    decl: usize,
    /// Other pages' definitions of the same type, merged into this one.
    extra: Vec<(usize, usize)>,
}

struct Resolver<'p, 'd> {
    pages: &'p [Page<'p>],
    decls: &'d [PageDecls],
    diags: &'d mut Vec<Diagnostic>,
    /// Lower-cased qualified name → type entry; first definition (by path) wins.
    types: BTreeMap<String, TypeEntry>,
    /// Lower-cased simple name → qualified keys.
    type_names: FxHashMap<String, Vec<String>>,
    enums: BTreeMap<String, (usize, usize)>,
    enum_names: FxHashMap<String, Vec<String>>,
    /// Each enum's members as a [`value_set`] → the keys of the enums with those members, in
    /// key order: a list of values shown as an enum is looked up here, instead of every enum's
    /// members being lower-cased and sorted again for each such property.
    enum_sets: FxHashMap<Vec<String>, Vec<String>>,
    /// Type key → the display name of the base type another page names it a derived type of.
    derived_from: FxHashMap<String, String>,
    /// Page path → the single type or enum it defines (qualified key, is_enum).
    page_defs: FxHashMap<String, (String, bool)>,
    /// Enums inferred from "Possible values" lists: qualified key → (name, namespace, values, loc).
    inferred: BTreeMap<String, (String, String, Vec<String>, Loc)>,
    /// "Possible values" lists of properties typed with a defined enum, by enum key.
    enum_uses: FxHashMap<String, Vec<Vec<String>>>,
    /// Enums that a property's description calls multi-valued: flags enums, when their
    /// members carry no numbers to say so.
    multi_valued: FxHashSet<String>,
}

/// What resolving a reference adds besides its answer, in the order it happened: diagnostics,
/// and the evidence enums are made of. Types and operations are resolved in parallel, each into
/// effects of its own, and the effects are applied in the sequential order afterwards, so the
/// outcome is the same as one pass in that order.
#[derive(Default)]
struct Effects {
    diags: Vec<Diagnostic>,
    /// A "Possible values" list on a property whose type no page defines: (key, name,
    /// namespace, where, values); the first use of a key makes the enum, later ones add values.
    inferred: Vec<(String, String, String, Loc, Vec<String>)>,
    /// A "Possible values" list on a property typed with a defined enum: (enum key, values).
    enum_uses: Vec<(String, Vec<String>)>,
    /// Enum keys of properties described as multi-valued.
    multi_valued: Vec<String>,
}

#[derive(Clone)]
enum Resolved {
    Primitive(&'static str),
    Type(String),
    Enum(String),
}

impl<'p, 'd> Resolver<'p, 'd> {
    fn new(pages: &'p [Page<'p>], decls: &'d [PageDecls], diags: &'d mut Vec<Diagnostic>) -> Self {
        Resolver {
            pages,
            decls,
            diags,
            types: BTreeMap::new(),
            type_names: FxHashMap::default(),
            enums: BTreeMap::new(),
            enum_names: FxHashMap::default(),
            enum_sets: FxHashMap::default(),
            derived_from: FxHashMap::default(),
            page_defs: FxHashMap::default(),
            inferred: BTreeMap::new(),
            enum_uses: FxHashMap::default(),
            multi_valued: FxHashSet::default(),
        }
    }

    /// `moved` holds each page's operation paths and permissions, taken out of its declaration.
    fn build(&mut self, ir: &mut Ir, moved: Vec<(Vec<HttpPath>, Vec<Permission>)>) {
        self.index_definitions();
        self.build_types(ir);
        self.build_enums(ir);
        self.build_operations(ir, moved);
        // The kinds so far are each type's own page's hint; the inheritance trees, the
        // operations and every type's properties now say more. The keys the examples show,
        // which the next step needs, are gathered meanwhile.
        let decls = self.decls;
        let ((), shown) = rayon::join(|| kinds::settle(ir), || Resolver::shown_keys(decls));
        self.add_unlisted_keys(ir, shown);
        for (ti, pi) in kinds::entity_typed_properties(ir) {
            let (t, p) = (&ir.types[ti], &ir.types[ti].properties[pi]);
            let Some(page) = self.pages.iter().find(|pg| pg.path == p.loc.file) else { continue };
            let msg = format!(
                "`{}.{}` has the entity type `{}`, so it is a relationship, and is read as one",
                t.name, p.name, p.ty
            );
            self.diags.push(page.diag_at(p.loc.line, p.loc.column, Code::EntityAsProperty, msg));
        }
    }

    /// The keys of the objects each response example shows, by the example's type.
    fn shown_keys(decls: &[PageDecls]) -> FxHashMap<String, FxHashSet<&str>> {
        let mut shown: FxHashMap<String, FxHashSet<&str>> = FxHashMap::default();
        for d in decls {
            for (resp, _) in d.examples.iter().filter_map(|e| e.response.as_ref()) {
                let (Some(ty), Some(body)) = (&resp.odata_type, &resp.body) else { continue };
                let objects: Vec<&serde_json::Map<String, serde_json::Value>> = match body {
                    serde_json::Value::Object(o) => match o.get("value") {
                        Some(serde_json::Value::Array(items)) if resp.is_collection => {
                            items.iter().filter_map(|v| v.as_object()).collect()
                        }
                        _ => vec![o],
                    },
                    _ => Vec::new(),
                };
                let keys = shown.entry(ref_key(ty.trim_start_matches('#'))).or_default();
                keys.extend(objects.iter().flat_map(|o| o.keys().map(String::as_str)));
            }
        }
        shown
    }

    /// A root entity (an entity type without a base type) whose annotation names a
    /// `keyProperty` that its Properties table leaves out gets the key as a read-only `String`
    /// when a response example of the type shows it: without it an SDK user could not address
    /// the entities the service returns. The example is the proof, because docs also paste the
    /// annotation onto keyless singletons (`print`) and complex types. Types whose base the
    /// docs do not define are left alone (the base may declare the key).
    fn add_unlisted_keys(&mut self, ir: &mut Ir, shown: FxHashMap<String, FxHashSet<&str>>) {
        for t in &mut ir.types {
            if t.kind != TypeKind::Entity || t.base.is_some() {
                continue;
            }
            let tkey = type_key(&t.namespace, &t.name);
            let Some(entry) = self.types.get(&tkey) else { continue };
            let Some((key, span)) = &self.decls[entry.page].types[entry.decl].key_property else { continue };
            if t.properties.iter().any(|p| p.name.eq_ignore_ascii_case(key))
                || !shown.get(&tkey).is_some_and(|keys| keys.contains(key.as_str()))
            {
                continue;
            }
            let page = &self.pages[entry.page];
            let msg = format!(
                "the annotation names `{key}` as the key of `{}`, and its examples show it, but the Properties table does not list it; the SDK adds it as a read-only String",
                t.name
            );
            let mut d = page.diag(Code::KeyPropertyUnlisted, *span, msg);
            d.help = Some(format!("add a `{key}` row to the Properties table"));
            self.diags.push(d);
            t.properties.insert(
                0,
                Property {
                    name: key.clone(),
                    ty: "String".to_string(),
                    collection: false,
                    navigation: false,
                    nullable: Some(false),
                    read_only: true,
                    description: "The entity's key. Read-only.".to_string(),
                    possible_values: Vec::new(),
                    deprecated: false,
                    loc: loc_of(page, span.start),
                },
            );
        }
    }

    fn index_definitions(&mut self) {
        // Several pages may define one type (an Intune page adds to `user`); the page named
        // after the type is the definition, and the others add their properties to it.
        let mut all: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
        for (pi, d) in self.decls.iter().enumerate() {
            for (ti, t) in d.types.iter().enumerate() {
                all.entry(type_key(&t.namespace, &t.name)).or_default().push((pi, ti));
            }
        }
        for (key, defs) in all {
            let rank = |&(pi, ti): &(usize, usize)| {
                let t = &self.decls[pi].types[ti];
                let named = file_stem(self.pages[pi].path).eq_ignore_ascii_case(&t.name);
                (!named, std::cmp::Reverse(t.properties.len()), pi)
            };
            let primary = *defs.iter().min_by_key(|d| rank(d)).unwrap_or(&defs[0]);
            let extra: Vec<(usize, usize)> = defs.iter().copied().filter(|d| *d != primary).collect();
            let (pi, ti) = primary;
            for &(epi, eti) in &extra {
                let t = &self.decls[epi].types[eti];
                let msg = format!(
                    "type `{}` is defined by {} too; the properties listed here are merged into that definition",
                    t.name, self.pages[pi].path
                );
                self.diags.push(self.pages[epi].diag(Code::DuplicateType, t.loc, msg));
            }
            let t = &self.decls[pi].types[ti];
            self.type_names.entry(t.name.to_ascii_lowercase()).or_default().push(key.clone());
            self.types.insert(key, TypeEntry { page: pi, decl: ti, extra });
        }
        for (pi, d) in self.decls.iter().enumerate() {
            let page = &self.pages[pi];
            if d.types.len() == 1 {
                let t = &d.types[0];
                let key = type_key(&t.namespace, &t.name);
                self.page_defs.insert(page.path.to_ascii_lowercase(), (key, false));
            }
            for (ei, e) in d.enums.iter().enumerate() {
                let key = type_key(&e.namespace, &e.name);
                if self.enums.contains_key(&key) {
                    // enums.md and an enum page may both list a type; the first (by path) wins
                    // silently here, and disagreements are the validator's business.
                    continue;
                }
                self.enums.insert(key.clone(), (pi, ei));
                self.enum_names.entry(e.name.to_ascii_lowercase()).or_default().push(key.clone());
                if d.enums.len() == 1 && d.types.is_empty() {
                    self.page_defs.insert(page.path.to_ascii_lowercase(), (key, true));
                }
            }
        }
        // Bases named from the other side; the first base page (by key) that names a type wins.
        let mut derived_from: FxHashMap<String, String> = FxHashMap::default();
        for (key, e) in &self.types {
            let t = &self.decls[e.page].types[e.decl];
            for (name, link) in &t.derived {
                let r = TypeRef { name: name.clone(), collection: false, link: link.clone() };
                if let Some(Resolved::Type(k)) = self.resolve(&self.pages[e.page], &r)
                    && k != *key
                {
                    derived_from.entry(k).or_insert_with(|| self.display_name(&Resolved::Type(key.clone())));
                }
            }
        }
        self.derived_from = derived_from;
        for (key, &(pi, ei)) in &self.enums {
            let members = value_set(self.decls[pi].enums[ei].members.iter().map(|m| &m.0));
            self.enum_sets.entry(members).or_default().push(key.clone());
        }
    }

    /// Resolves a type reference made on `page`. `None` when nothing matches.
    fn resolve(&self, page: &Page, r: &TypeRef) -> Option<Resolved> {
        if let Some(p) = primitive(&r.name) {
            return Some(Resolved::Primitive(p));
        }
        let (ns, name) = split_qualified(&r.name);
        let lname = name.to_ascii_lowercase();
        let page_ns = page.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
        // A link to a page that defines exactly one type settles ambiguity.
        if let Some(link) = &r.link
            && let Some(target) = self.link_target(page, link)
            && let Some((key, is_enum)) = self.page_defs.get(&target)
            && (key.rsplit('.').next() == Some(lname.as_str())
                || key.rsplit('.').next().is_some_and(|k| k.ends_with(lname.as_str())))
        {
            // The target page's type is the text's type, or a specialisation of its name
            // (`[servicePrincipal](provisioningserviceprincipal.md)`): the page linked to wins.
            return Some(if *is_enum { Resolved::Enum(key.clone()) } else { Resolved::Type(key.clone()) });
        }
        if let Some(k) = pick_key(&self.types, &self.type_names, ns, name, page_ns) {
            return Some(Resolved::Type(k));
        }
        if let Some(k) = pick_key(&self.enums, &self.enum_names, ns, name, page_ns) {
            return Some(Resolved::Enum(k));
        }
        None
    }

    /// The one documented enum whose members are exactly `values` (ignoring case), preferring
    /// the page's namespace: the type of a `String` property that the JSON representation
    /// shows as an enumeration of its possible values.
    fn enum_listing(&self, page: &Page, values: &[String]) -> Option<String> {
        let page_ns = page.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE).to_ascii_lowercase();
        let matching: Vec<&String> = self.enum_sets.get(&value_set(values)).into_iter().flatten().collect();
        let prefix = format!("{page_ns}.");
        let local: Vec<&String> = matching.iter().copied().filter(|k| k.starts_with(&prefix)).collect();
        match (local.as_slice(), matching.as_slice()) {
            ([k], _) | ([], [k]) => Some((*k).clone()),
            _ => None,
        }
    }

    /// The docs path (lower-cased) a relative link from `page` points to.
    fn link_target(&self, page: &Page, link: &str) -> Option<String> {
        let file = link.split('#').next()?.trim();
        if file.is_empty() || file.contains("://") {
            return None;
        }
        let mut target = crate::parse::join(page.path, file);
        target.make_ascii_lowercase();
        Some(target)
    }

    fn display_name(&self, r: &Resolved) -> String {
        match r {
            Resolved::Primitive(p) => p.to_string(),
            Resolved::Type(k) => {
                let e = &self.types[k];
                let t = &self.decls[e.page].types[e.decl];
                qualify(&t.namespace, &t.name)
            }
            Resolved::Enum(k) => {
                if let Some(&(pi, ei)) = self.enums.get(k) {
                    let e = &self.decls[pi].enums[ei];
                    qualify(&e.namespace, &e.name)
                } else if let Some((name, ns, _, _)) = self.inferred.get(k) {
                    qualify(ns, name)
                } else {
                    k.clone()
                }
            }
        }
    }

    /// Resolves a property's type to its IR spelling, inferring an enum from possible values when
    /// the type names nothing, and reporting what cannot be resolved.
    fn property_type(&self, page: &Page, p: &RawProperty, fx: &mut Effects) -> String {
        if p.ty.is_none() && p.alternatives.len() >= 2 {
            return self.common_base(page, &p.alternatives, fx).unwrap_or_else(|| "Json".to_string());
        }
        let Some(r) = &p.ty else { return "Json".to_string() };
        if r.name.eq_ignore_ascii_case("enumeration") || r.name.eq_ignore_ascii_case("enum") {
            return "String".to_string();
        }
        let multi_valued = says_multi_valued(&p.description);
        let listed = p.shown_as_enum.then(|| self.enum_listing(page, &p.possible_values)).flatten().map(Resolved::Enum);
        if let Some(res) = listed.or_else(|| self.resolve(page, r)) {
            if let Resolved::Enum(k) = &res {
                if !p.possible_values.is_empty() {
                    fx.enum_uses.push((k.clone(), p.possible_values.clone()));
                }
                if multi_valued {
                    fx.multi_valued.push(k.clone());
                }
            }
            return self.display_name(&res);
        }
        let (ns, name) = split_qualified(&r.name);
        let namespace =
            ns.map(str::to_string).or_else(|| page.namespace.clone()).unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
        if p.from_json {
            // A sample value's `@odata.type` that no page defines: keep the name, say nothing;
            // the docs never claimed to define it.
            return qualify(&namespace, name);
        }
        if !p.possible_values.is_empty() && !name.contains('.') {
            let key = type_key(&namespace, name);
            let loc = loc_of(page, p.type_span.start);
            if multi_valued {
                fx.multi_valued.push(key.clone());
            }
            fx.inferred.push((key, name.to_string(), namespace.clone(), loc, p.possible_values.clone()));
            return qualify(&namespace, name);
        }
        let mut d = page.diag(Code::UnresolvedType, p.type_span, format!("no page defines the type `{}`", r.name));
        if let Some(s) = self.suggest(name) {
            d.help = Some(format!("did you mean `{s}`?"));
        }
        fx.diags.push(d);
        qualify(&namespace, name)
    }

    fn suggest(&self, name: &str) -> Option<String> {
        let lname = name.to_ascii_lowercase();
        let mut best: Option<(usize, &String)> = None;
        for k in self.type_names.keys().chain(self.enum_names.keys()) {
            let dist = edit_distance(&lname, k);
            if dist <= 2.max(lname.len() / 5) && best.is_none_or(|(b, bk)| dist < b || dist == b && k < bk) {
                best = Some((dist, k));
            }
        }
        best.map(|(_, k)| {
            let key = self
                .type_names
                .get(k)
                .or_else(|| self.enum_names.get(k))
                .and_then(|v| v.first())
                .cloned()
                .unwrap_or_default();
            self.types
                .get(&key)
                .map(|e| self.decls[e.page].types[e.decl].name.clone())
                .or_else(|| self.enums.get(&key).map(|&(p, e)| self.decls[p].enums[e].name.clone()))
                .unwrap_or_else(|| k.clone())
        })
    }

    /// Applies effects in the order given (see [`Effects`]).
    fn apply(&mut self, all: Vec<Effects>) {
        for fx in all {
            self.diags.extend(fx.diags);
            for (key, name, namespace, loc, values) in fx.inferred {
                let entry = self.inferred.entry(key).or_insert_with(|| (name, namespace, Vec::new(), loc));
                for v in values {
                    if !entry.2.contains(&v) {
                        entry.2.push(v);
                    }
                }
            }
            for (key, values) in fx.enum_uses {
                self.enum_uses.entry(key).or_default().push(values);
            }
            self.multi_valued.extend(fx.multi_valued);
        }
    }

    fn build_types(&mut self, ir: &mut Ir) {
        let keys: Vec<String> = self.types.keys().cloned().collect();
        // Bases first: JSON-only properties are kept only when no ancestor declares them.
        let (bases, fx): (Vec<(String, Option<String>)>, Vec<Effects>) = keys
            .par_iter()
            .with_max_len(crate::PIECE)
            .map(|key| {
                let e = &self.types[key];
                let (pi, ti) = (e.page, e.decl);
                let mut fx = Effects::default();
                let b = self.base_of(&self.pages[pi], &self.decls[pi].types[ti], &mut fx);
                ((key.clone(), b), fx)
            })
            .unzip();
        self.apply(fx);
        let bases: FxHashMap<String, Option<String>> = bases.into_iter().collect();
        let (defs, fx): (Vec<(String, TypeDef)>, Vec<Effects>) =
            keys.par_iter().with_max_len(crate::PIECE).map(|key| self.type_def(key, &bases)).unzip();
        self.apply(fx);
        self.finish_types(ir, defs);
    }

    /// One type with its properties resolved.
    fn type_def(&self, key: &str, bases: &FxHashMap<String, Option<String>>) -> ((String, TypeDef), Effects) {
        let mut fx = Effects::default();
        let e = &self.types[key];
        let (pi, ti) = (e.page, e.decl);
        let page = &self.pages[pi];
        let t = &self.decls[pi].types[ti];
        let mut properties = Vec::new();
        let mut raw: Vec<(usize, &RawProperty)> = t.properties.iter().map(|p| (pi, p)).collect();
        for &(epi, eti) in &e.extra {
            for p in &self.decls[epi].types[eti].properties {
                if !raw.iter().any(|(_, q)| q.name.eq_ignore_ascii_case(&p.name)) {
                    raw.push((epi, p));
                }
            }
        }
        let inherited = self.ancestor_property_names(key, bases);
        for p in &t.json_properties {
            let lname = p.name.to_ascii_lowercase();
            if !inherited.contains(&lname) && !raw.iter().any(|(_, q)| q.name.eq_ignore_ascii_case(&p.name)) {
                raw.push((pi, p));
            }
        }
        for (ppi, p) in raw {
            let page = &self.pages[ppi];
            let ty = self.property_type(page, p, &mut fx);
            properties.push(Property {
                name: p.name.clone(),
                ty,
                collection: p.ty.as_ref().is_some_and(|r| r.collection),
                navigation: p.navigation,
                nullable: p.nullable,
                read_only: p.read_only,
                description: p.description.clone(),
                possible_values: p.possible_values.clone(),
                deprecated: p.deprecated,
                loc: loc_of(page, p.span.start),
            });
        }
        let def = TypeDef {
            name: t.name.clone(),
            namespace: t.namespace.clone(),
            kind: if t.entity_hint { TypeKind::Entity } else { TypeKind::Complex },
            base: bases.get(key).cloned().flatten(),
            is_abstract: t.is_abstract,
            open: t.open,
            description: t.description.clone(),
            properties,
            loc: loc_of(page, t.loc.start),
        };
        ((key.to_string(), def), fx)
    }

    /// Inheritance cycles, which need every type; then the types go into the IR in name order.
    /// Their kinds are still each page's own hint; [`kinds::settle`] decides them at the end.
    fn finish_types(&mut self, ir: &mut Ir, defs: Vec<(String, TypeDef)>) {
        let by_key: FxHashMap<String, usize> = defs.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect();
        let base_key = |d: &TypeDef| d.base.as_deref().map(ref_key);
        for i in 0..defs.len() {
            // A type is on a cycle when following its bases leads back to it.
            let mut seen = FxHashSet::default();
            let mut cur = i;
            let on_cycle = loop {
                if !seen.insert(cur) {
                    break cur == i;
                }
                match base_key(&defs[cur].1).and_then(|k| by_key.get(&k).copied()) {
                    Some(n) => cur = n,
                    None => break false,
                }
            };
            if on_cycle {
                let d = &defs[i].1;
                if let Some(page) = self.pages.iter().find(|p| p.path == d.loc.file) {
                    let msg = format!("`{}` inherits from itself", d.name);
                    self.diags.push(page.diag_at(d.loc.line, d.loc.column, Code::InheritanceCycle, msg));
                }
            }
        }
        ir.types.extend(defs.into_iter().map(|(_, d)| d));
        ir.types.sort_by_key(|a| {
            (a.namespace.to_ascii_lowercase(), a.name.to_ascii_lowercase(), a.namespace.clone(), a.name.clone())
        });
    }

    /// The nearest type that all the alternatives are or derive from.
    fn common_base(&self, page: &Page, alts: &[TypeRef], fx: &mut Effects) -> Option<String> {
        let mut chains: Vec<Vec<String>> = Vec::new();
        for a in alts {
            let Some(Resolved::Type(k)) = self.resolve(page, a) else { return None };
            let mut chain = vec![k.clone()];
            let mut cur = k;
            for _ in 0..32 {
                let e = &self.types[&cur];
                let (pi, ti) = (e.page, e.decl);
                let Some(b) = self.base_of(&self.pages[pi], &self.decls[pi].types[ti], fx) else { break };
                cur = ref_key(&b);
                if chain.contains(&cur) || !self.types.contains_key(&cur) {
                    break;
                }
                chain.push(cur.clone());
            }
            chains.push(chain);
        }
        let first = chains.first()?.clone();
        let common = first.into_iter().find(|k| chains.iter().all(|c| c.contains(k)))?;
        Some(self.display_name(&Resolved::Type(common)))
    }

    /// Lower-cased names of the properties the ancestors of `key` declare in their tables (and
    /// their own JSON representations).
    fn ancestor_property_names(&self, key: &str, bases: &FxHashMap<String, Option<String>>) -> FxHashSet<String> {
        let mut out = FxHashSet::default();
        let mut cur = bases.get(key).cloned().flatten();
        let mut seen = FxHashSet::default();
        while let Some(b) = cur {
            let k = ref_key(&b);
            if !seen.insert(k.clone()) {
                break;
            }
            let Some(e) = self.types.get(&k) else { break };
            let t = &self.decls[e.page].types[e.decl];
            out.extend(t.properties.iter().chain(&t.json_properties).map(|p| p.name.to_ascii_lowercase()));
            for &(epi, eti) in &e.extra {
                out.extend(self.decls[epi].types[eti].properties.iter().map(|p| p.name.to_ascii_lowercase()));
            }
            cur = bases.get(&k).cloned().flatten();
        }
        out
    }

    /// The base type: the annotation's baseType, else the "Inherits from" sentence, else the most
    /// derived of the types that "Inherited from" rows name, else the type whose page lists this
    /// one among its derived types.
    fn base_of(&self, page: &Page, t: &RawType, fx: &mut Effects) -> Option<String> {
        let resolve_name = |this: &Self, name: &str, link: Option<&String>| -> Option<String> {
            let r = TypeRef { name: name.to_string(), collection: false, link: link.cloned() };
            match this.resolve(page, &r)? {
                Resolved::Type(k) => Some(this.display_name(&Resolved::Type(k))),
                _ => None,
            }
        };
        if let Some(b) = &t.base_annotation
            && let Some(n) = resolve_name(self, b, None)
        {
            return Some(n);
        }
        if let Some((name, link)) = &t.base_sentence
            && let Some(n) = resolve_name(self, name, link.as_ref())
        {
            return Some(n);
        }
        let mut cands: Vec<String> = Vec::new();
        for (name, link) in &t.base_rows {
            if let Some(n) = resolve_name(self, name, link.as_ref())
                && !cands.contains(&n)
                && !n.eq_ignore_ascii_case(&qualify(&t.namespace, &t.name))
            {
                cands.push(n);
            }
        }
        // The most derived candidate is the one whose ancestors include all the others.
        let ancestors = |this: &Self, n: &str| -> Vec<String> {
            let mut out = Vec::new();
            let mut cur = n.to_string();
            for _ in 0..32 {
                let key = ref_key(&cur);
                let Some(e) = this.types.get(&key) else { break };
                let raw = &this.decls[e.page].types[e.decl];
                let Some(b) = raw.base_annotation.clone().or_else(|| raw.base_sentence.as_ref().map(|s| s.0.clone()))
                else {
                    break;
                };
                let b = split_qualified(&b).1.to_string();
                out.push(b.to_ascii_lowercase());
                cur = b;
            }
            out
        };
        if cands.is_empty() && t.base_annotation.is_none() && t.base_sentence.is_none() {
            // Only the base type's page says so.
            return self.derived_from.get(&type_key(&t.namespace, &t.name)).cloned();
        }
        let mut best = cands.first().cloned();
        for c in &cands {
            let anc = ancestors(self, c);
            if cands.iter().all(|o| o == c || anc.contains(&split_qualified(o).1.to_ascii_lowercase())) {
                best = Some(c.clone());
                break;
            }
        }
        if best.is_none() {
            let named = t.base_annotation.clone().or_else(|| t.base_sentence.as_ref().map(|s| s.0.clone()));
            if let Some(b) = named {
                let span = t.loc;
                let mut d = page.diag(
                    Code::UnresolvedType,
                    span,
                    format!("the base type `{b}` of `{}` is defined by no page", t.name),
                );
                if let Some(s) = self.suggest(split_qualified(&b).1) {
                    d.help = Some(format!("did you mean `{s}`?"));
                }
                fx.diags.push(d);
                return Some(split_qualified(&b).1.to_string());
            }
        }
        best
    }

    fn build_enums(&mut self, ir: &mut Ir) {
        for (key, &(pi, ei)) in &self.enums {
            let page = &self.pages[pi];
            let e = &self.decls[pi].enums[ei];
            let mut members: Vec<EnumMember> = e
                .members
                .iter()
                .map(|(name, value, desc, span)| EnumMember {
                    name: name.clone(),
                    value: *value,
                    description: desc.clone(),
                    loc: loc_of(page, span.start),
                })
                .collect();
            // A member table copied from another enum (enums.md lists `changeType` with the
            // members of `countryLookupMethodType`) is overruled by the properties' own lists.
            let names: Vec<&str> = e.members.iter().map(|m| m.0.as_str()).collect();
            let copied_from = self.decls[pi].enums.iter().find(|o| {
                o.name != e.name && names.len() >= 2 && o.members.iter().map(|m| m.0.as_str()).eq(names.iter().copied())
            });
            if let (Some(other), Some(uses)) = (copied_from, self.enum_uses.get(key))
                && uses.iter().all(|u| u.iter().all(|v| !names.iter().any(|n| n.eq_ignore_ascii_case(v))))
            {
                let msg = format!(
                    "the members of `{}` repeat those of `{}`, and no property typed `{}` lists them; the properties' values are used instead",
                    e.name, other.name, e.name
                );
                self.diags.push(page.diag(Code::EnumValuesDisagree, e.loc, msg));
                members.clear();
                for v in uses.iter().flatten() {
                    if !members.iter().any(|m| m.name == *v) {
                        members.push(EnumMember {
                            name: v.clone(),
                            value: None,
                            description: String::new(),
                            loc: loc_of(page, e.loc.start),
                        });
                    }
                }
            } else if let Some(uses) = self.enum_uses.get(key) {
                // Values that a property's list gives but the table omits are members too: the
                // table is the incomplete one (validation reports the disagreement).
                for v in uses.iter().flatten() {
                    if is_property_name(v) && !members.iter().any(|m| m.name.eq_ignore_ascii_case(v)) {
                        members.push(EnumMember {
                            name: v.clone(),
                            value: None,
                            description: String::new(),
                            loc: loc_of(page, e.loc.start),
                        });
                    }
                }
            }
            let mut def = make_enum(&e.name, &e.namespace, &e.description, members, false, loc_of(page, e.loc.start));
            self.mark_multi_valued(key, &mut def);
            ir.enums.push(def);
        }
        for (key, (name, ns, values, loc)) in &self.inferred {
            if self.enums.contains_key(key) {
                continue;
            }
            let members = values
                .iter()
                .map(|v| EnumMember { name: v.clone(), value: None, description: String::new(), loc: loc.clone() })
                .collect();
            let mut def = make_enum(name, ns, "", members, true, loc.clone());
            self.mark_multi_valued(key, &mut def);
            ir.enums.push(def);
        }
        ir.enums.sort_by_key(|a| {
            (a.namespace.to_ascii_lowercase(), a.name.to_ascii_lowercase(), a.namespace.clone(), a.name.clone())
        });
    }

    /// An enum whose members carry no numbers is a flags enum when a property using it says it
    /// is multi-valued (`joiner,leaver`); numbered members decide by their numbers alone.
    fn mark_multi_valued(&self, key: &str, def: &mut EnumDef) {
        if self.multi_valued.contains(key) && def.members.iter().all(|m| m.value.is_none()) {
            def.flags = true;
        }
    }

    fn build_operations(&mut self, ir: &mut Ir, moved: Vec<(Vec<HttpPath>, Vec<Permission>)>) {
        // Pages are independent here; their results are joined in page order.
        let per_page: Vec<(Vec<Operation>, Vec<Example>, Effects)> = moved
            .into_par_iter()
            .enumerate()
            .with_max_len(crate::PIECE)
            .map(|(pi, (paths, permissions))| self.page_operations(pi, paths, permissions))
            .collect();
        let mut fx = Vec::with_capacity(per_page.len());
        for (ops, examples, effects) in per_page {
            // Examples name their operation by its index on the page; the IR's are global.
            let first = ir.operations.len();
            ir.operations.extend(ops);
            ir.examples.extend(examples.into_iter().map(|mut ex| {
                ex.operation = ex.operation.map(|o| o + first);
                ex
            }));
            fx.push(effects);
        }
        self.apply(fx);
    }

    /// The operations of one page (the documented one, then one per extra method) and its
    /// examples, each naming its operation by index among these. `paths` and `permissions` are
    /// those of the page's operation, moved out of its declaration.
    fn page_operations(
        &self,
        pi: usize,
        paths: Vec<HttpPath>,
        permissions: Vec<Permission>,
    ) -> (Vec<Operation>, Vec<Example>, Effects) {
        let mut fx = Effects::default();
        let page = &self.pages[pi];
        let d = &self.decls[pi];
        let mut ops: Vec<Operation> = Vec::new();
        if let Some(op) = &d.operation {
            let mut response = self.response(page, op, d);
            if let Some(r) = response.as_mut()
                && r.collection
                && op.method == Method::Get
                && !paths.is_empty()
                && paths.iter().all(|p| ends_with_key(&p.template))
            {
                fx.diags.push(page.diag(
                    Code::ResponseCollectionByKey,
                    op.response_span,
                    format!(
                        "the response is documented as a collection of `{}`, but `{}` addresses one by its key",
                        r.ty.as_deref().unwrap_or("?"),
                        paths[0].template
                    ),
                ));
                r.collection = false;
            }
            let request_body = self
                .request_body(page, op, &mut fx)
                .or_else(|| self.request_body_from_example(page, op, d, response.as_ref(), &mut fx));
            let media_type = request_media_type(op.method, request_body.is_some(), d)
                .or_else(|| documented_bytes_media(op, request_body.is_some()));
            let stream = response_stream(op.method, &paths, response.as_ref(), d);
            let main = Operation {
                name: operation_name(&op.title),
                title: op.title.clone(),
                description: op.description.clone(),
                method: op.method,
                paths,
                request_body,
                request_media_type: media_type,
                response,
                response_stream: stream,
                permissions,
                loc: loc_of(page, op.loc.start),
            };
            ops.push(main);
            for (m, paths) in &op.extra_paths {
                let mut extra = ops[0].clone();
                extra.name = format!("{}{}", m.as_str().to_ascii_lowercase(), upper_first(&extra.name));
                extra.method = *m;
                extra.loc = paths[0].loc.clone();
                extra.paths = paths.clone();
                if matches!(m, Method::Get | Method::Delete) {
                    extra.request_body = None;
                }
                extra.request_media_type = request_media_type(*m, extra.request_body.is_some(), d);
                extra.response_stream = response_stream(*m, &extra.paths, extra.response.as_ref(), d);
                ops.push(extra);
            }
            // The other form of the page's own method comes after every method's first, so that
            // examples keep going to the JSON form.
            if let Some(alt) = alternative_media(op, &ops[0]) {
                ops.push(alt);
            }
        }
        // An example belongs to the operation of its request's method, else to the page's own. A
        // request that sends another media type than JSON (`Content-type: text/plain` for
        // `sendMail`'s MIME form) belongs to the form of the method that takes that type.
        let op_index = (!ops.is_empty()).then_some(0);
        let examples = d
            .examples
            .iter()
            .enumerate()
            .map(|(n, ex)| {
                let name = ex.name.clone().unwrap_or_else(|| format!("{}-example-{}", file_stem(page.path), n + 1));
                let method = ex.request.as_ref().map(|r| r.0.method);
                let media =
                    ex.request.as_ref().filter(|r| r.0.body.is_none()).and_then(|r| non_json_media(&r.0.headers));
                let same_media = |o: &Operation| {
                    let (Some(want), Some(has)) = (media, o.request_media_type.as_deref()) else { return false };
                    media_essence(want).eq_ignore_ascii_case(media_essence(has))
                };
                let operation = ops
                    .iter()
                    .position(|o| Some(o.method) == method && same_media(o))
                    .or_else(|| ops.iter().position(|o| Some(o.method) == method))
                    .or(op_index);
                Example {
                    name,
                    operation,
                    // Moved in by `move_example_bodies` once resolution is done.
                    request: None,
                    response: None,
                    path_match: None,
                    verdict: Verdict::Pending,
                    response_type: None,
                    loc: loc_of(page, ex.loc.start),
                }
            })
            .collect();
        (ops, examples, fx)
    }

    /// A body the page shows only in its request example: the resource itself for an update
    /// (PATCH or PUT returning that resource), the type the body's `@odata.type` names, or else
    /// free-form JSON. A note says the body type was not documented.
    fn request_body_from_example(
        &self,
        page: &Page,
        op: &RawOperation,
        d: &PageDecls,
        response: Option<&ResponseInfo>,
        fx: &mut Effects,
    ) -> Option<RequestBody> {
        let (req, span) = d
            .examples
            .iter()
            .find_map(|e| e.request.as_ref().filter(|(r, _)| r.body.is_some() && r.method == op.method))?;
        let body = req.body.as_ref()?;
        let named = body.get("@odata.type").and_then(|t| t.as_str()).or(req.odata_type.as_deref()).and_then(|t| {
            let r = TypeRef { name: t.trim_start_matches('#').to_string(), collection: false, link: None };
            match self.resolve(page, &r) {
                Some(res @ Resolved::Type(_)) => Some(self.display_name(&res)),
                _ => None,
            }
        });
        let update_of = match op.method {
            Method::Patch | Method::Put => response.filter(|r| !r.collection).and_then(|r| r.ty.clone()),
            _ => None,
        };
        // Graph's conventions where the page says nothing: a POST that answers `201 Created`
        // with one resource creates that resource from the body, and an update page
        // (`domain-update.md`, "Update domain") that answers `204` changes the resource it is
        // named after.
        let created = (op.method == Method::Post)
            .then(|| response.filter(|r| r.status == 201 && !r.collection).and_then(|r| r.ty.clone()))
            .flatten();
        let updated_resource = || {
            if !matches!(op.method, Method::Patch | Method::Put) || !op.title.to_ascii_lowercase().starts_with("update")
            {
                return None;
            }
            let stem = file_stem(page.path);
            let resource = stem.strip_suffix("-update")?;
            let r = TypeRef { name: resource.to_string(), collection: false, link: None };
            match self.resolve(page, &r) {
                Some(res @ Resolved::Type(_)) => Some(self.display_name(&res)),
                _ => None,
            }
        };
        let ty = named.or(update_of).or(created).or_else(updated_resource);
        let msg = match &ty {
            Some(t) => format!("the request body is documented only by its example; it is taken as `{t}`"),
            None => {
                "the request body is documented only by its example; the client takes it as free-form JSON".to_string()
            }
        };
        let mut diag = page.diag(Code::RequestBodyUndocumented, *span, msg);
        diag.help = Some(Code::RequestBodyUndocumented.fix().to_string());
        fx.diags.push(diag);
        Some(RequestBody {
            ty: Some(ty.unwrap_or_else(|| "Json".to_string())),
            collection: body.is_array(),
            properties: Vec::new(),
            loc: loc_of(page, span.start),
        })
    }

    fn request_body(&self, page: &Page, op: &RawOperation, fx: &mut Effects) -> Option<RequestBody> {
        if op.body_type_link.is_none() && op.body_properties.is_empty() {
            return None;
        }
        let ty = op.body_type_link.as_ref().and_then(|(text, dest)| {
            let r = TypeRef { name: text.trim().to_string(), collection: false, link: Some(dest.clone()) };
            match self.resolve(page, &r) {
                Some(res @ Resolved::Type(_)) => Some(self.display_name(&res)),
                // A link to a page this docs set lacks names a type nobody defines here: the
                // body is of that unknown type (read as any JSON), not a body of no parameters.
                None if op.body_properties.is_empty()
                    && is_property_name(&r.name)
                    && self
                        .link_target(page, dest)
                        .is_some_and(|t| !self.pages.iter().any(|p| p.path.eq_ignore_ascii_case(&t))) =>
                {
                    Some(r.name)
                }
                _ => None,
            }
        });
        // Only bodies that are the resource itself take the resource's type; a parameter table
        // with its own rows (actions) defines its own body.
        let is_resource_body = matches!(op.method, Method::Patch | Method::Put | Method::Post) && ty.is_some();
        let mut properties = Vec::new();
        for p in &op.body_properties {
            let t = self.body_property_type(page, p, ty.as_deref(), fx);
            properties.push(Property {
                name: p.name.clone(),
                ty: t,
                collection: p.ty.as_ref().is_some_and(|r| r.collection),
                navigation: false,
                nullable: p.nullable,
                read_only: p.read_only,
                description: p.description.clone(),
                possible_values: p.possible_values.clone(),
                deprecated: p.deprecated,
                loc: loc_of(page, p.span.start),
            });
        }
        let table_is_parameters = !op.body_properties.is_empty() && ty.is_none();
        Some(RequestBody {
            ty: if is_resource_body && !table_is_parameters { ty } else { None },
            collection: op.body_collection,
            properties,
            loc: loc_of(page, op.body_span.start),
        })
    }

    /// A request body row's type; `Enumeration` takes the type of the resource's property.
    fn body_property_type(&self, page: &Page, p: &RawProperty, resource: Option<&str>, fx: &mut Effects) -> String {
        if p.ty.as_ref().is_some_and(|r| r.name.eq_ignore_ascii_case("enumeration"))
            && let Some(res) = resource
            && let Some(t) = self.find_property_type(res, &p.name, fx)
        {
            return t;
        }
        self.property_type(page, p, fx)
    }

    /// The resolved type of a property on a type or its ancestors, from the raw declarations.
    fn find_property_type(&self, ty: &str, prop: &str, fx: &mut Effects) -> Option<String> {
        let mut cur = ty.to_string();
        for _ in 0..32 {
            let key = ref_key(&cur);
            let e = self.types.get(&key)?;
            let (pi, ti) = (e.page, e.decl);
            let raw = &self.decls[pi].types[ti];
            if let Some(p) = raw.properties.iter().find(|p| p.name.eq_ignore_ascii_case(prop)).cloned() {
                let page = &self.pages[pi];
                return Some(self.property_type(page, &p, fx));
            }
            let page = &self.pages[pi];
            let raw = &self.decls[pi].types[ti];
            cur = self.base_of(page, raw, fx)?;
        }
        None
    }

    fn response(&self, page: &Page, op: &RawOperation, d: &PageDecls) -> Option<ResponseInfo> {
        let mut ty = None;
        for (text, dest) in &op.response_links {
            if !dest.contains(".md") {
                continue;
            }
            let r = TypeRef { name: text.trim().to_string(), collection: false, link: Some(dest.clone()) };
            if let Some(res @ (Resolved::Type(_) | Resolved::Enum(_))) = self.resolve(page, &r) {
                ty = Some(self.display_name(&res));
                break;
            }
        }
        let ex = d.examples.iter().find_map(|e| e.response.as_ref());
        let mut collection = op.response_collection;
        if ty.is_none()
            && let Some((r, _)) = ex
            && let Some(t) = &r.odata_type
        {
            let r2 = TypeRef { name: t.trim_start_matches('#').to_string(), collection: false, link: None };
            if let Some(res @ Resolved::Type(_)) = self.resolve(page, &r2) {
                // "a list of [used](insights-used.md) items": the link's text is not the type's
                // name, but its page defines the example's type, so what the sentence says of
                // the link (a collection) holds for it. (Taking every link's page as the type
                // would mistype others: "[directory (deleted items)](directory.md) properties".)
                let linked = |key: &str| {
                    op.response_links.iter().any(|(_, dest)| {
                        self.link_target(page, dest)
                            .and_then(|target| self.page_defs.get(&target))
                            .is_some_and(|(k, _)| k == key)
                    })
                };
                collection =
                    r.is_collection || (op.response_collection && matches!(&res, Resolved::Type(k) if linked(k)));
                ty = Some(self.display_name(&res));
            }
        }
        let status = op.response_status.or(ex.map(|e| e.0.status))?;
        if status == 204 {
            ty = None;
        }
        Some(ResponseInfo {
            status,
            ty: ty.clone(),
            collection: collection && ty.is_some(),
            loc: loc_of(page, op.response_span.start),
        })
    }
}

/// Whether a path ends with a key placeholder (`/chats/{chat-id}`), so that it addresses one
/// resource. A function's arguments (`/search(q='{text}')`) and `$ref` are not keys.
fn ends_with_key(template: &str) -> bool {
    let pieces = pieces(template.trim_end_matches('/'));
    matches!(pieces.as_slice(), [.., Piece::Literal(l), Piece::Placeholder(_)] if l.ends_with('/'))
}

/// Finds a definition by exact qualified name, then in the referring page's namespace, then in
/// the default namespace, then the first candidate of that simple name.
fn pick_key<V>(
    map: &BTreeMap<String, V>,
    names: &FxHashMap<String, Vec<String>>,
    ns: Option<&str>,
    name: &str,
    page_ns: &str,
) -> Option<String> {
    if let Some(ns) = ns {
        let k = type_key(ns, name);
        if map.contains_key(&k) {
            return Some(k);
        }
    }
    let cands = names.get(&name.to_ascii_lowercase())?;
    let local = format!("{page_ns}.{name}").to_ascii_lowercase();
    if cands.contains(&local) {
        return Some(local);
    }
    let default = format!("{DEFAULT_NAMESPACE}.{name}").to_ascii_lowercase();
    if ns.is_none() && cands.contains(&default) {
        return Some(default);
    }
    cands.first().cloned()
}

/// "This property is multi-valued", "a multi-valued enumeration": the phrases pages use for
/// a property that holds several members of a flags enum at once.
fn says_multi_valued(description: &str) -> bool {
    // Nearly every description lacks the phrase; this check spares them a lower-cased copy.
    if !description.contains("ulti") {
        return false;
    }
    let lower = description.to_ascii_lowercase();
    lower.contains("multi-valued enum")
        || lower.contains("property is multi-valued")
        || lower.contains("multivalued enum")
}

fn make_enum(
    name: &str,
    namespace: &str,
    description: &str,
    members: Vec<EnumMember>,
    inferred: bool,
    loc: Loc,
) -> EnumDef {
    let evolvable = members.iter().any(|m| m.name.eq_ignore_ascii_case("unknownFutureValue"));
    let values: Vec<i64> = members.iter().filter_map(|m| m.value).collect();
    // Flags enums number their members 1, 2, 4, 8 ..., often with a `none` of 0 ("no flags
    // set"); at least three powers of two, 4 among them, to tell them from a plain 0, 1, 2.
    let is_power = |v: i64| v > 0 && v & (v - 1) == 0;
    let flags = values.len() == members.len()
        && values.iter().all(|&v| v == 0 || is_power(v))
        && values.iter().filter(|&&v| is_power(v)).count() >= 3
        && values.contains(&4);
    EnumDef {
        name: name.to_string(),
        namespace: namespace.to_string(),
        evolvable,
        flags,
        inferred,
        description: description.to_string(),
        members,
        loc,
    }
}

/// The IR spelling of a type name: unqualified in the default namespace, qualified elsewhere.
pub fn qualify(namespace: &str, name: &str) -> String {
    if namespace.eq_ignore_ascii_case(DEFAULT_NAMESPACE) || namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}.{name}")
    }
}

/// A stable operation name from a page title: `call: cancelMediaProcessing` → `cancelMediaProcessing`;
/// `Update cancelMediaProcessingOperation` → `updateCancelMediaProcessingOperation`.
pub fn operation_name(title: &str) -> String {
    let t = title.trim();
    if let Some((_, action)) = t.split_once(':') {
        let a = action.trim();
        if !a.is_empty() && a.chars().all(|c| c.is_alphanumeric()) {
            return a.to_string();
        }
    }
    let mut out = String::new();
    for (i, w) in t.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).enumerate() {
        let mut chars = w.chars();
        let first = chars.next().unwrap_or(' ');
        if i == 0 {
            out.extend(first.to_lowercase());
        } else {
            out.extend(first.to_uppercase());
        }
        out.push_str(chars.as_str());
    }
    out
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 3 {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_formats_that_name_a_primitive() {
        assert_eq!(string_format("String (double)"), Some("Double"));
        assert_eq!(string_format("String (timestamp)"), Some("DateTimeOffset"));
        assert_eq!(string_format(" string (Int64) "), Some("Int64"));
        assert_eq!(string_format("String (identifier)"), None);
        assert_eq!(string_format("String (URL)"), None);
        assert_eq!(string_format("String"), None);
        assert_eq!(string_format("String (double"), None);
        // A bare type name is read as one only where it cannot be prose.
        assert_eq!(string_format("guid"), Some("Guid"));
        assert_eq!(string_format("Int64"), Some("Int64"));
        assert_eq!(string_format("date"), None);
        assert_eq!(string_format("object"), None);
        assert_eq!(string_format("string"), None);
    }

    #[test]
    fn stripping_suffixes_is_trim_end_matches() {
        for s in ["", "GET /me", "GET /me HTTP/1.1", "GET /me HTTP/1.1 HTTP/1.1", "HTTP/1.1", "/me HTTP/1.11"] {
            for suffix in [" HTTP/1.1", "HTTP/1.1", ""] {
                assert_eq!(strip_suffixes(s, suffix), s.trim_end_matches(suffix), "{s:?} - {suffix:?}");
            }
        }
    }

    #[test]
    fn formats_that_fit_a_name() {
        assert!(format_fits_name("createdDateTime", "DateTimeOffset"));
        assert!(format_fits_name("birthday", "DateTimeOffset"));
        assert!(format_fits_name("startTime", "TimeOfDay"));
        assert!(!format_fits_name("displayName", "DateTimeOffset"));
        assert!(!format_fits_name("id", "Guid"));
        assert!(!format_fits_name("Id", "DateTimeOffset"));
        assert!(format_fits_name("progress", "Double"));
        assert!(format_fits_name("tenantId", "Guid"));
    }

    #[test]
    fn paths_that_end_with_a_key() {
        assert!(ends_with_key("/chats/{chat-id}"));
        assert!(ends_with_key("/users/{id | userPrincipalName}/"));
        assert!(!ends_with_key("/chats"));
        assert!(!ends_with_key("/drive/root/search(q='{search-text}')"));
        assert!(!ends_with_key("/groups/{id}/members/$ref"));
        assert!(!ends_with_key("{id}"));
    }

    #[test]
    fn capitalised_names_completed_by_the_file_name() {
        let complete = |path, name| name_completed_by_file(path, name);
        assert_eq!(complete("resources/identityuserflow.md", "UserFlow").as_deref(), Some("identityUserFlow"));
        // Names already whole, lowerCamelCase names, and file names that do not end with the
        // name are left alone.
        assert_eq!(complete("resources/userflow.md", "UserFlow"), None);
        assert_eq!(complete("resources/identityuserflow.md", "userFlow"), None);
        assert_eq!(complete("resources/json.md", "Json"), None);
        assert_eq!(complete("resources/intune-apps-userflow.md", "UserFlow"), None);
        assert_eq!(complete("resources/flows.md", "UserFlow"), None);
    }

    #[test]
    fn primitives_are_read_ignoring_case_and_the_edm_prefix() {
        for (name, want) in [
            ("String", Some("String")),
            (" Edm.DateTimeOffset ", Some("DateTimeOffset")),
            ("edm.datetimeoffset", Some("DateTimeOffset")),
            ("INT32", Some("Int32")),
            ("Edm.DateTimeOffsetX", None),
            ("microsoft.graph.resultInfo", None),
            ("strïng", None),
            ("", None),
        ] {
            assert_eq!(primitive(name), want, "{name:?}");
        }
    }

    #[test]
    fn possible_values_in_all_phrasings() {
        assert_eq!(
            possible_values("Possible values are: `notStarted`, `running`, `completed`, `failed`. Read-only."),
            ["notStarted", "running", "completed", "failed"]
        );
        assert_eq!(possible_values("The possible values are `a`, `b`, and `c`."), ["a", "b", "c"]);
        assert_eq!(possible_values("Possible values: `a` | `b`"), ["a", "b"]);
        assert_eq!(possible_values("Possible values are: none, low, high."), ["none", "low", "high"]);
        assert_eq!(possible_values("Possible values are **x**, **y**"), ["x", "y"]);
        assert!(possible_values("No list here.").is_empty());
        assert_eq!(
            possible_values(
                "Possible values are: `none` for user created list, `defaultList` for **Tasks** list, `unknownFutureValue`."
            ),
            ["none", "defaultList", "unknownFutureValue"]
        );
        // What follows the list's last value is not a value.
        assert_eq!(possible_values("Possible values are `a`, `b`. The default is `a`, not `c`."), ["a", "b"]);
    }

    #[test]
    fn function_arguments_that_stand_for_values_become_placeholders() {
        assert_eq!(
            templatise(
                "/me/onenote/notebooks/getRecentNotebooks(includePersonalNotebooks=includePersonalNotebooks-value)"
            ),
            "/me/onenote/notebooks/getRecentNotebooks(includePersonalNotebooks={includePersonalNotebooks})"
        );
        assert_eq!(templatise("/a/filterByCurrentUser(on='parameterValue')"), "/a/filterByCurrentUser(on='{on}')");
        assert_eq!(templatise("/r/columnsAfter(count=n)"), "/r/columnsAfter(count={count})");
        assert_eq!(
            templatise("/reports/getRealTimeRemoteConnectionLatency(cloudPcId='id')"),
            "/reports/getRealTimeRemoteConnectionLatency(cloudPcId='{cloudPcId}')"
        );
        assert_eq!(templatise("/d/thumbnails(width=640,height=480)"), "/d/thumbnails(width=640,height=480)");
        assert_eq!(
            templatise("/s/getActivitiesByInterval(interval='day')"),
            "/s/getActivitiesByInterval(interval='day')"
        );
    }

    #[test]
    fn paths_and_placeholders() {
        let (t, q, p) = parse_path("/users/{id | userPrincipalName}/calendar?$top=1").unwrap();
        assert_eq!(t, "/users/{id | userPrincipalName}/calendar");
        assert_eq!(q.as_deref(), Some("$top=1"));
        assert_eq!(p[0].alternatives, ["id", "userPrincipalName"]);
        let (t, _, _) = parse_path("https://graph.microsoft.com/v1.0/me").unwrap();
        assert_eq!(t, "/me");
        assert!(parse_path("** Entity URI for microsoft.graph.x not found").is_none());
        let (_, _, p) = parse_path("/me/workbook/range(address='<address>')").unwrap();
        assert_eq!(p[0].alternatives, ["address"]);
    }

    #[test]
    fn operation_names() {
        assert_eq!(operation_name("call: cancelMediaProcessing"), "cancelMediaProcessing");
        assert_eq!(operation_name("Update cancelMediaProcessingOperation"), "updateCancelMediaProcessingOperation");
        assert_eq!(operation_name("List users"), "listUsers");
    }

    #[test]
    fn media_types_in_a_sentence() {
        let got = |t: &str| -> Vec<(String, Option<String>)> {
            media_types_in(t).into_iter().map(|m| (m.media_type, m.purpose)).collect()
        };
        let m = |t: &str, p: Option<&str>| (t.to_string(), p.map(str::to_string));
        assert_eq!(
            got("Use application/json for a JSON object and text/plain for MIME content."),
            vec![m("application/json", Some("JSON")), m("text/plain", Some("MIME"))]
        );
        assert_eq!(got("image/jpeg. Required."), vec![m("image/jpeg", None)]);
        assert_eq!(
            got("text/html or application/xhtml+xml, or multipart/form-data; boundary=x"),
            vec![m("text/html", None), m("application/xhtml+xml", None), m("multipart/form-data", None)]
        );
        // Paths and typos are not media types.
        assert_eq!(got("See ../resources/user.md and application-json, and/or text/."), vec![]);
        assert_eq!(got("é/x ñtext/html"), vec![m("text/html", None)]);
    }

    #[test]
    fn status_lines() {
        assert_eq!(status_line("HTTP/1.1 200 OK"), Some((200, true)));
        assert_eq!(status_line("HTTP 201 Created"), Some((201, false)));
        assert_eq!(status_line("POST https://x"), None);
    }
}
