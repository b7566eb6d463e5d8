//! The intermediate representation: plain, serialisable data about types, enums, operations and examples.
//!
//! Everything here is produced by [`crate::lower`] from parsed pages and consumed by
//! [`crate::validate`] and [`crate::emit`]. Nothing here refers to parser events or token streams,
//! so the IR can be written out as JSON (`--ir FILE`) and read by other tools. Names are the wire
//! names the docs use; Rust names are decided later, in [`crate::names`].

use serde::{Deserialize, Serialize};

/// A place in a docs page: the page path relative to the docs root (always with `/`), and a
/// 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct Loc {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// The whole API as documented.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Ir {
    /// Every page read, with what it was taken for.
    pub pages: Vec<PageInfo>,
    pub types: Vec<TypeDef>,
    pub enums: Vec<EnumDef>,
    pub operations: Vec<Operation>,
    pub examples: Vec<Example>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageInfo {
    pub file: String,
    /// The normalised `doc_type` of the front matter (`apiPageType`, `resourcePageType`,
    /// `enumPageType`, `conceptualPageType`), if any.
    pub doc_type: Option<String>,
    pub title: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TypeKind {
    /// Has a key (`id`) and can be addressed by a path.
    Entity,
    /// A structured value without identity.
    Complex,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TypeDef {
    /// Wire name as the docs spell it, without namespace (`commsOperation`).
    pub name: String,
    /// `microsoft.graph`, `microsoft.graph.callRecords`, ...
    pub namespace: String,
    pub kind: TypeKind,
    /// Wire name of the base type, qualified when it lives in another namespace.
    pub base: Option<String>,
    #[serde(rename = "abstract")]
    pub is_abstract: bool,
    /// Open types accept properties that the docs do not list.
    pub open: bool,
    pub description: String,
    /// Properties the page declares for this type itself (not inherited ones).
    pub properties: Vec<Property>,
    pub loc: Loc,
}

impl TypeDef {
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.namespace, self.name)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Property {
    /// Wire name (`clientContext`).
    pub name: String,
    /// The docs' type normalised to its Graph/EDM form: `String`, `Int32`, `DateTimeOffset`,
    /// `resultInfo`, `microsoft.graph.callRecords.session`. Never a Rust type.
    #[serde(rename = "type")]
    pub ty: String,
    pub collection: bool,
    /// A relationship (navigation property) rather than a structural one.
    pub navigation: bool,
    /// `Some(false)` when the docs say "Not nullable", `Some(true)` for "Nullable".
    pub nullable: Option<bool>,
    pub read_only: bool,
    pub description: String,
    /// Values listed by a "Possible values are: ..." phrase, in the order given.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub possible_values: Vec<String>,
    /// The docs mark the property deprecated (`isBroadcast (deprecated)` in the name cell).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub deprecated: bool,
    pub loc: Loc,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnumDef {
    pub name: String,
    pub namespace: String,
    /// Lists `unknownFutureValue`: the service may add members later.
    pub evolvable: bool,
    /// Flags enums take several members joined by commas.
    pub flags: bool,
    /// The enum was not defined by a page of its own but inferred from "Possible values" phrases.
    pub inferred: bool,
    pub description: String,
    pub members: Vec<EnumMember>,
    pub loc: Loc,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnumMember {
    /// The value as sent on the wire.
    pub name: String,
    pub value: Option<i64>,
    pub description: String,
    pub loc: Loc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn parse(s: &str) -> Option<Method> {
        Some(match s.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Operation {
    /// A stable name for the operation, from the page title: the action or function name for
    /// `call: cancelMediaProcessing`, otherwise the title in lowerCamelCase
    /// (`updateCancelMediaProcessingOperation`).
    pub name: String,
    pub title: String,
    pub description: String,
    pub method: Method,
    /// Every documented path, in page order.
    pub paths: Vec<HttpPath>,
    pub request_body: Option<RequestBody>,
    /// The media type of a request body that is bytes rather than JSON (a file's content, a
    /// photo), as the operation's request examples give it in `Content-Type`, or else the
    /// `Content-Type` row of its Request headers table. Where that row takes JSON too, this is
    /// the second of two operations lowered from the page (`sendMailMime` beside `sendMail`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub request_media_type: Option<String>,
    pub response: Option<ResponseInfo>,
    /// The response is bytes (a file's content, a photo, a report), not JSON.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub response_stream: bool,
    pub permissions: Vec<Permission>,
    pub loc: Loc,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HttpPath {
    /// The path as documented, without host, version or query (`/communications/calls/{id}`).
    pub template: String,
    pub params: Vec<PathParam>,
    /// Query options the documented path fixes (`?$filter=...`), kept verbatim; placeholders in
    /// them are values a client fills in ([`DocumentedQuery`]).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub query: Option<String>,
    pub loc: Loc,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PathParam {
    /// The placeholder as written between braces (`id | userPrincipalName`).
    pub placeholder: String,
    /// The alternatives a placeholder offers (`id`, `userPrincipalName`); the first names the parameter.
    pub alternatives: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestBody {
    /// The resource type the body represents, when the page says so (`update` pages, `create` pages).
    pub ty: Option<String>,
    pub collection: bool,
    /// Parameters or properties listed in the request body table.
    pub properties: Vec<Property>,
    pub loc: Loc,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResponseInfo {
    pub status: u16,
    /// The type of the body, if any (`cancelMediaProcessingOperation`).
    pub ty: Option<String>,
    pub collection: bool,
    pub loc: Loc,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Permission {
    /// `Delegated (work or school account)`, `Application`, ...
    pub kind: String,
    /// Scopes, empty when not supported.
    pub scopes: Vec<String>,
    pub loc: Loc,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Example {
    /// The annotation's `name`, or one made from the page and position.
    pub name: String,
    /// Index into [`Ir::operations`] of the operation on the same page, if any.
    pub operation: Option<usize>,
    pub request: Option<RequestExample>,
    pub response: Option<ResponseExample>,
    /// Which of the operation's paths the request URL matches, and the values it gives the
    /// path's placeholders, in order. Set by validation.
    pub path_match: Option<PathMatch>,
    /// Whether the example fits the documented types and so becomes a generated test.
    pub verdict: Verdict,
    /// The type the response body was checked against, and whether it also reads into the
    /// operation's documented response type. Set by validation, so that the emitter's tests
    /// use exactly the types the diagnostics speak of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_type: Option<ExampleType>,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExampleType {
    /// The type as the docs name it (`room`, `microsoft.graph.room`).
    pub ty: String,
    /// Whether the body is a collection (`{"value": [...]}`) of that type.
    pub collection: bool,
    /// Whether the body also reads into the operation's response type without an error: true
    /// when it is that very type, or when checking it against that type found no error (a
    /// `room` returned by `Get place`, a list of `directoryObject` that holds users). The
    /// client test reads the response into the method's return type, so only such examples
    /// get one.
    pub fits_operation: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathMatch {
    /// Index into the operation's `paths`.
    pub path: usize,
    /// The URL's (percent-decoded) text for each placeholder of that path.
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "reasons")]
pub enum Verdict {
    /// Not yet validated.
    Pending,
    Tested,
    /// Diagnostics codes that explain why no test was made.
    Rejected(Vec<String>),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestExample {
    pub method: Method,
    /// The URL as written.
    pub url: String,
    /// The path relative to the service root, without version and query (`/communications/calls/abc`).
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Option<serde_json::Value>,
    /// The body as written when it is not JSON (a file's content, `Binary data for the image`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub text: Option<String>,
    /// The `@odata.type` the annotation gives, if any.
    pub odata_type: Option<String>,
    pub loc: Loc,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResponseExample {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<serde_json::Value>,
    /// The body as written when it is not JSON.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub text: Option<String>,
    /// The annotation's `@odata.type` (the documented type of the body).
    pub odata_type: Option<String>,
    pub is_collection: bool,
    /// Properties may be left out for brevity.
    pub truncated: bool,
    pub loc: Loc,
}

/// A piece of a path template. The one statement of the template notation: lowering reads
/// a path's parameters, validation matches example URLs, and emission builds client paths from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Literal(&'a str),
    /// The text between the braces, trimmed (`id | userPrincipalName`).
    Placeholder(&'a str),
}

/// Whether a template holds a placeholder ([`pieces`]).
pub fn has_placeholder(template: &str) -> bool {
    pieces(template).iter().any(|p| matches!(p, Piece::Placeholder(_)))
}

/// Splits a template at `{...}` and `<...>` placeholders (the workbook pages write
/// `range(address='<address>')`); both kinds are parameters. An
/// opening bracket without its closing one is literal text.
pub fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    loop {
        // Both brackets are ASCII, so a vectorised search of the bytes finds them at character
        // boundaries; validation matches every example's URL against these pieces.
        let open = memchr::memchr2_iter(b'{', b'<', rest.as_bytes()).find_map(|i| {
            let closer = if rest.as_bytes()[i] == b'{' { b'}' } else { b'>' };
            memchr::memchr(closer, &rest.as_bytes()[i..]).map(|c| (i, i + c))
        });
        let Some((open, close)) = open else {
            break;
        };
        if open > 0 {
            out.push(Piece::Literal(&rest[..open]));
        }
        out.push(Piece::Placeholder(rest[open + 1..close].trim()));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Literal(rest));
    }
    out
}

/// A documented path's query as the client sends it: the `&`-separated parts, as written, that
/// can be sent, and those that cannot. A placeholder is a value to fill in; it must stand in the
/// value of a `name=value` part (`startDateTime={start_datetime}`, `$filter=id eq '{id}'`).
/// Anywhere else (`requiresReview:{Boolean}`, `{name}=x`) there is no telling what to send, and
/// the part is left out.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DocumentedQuery<'a> {
    pub sent: Vec<&'a str>,
    pub left_out: Vec<&'a str>,
}

impl<'a> DocumentedQuery<'a> {
    pub fn of(query: &'a str) -> DocumentedQuery<'a> {
        let mut out = DocumentedQuery::default();
        for part in query.trim_start_matches('?').split('&').filter(|p| !p.trim().is_empty()) {
            let sendable =
                !has_placeholder(part) || part.split_once('=').is_some_and(|(name, _)| !has_placeholder(name));
            if sendable { out.sent.push(part) } else { out.left_out.push(part) }
        }
        out
    }

    /// The sent parts joined again into one query.
    pub fn sent_text(&self) -> String {
        self.sent.join("&")
    }
}

/// The value of an HTTP example's first header of that name, whatever its case, trimmed.
pub fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    named_header(headers, name).map(|(_, v)| v)
}

/// The same header with its name as the example writes it (`Operation-Location`), both trimmed.
pub fn named_header<'h>(headers: &'h [(String, String)], name: &str) -> Option<(&'h str, &'h str)> {
    headers.iter().find(|(n, _)| n.trim().eq_ignore_ascii_case(name)).map(|(n, v)| (n.trim(), v.trim()))
}

/// An HTTP example's `Content-Type`, when it names something other than JSON.
pub fn non_json_media(headers: &[(String, String)]) -> Option<&str> {
    header(headers, "content-type").filter(|m| !m.is_empty() && !is_json_media(m))
}

/// Whether a media type is JSON (`application/json`, `application/merge-patch+json`, with or
/// without parameters).
pub fn is_json_media(media: &str) -> bool {
    media.to_ascii_lowercase().contains("json")
}

/// A media type without its parameters: `text/plain; charset=utf-8` is `text/plain`.
pub fn media_essence(media: &str) -> &str {
    media.split(';').next().unwrap_or(media).trim()
}
