//! Diagnostics: what is wrong with a page, where, and how to fix it.
//!
//! Every stage pushes [`Diagnostic`]s into a collector (a page's [`PageDiagnostics`], or a
//! plain list) instead of stopping at the first problem. Positions are turned from byte offsets
//! into 1-based line:column here and only here ([`LineIndex`]), and byte offsets that may fall
//! inside a character are moved to its edges here too ([`floor_boundary`], [`Span::char_at`]).
//! Rendering for humans is the binaries' job; this module only holds data and the table of
//! codes.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($( $variant:ident = $code:literal, $sev:ident, $summary:literal, $fix:literal; )*) => {
        /// Every diagnostic code, with its default severity, meaning and fix. This is the one
        /// table of codes; `cargo xtask codes` prints it and DIAGNOSTICS.md is made from it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant),* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];
            pub fn as_str(self) -> &'static str { match self { $(Code::$variant => $code),* } }
            pub fn severity(self) -> Severity { match self { $(Code::$variant => Severity::$sev),* } }
            pub fn summary(self) -> &'static str { match self { $(Code::$variant => $summary),* } }
            pub fn fix(self) -> &'static str { match self { $(Code::$variant => $fix),* } }
            pub fn parse(s: &str) -> Option<Code> { match s { $($code => Some(Code::$variant),)* _ => None } }
        }
    };
}

codes! {
    PageUnreadable = "page-unreadable", Error,
        "The page's file could not be read: a link that leads nowhere, or no permission to read it.",
        "Fix the file or the link, or remove it.";
    PageNotUtf8 = "page-not-utf8", Error,
        "The page is not UTF-8 text (an editor saved it as Latin-1, say); it was read with each invalid byte sequence replaced by U+FFFD.",
        "Save the page as UTF-8.";
    PageUtf16 = "page-utf16", Warning,
        "The page is UTF-16 text; it was decoded, but docs pages are UTF-8.",
        "Save the page as UTF-8.";
    FrontMatterMissing = "front-matter-missing", Error,
        "The page does not start with a `---` YAML front matter block.",
        "Add front matter with `title`, `description` and `doc_type`.";
    FrontMatterUnopened = "front-matter-unopened", Error,
        "The page starts with front matter lines (`title: ...`) but not with the `---` line that opens them.",
        "Add a `---` line at the top of the page.";
    FrontMatterUnreadable = "front-matter-unreadable", Error,
        "The front matter is not valid YAML, or is not closed by a `---` line.",
        "Fix the YAML syntax; quote values that contain `:`.";
    FrontMatterKeyMissing = "front-matter-key-missing", Warning,
        "A required front matter key (`title`, `description`, `doc_type`) is absent.",
        "Add the key.";
    UnknownDocType = "unknown-doc-type", Warning,
        "`doc_type` is not one of apiPageType, resourcePageType, enumPageType, conceptualPageType.",
        "Correct the spelling of `doc_type`.";
    DocTypeContradicted = "doc-type-contradicted", Warning,
        "`doc_type` contradicts the page's sections (an `apiPageType` page with a Properties section and no HTTP request section, say); the page is read as what its sections show.",
        "Write the doc_type the page is.";
    AnnotationJson = "annotation-json", Error,
        "An HTML-comment annotation is not valid JSON, even after repairing the usual defects.",
        "Fix the JSON at the position shown.";
    AnnotationRepaired = "annotation-repaired", Warning,
        "An annotation needed repair to be read (trailing comma, raw newline in a string, `\"true\"` for `true`).",
        "Write strict JSON: no trailing commas, booleans without quotes.";
    UnknownBlockType = "unknown-block-type", Warning,
        "An annotation's `blockType` is not request, response, resource, example, ignored or samples.",
        "Use one of the known block types.";
    CodeBlockUnannotated = "code-block-unannotated", Warning,
        "A json or http code block in an example or representation section has no annotation.",
        "Put a `<!-- { \"blockType\": ... } -->` annotation right before the block.";
    AnnotationOrphan = "annotation-orphan", Warning,
        "A block annotation is not followed by a code block.",
        "Move the annotation right before its code block, or remove it.";
    TableCellCount = "table-cell-count", Warning,
        "A table row has a different number of cells than its header.",
        "Escape `|` inside cells as `\\|`, and keep each row on one line.";
    TableNoNameColumn = "table-no-name-column", Warning,
        "A property, parameter or member table has no name column.",
        "Start the table with a Property, Parameter, Name or Member column.";
    RequestBodyUnknownProperty = "request-body-unknown-property", Warning,
        "A request body table lists a property that the resource type does not have.",
        "Add the property to the resource page, or fix its name.";
    UnresolvedType = "unresolved-type", Error,
        "A type is referenced that no page defines.",
        "Add the type's page, or correct the name.";
    TypeCellOverflow = "type-cell-overflow", Warning,
        "A type cell goes on after the type (a description that starts in the wrong column); its first sentence is read as the type.",
        "Move the text after the type to the Description column.";
    TypeNameCapitalised = "type-name-capitalised", Warning,
        "A resource page names its type with a capital letter (`UserFlow`), and that name is the end of a longer file name (`identityuserflow.md`); Graph type names are lowerCamelCase, so the file name's head is put back (`identityUserFlow`).",
        "Write the type's whole name in the title and in the annotation's `@odata.type`.";
    TypeRefinedByJson = "type-refined-by-json", Warning,
        "A table's type cell and the page's JSON representation disagree in a way the docs' conventions settle: a `String` whose sample names another primitive as its format (`\"String (double)\"`) or is that name alone (`\"guid\"`), or a collection of a primitive whose sample is a single value (`\"string\"`). The JSON representation's reading is used.",
        "Write the type the JSON representation shows (`Double`, `String`) in the Type column, or fix the sample.";
    TypeConflictsWithJson = "type-conflicts-with-json", Warning,
        "A table's type cell says `String` and the page's JSON representation gives the sample a format that cannot be the property's: any format for the key `id`, or a date or time format for a property whose name mentions no date, day or time (a sample copied from another row). The table's `String` is kept.",
        "Make the sample show what the property holds (`\"String\"`, `\"String (identifier)\"`), or correct the Type column.";
    UnrecognisedTypeCell = "unrecognised-type-cell", Warning,
        "A table's type cell cannot be read as a type.",
        "Write a type name, a link to a type page, or `X collection`.";
    KeyPropertyUnlisted = "key-property-unlisted", Warning,
        "A root entity's annotation names a `keyProperty` that its examples show but its Properties table does not list; the SDK adds the key as a read-only `String`.",
        "Add the key's row (usually `id`) to the Properties table.";
    DuplicateType = "duplicate-type", Warning,
        "Two pages define the same type; the first one (by path) is used.",
        "Remove or rename one of the definitions.";
    DuplicateProperty = "duplicate-property", Warning,
        "A resource page lists a property twice: under both Properties and Relationships, or twice in one table. The later row is used.",
        "Keep one row: under Properties for a value, under Relationships for a navigation property.";
    EntityAsProperty = "entity-as-property", Note,
        "A Properties table lists a property whose type is an entity type; OData reaches entities only through relationships, so it is read as one.",
        "Move the row to the Relationships table.";
    InheritanceCycle = "inheritance-cycle", Error,
        "A type inherits from itself through its base types.",
        "Correct the base type.";
    MissingHttpRequest = "missing-http-request", Error,
        "An API page has no `HTTP request` section with a method and a path.",
        "Add an `## HTTP request` section with a ```http block such as `GET /users/{id}`.";
    UnresolvablePath = "unresolvable-path", Error,
        "A documented path cannot be read (for example `Entity URI ... not found`).",
        "Write the path the API serves, relative to the service root.";
    ExampleUrlUnmatched = "example-url-unmatched", Warning,
        "A request example's URL matches none of the paths the page documents.",
        "Use one of the documented paths in the example, or document the path.";
    ContentLengthMismatch = "content-length-mismatch", Warning,
        "An example's Content-Length header does not match the length of its body.",
        "Correct or remove the Content-Length header.";
    MalformedStatusLine = "malformed-status-line", Warning,
        "A response example does not start with a status line such as `HTTP/1.1 200 OK`.",
        "Start the response with `HTTP/1.1 <code> <reason>`.";
    UnknownMethod = "unknown-method", Error,
        "An HTTP request line uses a method other than GET, POST, PUT, PATCH or DELETE.",
        "Use a standard method.";
    RequestBodyUndocumented = "request-body-undocumented", Note,
        "The request body appears in an example but the Request body section neither links its type nor lists its parameters.",
        "Link the resource type (\"supply a JSON representation of [x](x.md)\") or add a parameter table.";
    ExampleUrlExtra = "example-url-extra", Note,
        "A request example's URL adds an OData type cast, a system segment (`$count`) or function arguments that the documented path does not show, or reaches a documented path through a Graph alias (`/me`, `/drive`, `root`); the test uses the documented path.",
        "Document the path with its cast or its parameters, such as `/groups/{id}/members/microsoft.graph.user`.";
    PathLiteralId = "path-literal-id", Warning,
        "A documented path has a literal id (a GUID), a `(name)` or a function argument that stands for a value (`count=n`, `x=x-value`, `'parameterValue'`) where a `{placeholder}` belongs; it is read as a placeholder.",
        "Write the placeholder in braces, such as `/education/classes/{class-id}`.";
    PathQueryPlaceholder = "path-query-placeholder", Warning,
        "A documented path's query has a placeholder outside the value of a `name=value` option (`?requiresReview:{Boolean}`), so there is no telling what to send; the client method leaves that part out.",
        "Write the option as `name={value}`, such as `?requiresReview={Boolean}`.";
    ExampleBodyJson = "example-body-json", Error,
        "An example's body is not valid JSON.",
        "Fix the JSON (trailing commas, `...`, comments and line breaks inside strings are common causes).";
    ExampleUnknownProperty = "example-unknown-property", Warning,
        "An example has a property that its documented type does not declare (the SDK keeps it in `additional_properties`).",
        "Document the property, or mark the type open (`\"openType\": true`).";
    ExampleWrongType = "example-wrong-type", Error,
        "An example value has a JSON type that contradicts the documented type.",
        "Use a value of the documented type.";
    ExampleEnumValue = "example-enum-value", Error,
        "An example uses a value that is not a member of the documented enum (placeholders such as \"String\" included).",
        "Use one of the enum's members.";
    ExampleEnumCase = "example-enum-case", Warning,
        "An example's enum value matches a member only when case is ignored.",
        "Spell the value as the enum defines it.";
    ExampleDateTime = "example-date-time", Error,
        "An example's date, time or duration value does not parse as ISO 8601.",
        "Write values such as `2021-07-16T18:32:44Z`.";
    ExampleGuid = "example-guid", Error,
        "An example's GUID value does not parse.",
        "Write GUIDs as 8-4-4-4-12 hex digits.";
    ExampleNull = "example-null", Warning,
        "An example sets null where the documented property is not nullable.",
        "Leave the property out, or give it a value.";
    ExampleOdataType = "example-odata-type", Warning,
        "An example's `@odata.type` names a type that is not the documented type nor derived from it.",
        "Correct `@odata.type`.";
    ExampleUndocumentedType = "example-undocumented-type", Warning,
        "An example's `@odata.type` names a type that no page defines; the object's properties are not checked.",
        "Add the type's page, or correct `@odata.type`.";
    ExampleValueWrapper = "example-value-wrapper", Warning,
        "A response documented as one object wraps it (or several) in `value`, as only collection responses do.",
        "Give the object itself, or document the response as a collection (`\"@odata.type\": \"Collection(x)\"`).";
    ExampleMissingProperties = "example-missing-properties", Warning,
        "A response example leaves out documented properties but is not marked truncated.",
        "Add `\"truncated\": true` to the annotation, or list the properties.";
    ExampleOtherResponseType = "example-other-response-type", Note,
        "A response example is of another type than the operation's documented response and does not read into it (one operation documents paths that return different types); it gets a round-trip test but no client test.",
        "Document the path on a page of its own, or give the example the operation's response type.";
    ResponseCollectionByKey = "response-collection-by-key", Warning,
        "The Response section promises a collection, but every documented path ends with a key (`/chats/{chat-id}`), which addresses one resource; the response is read as one resource.",
        "Say that the method returns one object, or document the path of the collection.";
    ResponseWithoutRequest = "response-without-request", Warning,
        "A response example has no request example before it.",
        "Add the request example, or mark the response `ignored`.";
    RequestWithoutResponse = "request-without-response", Warning,
        "A request example has no response example after it.",
        "Add the response example.";
    DuplicateExampleName = "duplicate-example-name", Warning,
        "Two examples in the doc set share a name.",
        "Give each example a unique `name`.";
    ExampleUntyped = "example-untyped", Note,
        "An example's body type could not be determined, so it was not turned into a test.",
        "Give the response annotation an `@odata.type`, or document the response type.";
    ExampleMediaType = "example-media-type", Warning,
        "A request example sends a body of another media type (`image/jpeg`, `text/plain`) than the JSON its operation takes, and the Request headers table documents no such form; no test is made of it.",
        "Name the media type in the `Content-Type` row of the Request headers table (\"`application/json` for a JSON object and `image/jpeg` for the image\"), or send JSON.";
    LinkTargetMissing = "link-target-missing", Warning,
        "A relative link points to a page that does not exist.",
        "Correct the link.";
    LinkCase = "link-case", Warning,
        "A link's file name differs from the page's file name in case only; it breaks on case-sensitive hosts.",
        "Write the file name exactly as it is.";
    LinkAnchorMissing = "link-anchor-missing", Warning,
        "A link's `#anchor` matches no heading of the target page.",
        "Correct the anchor.";
    TodoText = "todo-text", Warning,
        "The page still contains TODO placeholder text.",
        "Replace the placeholder with real content.";
    PermissionsUndetermined = "permissions-undetermined", Warning,
        "The permissions table does not name real scopes.",
        "List the least privileged scopes for each permission type.";
    EnumValuesDisagree = "enum-values-disagree", Warning,
        "A \"Possible values\" list disagrees with the members of the enum it refers to.",
        "Make the list and the enum definition agree.";
    EnumMemberCase = "enum-member-case", Warning,
        "An enum's members are written in inconsistent case across pages (`NotStarted` and `notStarted`).",
        "Use the enum definition's spelling everywhere.";
    OperationWithoutPath = "operation-without-path", Warning,
        "An operation has no usable path, so no client method was generated for it.",
        "Document a path in the HTTP request section.";
    ConceptualPage = "conceptual-page", Note,
        "The page is conceptual and contributes no types or operations.",
        "Nothing to do.";
    PageUnused = "page-unused", Note,
        "The page defines nothing the generator could use.",
        "Check the page's doc_type and sections.";
    UnusedSuppression = "unused-suppression", Warning,
        "A page annotation's `suppressions` entry names a docgen code but suppressed no diagnostic of the page.",
        "Remove the entry, or correct its code or message text.";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A byte range in a page's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end: end.max(start) }
    }

    /// The character of `text` at byte `at` (the one it falls inside, if it is not on a
    /// boundary), or an empty span at the end of the text.
    pub fn char_at(text: &str, at: usize) -> Span {
        let start = floor_boundary(text, at);
        Span::new(start, ceil_boundary(text, start + 1))
    }
}

/// `at`, clamped to `text`, moved back to the start of the character it falls inside. Byte
/// positions from elsewhere (serde_json's columns count bytes) can fall inside one.
pub fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `at`, clamped to `text`, moved on to the end of the character it falls inside.
pub fn ceil_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// One finding about one page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub code: String,
    pub severity: Severity,
    /// The page path relative to the docs root, with `/` separators.
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// Byte range in the page; kept so renderers can underline the exact text.
    #[serde(skip)]
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    /// Sort key: file, position, code, message; used to make output independent of processing order.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (&self.file, self.line, self.column, &self.code, &self.message)
    }
}

/// Turns byte offsets of one text into 1-based line and column numbers. Columns count
/// characters, not bytes, as editors and rustc do.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of the start of every line.
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        // Every page's text comes through here (13 MB on the Graph corpus, at 35 bytes a line).
        // The bytes are taken 64 at a time into a bit mask of their line breaks, and only the
        // set bits are visited: about half the instructions of a `memchr` call per line. The
        // vector is sized for lines of 32 bytes and grows where they are shorter. (A branch-free
        // eight-byte word scan was tried before this: it cost 10% more than `memchr`.)
        let bytes = text.as_bytes();
        let (blocks, rest) = bytes.as_chunks::<64>();
        let mut starts = Vec::with_capacity(bytes.len() / 32 + 2);
        starts.push(0);
        for (k, block) in blocks.iter().enumerate() {
            let mut mask = newline_mask(block);
            starts.reserve(mask.count_ones() as usize);
            while mask != 0 {
                starts.push(k * 64 + mask.trailing_zeros() as usize + 1);
                mask &= mask - 1;
            }
        }
        let base = blocks.len() * 64;
        starts.extend(rest.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| base + i + 1));
        LineIndex { starts, len: text.len() }
    }

    /// 1-based (line, column) of a byte offset. Offsets past the end are clamped, and an offset
    /// inside a multi-byte character counts as that character, so no input can make this panic.
    pub fn line_col(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.len).min(text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let mut end = offset;
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let column = text[start..end].chars().count() + 1;
        (line as u32 + 1, column as u32)
    }

    /// The byte range of a 1-based line, without its line break.
    pub fn line_range(&self, text: &str, line: u32) -> Option<(usize, usize)> {
        let i = (line as usize).checked_sub(1)?;
        let start = *self.starts.get(i)?;
        let mut end = self.starts.get(i + 1).copied().unwrap_or(text.len());
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        Some((start, end.min(text.len())))
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The lines of `text[span]`, as `split_inclusive('\n')` cuts that slice, each with its
    /// offset in `text` and without its line break (trailing `\n` and `\r` trimmed). The first
    /// starts at `span.start` even inside a line. Tables and code blocks are cut into lines this
    /// way, from the line starts already found, instead of by searching their text again.
    pub fn lines_in<'s, 't: 's>(&'s self, text: &'t str, span: Span) -> impl Iterator<Item = (usize, &'t str)> + 's {
        let end = span.end.min(text.len()).min(self.len);
        let start = span.start.min(end);
        // The starts after `start` and before `end`, then `end` itself, close each line.
        let first = self.starts.partition_point(|&s| s <= start);
        let inner = self.starts[first..].iter().copied().take_while(move |&s| s < end);
        let mut from = start;
        inner.chain((start < end).then_some(end)).map(move |to| {
            let line = (from, text[from..to].trim_end_matches(['\n', '\r']));
            from = to;
            line
        })
    }
}

/// Bit `i` is set when byte `i` of the block is a line break.
#[cfg(target_arch = "x86_64")]
#[inline]
fn newline_mask(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    // One compare and one mask move per 16 bytes; the compiler does not find that for a plain
    // loop over the bytes (that took seven times the instructions of a `memchr` per line).
    let mut mask = 0u64;
    for (k, lane) in block.as_chunks::<16>().0.iter().enumerate() {
        // SAFETY: SSE2 is part of every x86_64 target, and `lane` is 16 readable bytes, which
        // this load takes at any alignment.
        let lane_mask = unsafe {
            let bytes = _mm_loadu_si128(lane.as_ptr().cast::<__m128i>());
            _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'\n' as i8)))
        };
        mask |= u64::from(lane_mask as u16) << (k * 16);
    }
    mask
}

/// Bit `i` is set when byte `i` of the block is a line break.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn newline_mask(block: &[u8; 64]) -> u64 {
    block.iter().enumerate().fold(0u64, |mask, (i, &b)| mask | (u64::from(b == b'\n') << i))
}

/// Collects the diagnostics of one page; positions are computed as they are pushed.
pub struct PageDiagnostics<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub index: &'a LineIndex,
    pub items: Vec<Diagnostic>,
}

impl<'a> PageDiagnostics<'a> {
    pub fn new(file: &'a str, text: &'a str, index: &'a LineIndex) -> Self {
        PageDiagnostics { file, text, index, items: Vec::new() }
    }

    pub fn push(&mut self, code: Code, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        let d = make(self.file, self.text, self.index, code, span, message.into());
        self.items.push(d);
        self.items.last_mut().expect("just pushed")
    }
}

/// Builds a diagnostic with the code's default severity and help text.
pub fn make(file: &str, text: &str, index: &LineIndex, code: Code, span: Span, message: String) -> Diagnostic {
    let (line, column) = index.line_col(text, span.start);
    let (end_line, end_column) = index.line_col(text, span.end);
    Diagnostic {
        code: code.as_str().to_string(),
        severity: code.severity(),
        file: file.to_string(),
        line,
        column,
        end_line,
        end_column,
        span,
        message,
        help: Some(code.fix().to_string()),
    }
}

/// Counts by severity.
pub fn count(items: &[Diagnostic], severity: Severity) -> usize {
    items.iter().filter(|d| d.severity == severity).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_inside_a_character_move_to_its_edges() {
        let text = "a\u{e9}b"; // `é` is bytes 1..3
        assert_eq!((floor_boundary(text, 2), ceil_boundary(text, 2)), (1, 3));
        assert_eq!((floor_boundary(text, 9), ceil_boundary(text, 9)), (4, 4), "clamped to the text");
        assert_eq!(Span::char_at(text, 2), Span::new(1, 3));
        assert_eq!(Span::char_at(text, 0), Span::new(0, 1));
        assert_eq!(Span::char_at(text, 4), Span::new(4, 4), "empty at the end");
    }

    #[test]
    fn line_col_is_one_based_and_counts_chars() {
        let text = "ab\ncé d\n\nx";
        let ix = LineIndex::new(text);
        assert_eq!(ix.line_col(text, 0), (1, 1));
        assert_eq!(ix.line_col(text, 2), (1, 3));
        assert_eq!(ix.line_col(text, 3), (2, 1));
        // 'é' is two bytes; the space after it is the third character.
        assert_eq!(ix.line_col(text, 6), (2, 3));
        // Inside a multi-byte character: clamp back to its start.
        assert_eq!(ix.line_col(text, 5), (2, 2));
        assert_eq!(ix.line_col(text, 9), (3, 1));
        assert_eq!(ix.line_col(text, 10), (4, 1));
        // Past the end is clamped, never a panic.
        assert_eq!(ix.line_col(text, 1000), (4, 2));
        assert_eq!(ix.line_col("", 5), (1, 1));
    }

    #[test]
    fn lines_in_a_span_are_what_split_inclusive_gives() {
        for text in ["", "\n", "a", "a\n", "a\r\nb", "a\n\nb\n", "| x |\r\r\n|---|\n", "é\nü", "ab\ncd\n\nef"] {
            let ix = LineIndex::new(text);
            let bounds: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            for &start in &bounds {
                for &end in bounds.iter().filter(|&&e| e >= start) {
                    let mut pos = start;
                    let mut expected = Vec::new();
                    for line in text[start..end].split_inclusive('\n') {
                        expected.push((pos, line.trim_end_matches(['\n', '\r'])));
                        pos += line.len();
                    }
                    let got: Vec<(usize, &str)> = ix.lines_in(text, Span::new(start, end)).collect();
                    assert_eq!(got, expected, "{text:?} {start}..{end}");
                }
            }
        }
    }

    #[test]
    fn line_starts_are_every_byte_after_a_line_break() {
        // Breaks at the start, the end, side by side and far apart, beside bytes that differ
        // from `\n` by one bit (`\x0b`, `\x8a`).
        for len in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 300] {
            for step in [1, 2, 3, 7, 8, 9, 64] {
                let text: String = (0..len)
                    .map(|i| match (i % step == step - 1, i % 3) {
                        (true, _) => '\n',
                        (false, 0) => '\u{b}',
                        (false, 1) => '\u{8a}',
                        _ => 'x',
                    })
                    .collect();
                let want: Vec<usize> = std::iter::once(0)
                    .chain(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1))
                    .collect();
                assert_eq!(LineIndex::new(&text).starts, want, "len {len}, step {step}");
            }
        }
    }

    #[test]
    fn line_range_excludes_line_breaks() {
        let text = "one\r\ntwo\nthree";
        let ix = LineIndex::new(text);
        assert_eq!(ix.line_range(text, 1).map(|(s, e)| &text[s..e]), Some("one"));
        assert_eq!(ix.line_range(text, 2).map(|(s, e)| &text[s..e]), Some("two"));
        assert_eq!(ix.line_range(text, 3).map(|(s, e)| &text[s..e]), Some("three"));
        assert_eq!(ix.line_range(text, 4), None);
        assert_eq!(ix.line_range(text, 0), None);
    }

    #[test]
    fn every_code_is_unique_and_round_trips() {
        let mut seen = rustc_hash::FxHashSet::default();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate code {c}");
            assert_eq!(Code::parse(c.as_str()), Some(*c));
        }
    }
}
