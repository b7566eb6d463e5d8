//! Every Rust name the emitter writes is decided here, and nowhere else.
//!
//! Wire names from the docs (`clientContext`, `@odata.type`, `microsoft.graph.callRecords.session`,
//! `3dModel`, `type`) become Rust identifiers in three steps:
//!
//! 1. [`snake`] or [`upper_camel`] turn a wire name into a *plain* name: characters that cannot
//!    appear in an identifier become word breaks, non-ASCII characters become `uXXXX` words, a
//!    leading digit gets a prefix, and the keywords that cannot be raw identifiers (`self`, `Self`,
//!    `super`, `crate`, `_`) get a `_` suffix.
//! 2. A [`Scope`] settles collisions between plain names deterministically: callers offer names
//!    in a sorted order, the first keeps the plain name and the others get `_2`, `_3`, ... (or `2`,
//!    `3`, ... for UpperCamel names, where an underscore would trip `non_camel_case_types`).
//! 3. [`ident`] renders a plain name as Rust source, as a raw identifier (`r#type`) when it is a
//!    keyword.
//!
//! The wire name itself is always kept by the caller for `#[serde(rename = "...")]`, so renaming
//! never changes what goes over the wire.

use rustc_hash::{FxHashMap, FxHashSet};

/// The namespace whose types keep their plain names when a name is shared across namespaces.
pub const DEFAULT_NAMESPACE: &str = "microsoft.graph";

/// Strict and reserved keywords of every edition up to 2024. All of them can be written as raw
/// identifiers except the ones in [`NON_RAW_KEYWORDS`].
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self",
    "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
    "box", "do", "final", "gen", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Keywords that `r#` cannot escape; they get a `_` suffix instead.
const NON_RAW_KEYWORDS: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Type names the generated code uses unqualified (prelude types and traits, and the names
/// `lib.rs` re-exports). A Graph type with one of these names would shadow them, so such a type
/// is qualified with its namespace instead (`microsoft.graph.result` becomes `GraphResult`).
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Vec",
    "Box",
    "String",
    "ToString",
    "ToOwned",
    "Default",
    "Clone",
    "Copy",
    "Debug",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Hash",
    "From",
    "Into",
    "TryFrom",
    "TryInto",
    "AsRef",
    "AsMut",
    "Iterator",
    "IntoIterator",
    "Extend",
    "Send",
    "Sync",
    "Sized",
    "Unpin",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Client",
    "Error",
    "GraphError",
    "Collection",
    "Method",
];

/// Whether `name` is a Rust keyword (strict or reserved, any edition).
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name) || name == "_"
}

/// Splits a wire name into characters `heck` understands: ASCII letters and digits stay, every
/// other ASCII character becomes a word break, and each non-ASCII character becomes a word of its
/// own (`u` and its hex code point) so that distinct names stay distinct.
fn sanitise(wire: &str) -> String {
    let mut out = String::with_capacity(wire.len());
    for c in wire.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c.is_ascii() {
            out.push(' ');
        } else {
            out.push_str(&format!(" u{:04x} ", c as u32));
        }
    }
    out
}

/// [`sanitise`], borrowing an ASCII name: the word rules already break words at every ASCII
/// character that is not a letter or digit, as the spaces `sanitise` puts there would.
fn sanitised(wire: &str) -> std::borrow::Cow<'_, str> {
    if wire.is_ascii() { std::borrow::Cow::Borrowed(wire) } else { std::borrow::Cow::Owned(sanitise(wire)) }
}

/// A plain snake_case name for a field, method, parameter or module. Never empty; never a keyword
/// that cannot be a raw identifier.
pub fn snake(wire: &str) -> String {
    let mut name = snake_case(&sanitised(wire));
    if name.is_empty() {
        name = if wire.is_empty() { "empty".to_owned() } else { "unnamed".to_owned() };
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    fix_non_raw(name)
}

/// [`snake`] for one word of a longer name (`get_option_self`): a keyword needs no `_` there.
pub fn snake_part(wire: &str) -> String {
    let name = snake(wire);
    if NON_RAW_KEYWORDS.iter().any(|k| name.strip_suffix('_') == Some(k)) {
        return name[..name.len() - 1].to_owned();
    }
    name
}

/// A plain UpperCamelCase name for a type or an enum variant. Never empty.
pub fn upper_camel(wire: &str) -> String {
    let mut name = upper_camel_case(&sanitised(wire));
    if name.is_empty() {
        name = if wire.is_empty() { "Empty".to_owned() } else { "Unnamed".to_owned() };
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'N');
    }
    fix_non_raw(name)
}

/// Calls `word` on each word of an ASCII name by heck's rules: non-alphanumeric characters
/// separate words; inside one, a word ends before an upper-case letter that follows a lower-case
/// one (`userId` → `user`, `Id`), and before the last capital of a run that a lower-case letter
/// follows (`HTTPRequest` → `HTTP`, `Request`); digits count as the case of what precedes them.
///
/// heck 0.5 itself writes every character through `fmt`, which cost about a twentieth of a
/// whole generation run; [`sanitise`] leaves only ASCII, so this plain port suffices, and a test
/// holds it to heck's output on every short string over the characters that matter.
fn ascii_words(s: &str, mut word: impl FnMut(&str)) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        Boundary,
        Lower,
        Upper,
    }
    // The words are the runs of ASCII letters and digits, found on the bytes: splitting the
    // `&str` on a `char` predicate decoded every character of every name the crate gets.
    let bytes = s.as_bytes();
    let mut end = 0;
    while end < bytes.len() {
        let start = end + bytes[end..].iter().take_while(|c| !c.is_ascii_alphanumeric()).count();
        end = start + bytes[start..].iter().take_while(|c| c.is_ascii_alphanumeric()).count();
        let w = &s[start..end];
        let b = w.as_bytes();
        let mut init = 0;
        let mut mode = Mode::Boundary;
        for i in 0..b.len() {
            let c = b[i];
            let Some(&next) = b.get(i + 1) else {
                word(&w[init..]);
                break;
            };
            let next_mode = if c.is_ascii_lowercase() {
                Mode::Lower
            } else if c.is_ascii_uppercase() {
                Mode::Upper
            } else {
                mode
            };
            if next_mode == Mode::Lower && next.is_ascii_uppercase() {
                word(&w[init..i + 1]);
                init = i + 1;
                mode = Mode::Boundary;
            } else if mode == Mode::Upper && c.is_ascii_uppercase() && next.is_ascii_lowercase() {
                word(&w[init..i]);
                init = i;
                mode = Mode::Boundary;
            } else {
                mode = next_mode;
            }
        }
    }
}

/// heck's `to_snake_case` of an ASCII name.
fn snake_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    ascii_words(s, |w| {
        if !out.is_empty() {
            out.push('_');
        }
        let start = out.len();
        out.push_str(w);
        out[start..].make_ascii_lowercase();
    });
    out
}

/// heck's `to_upper_camel_case` of an ASCII name.
fn upper_camel_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    ascii_words(s, |w| {
        let start = out.len();
        out.push_str(w);
        out[start..].make_ascii_lowercase();
        out[start..start + w.len().min(1)].make_ascii_uppercase();
    });
    out
}

fn fix_non_raw(mut name: String) -> String {
    if NON_RAW_KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// Renders a plain name as Rust source: keywords become raw identifiers (`r#type`).
pub fn ident(name: &str) -> String {
    if is_keyword(name) && !NON_RAW_KEYWORDS.contains(&name) { format!("r#{name}") } else { name.to_owned() }
}

/// How a [`Scope`] numbers a name that is already taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `id`, `id_2`, `id_3`.
    Snake,
    /// `Session`, `Session2`, `Session3`.
    UpperCamel,
}

/// A set of names already in use in one Rust namespace (the fields of a struct, the variants of
/// an enum, the methods of `Client`, the modules of a folder, the crate's types).
#[derive(Debug, Clone)]
pub struct Scope {
    style: Style,
    used: FxHashSet<String>,
    /// For each stem that needed a number, the number after the last one it got: every number
    /// below it is taken (names are never given back), so the next search starts there. A
    /// thousand methods that want `get` would otherwise try 2, 3, ... again each time.
    next: FxHashMap<String, u32>,
}

impl Scope {
    pub fn new(style: Style) -> Scope {
        Scope { style, used: FxHashSet::default(), next: FxHashMap::default() }
    }

    /// A scope in which `reserved` are already taken, for names the generated code itself uses.
    pub fn with_reserved<'a>(style: Style, reserved: impl IntoIterator<Item = &'a str>) -> Scope {
        let mut scope = Scope::new(style);
        for name in reserved {
            scope.reserve(name);
        }
        scope
    }

    /// Marks `name` as taken without handing it out.
    pub fn reserve(&mut self, name: &str) {
        self.used.insert(name.to_owned());
    }

    pub fn contains(&self, name: &str) -> bool {
        self.used.contains(name)
    }

    /// Takes `base` if it is free, otherwise the first free numbered form of it.
    pub fn claim(&mut self, base: &str) -> String {
        if self.used.insert(base.to_owned()) {
            return base.to_owned();
        }
        // A keyword's `_` suffix (`self_`, `Self_`) is not kept before the number: `self__2`
        // and `Self_2` would trip the case lints, and `self_2` is no keyword.
        let stem = match base.trim_end_matches('_') {
            "" => base,
            stem => stem,
        };
        let mut n = self.next.get(stem).copied().unwrap_or(2);
        loop {
            let candidate = match self.style {
                Style::Snake => format!("{stem}_{n}"),
                Style::UpperCamel => format!("{stem}{n}"),
            };
            if self.used.insert(candidate.clone()) {
                self.next.insert(stem.to_owned(), n + 1);
                return candidate;
            }
            n += 1;
        }
    }
}

/// Names a set of wire names within one scope: in sorted wire-name order the first keeps the
/// plain name and later ones get numbered. Returns the names in the order of `wires`, so the
/// caller keeps its own (documentation) order while the outcome does not depend on it.
pub fn assign(scope: &mut Scope, wires: &[&str]) -> Vec<String> {
    let convert = match scope.style {
        Style::Snake => snake,
        Style::UpperCamel => upper_camel,
    };
    let mut order: Vec<usize> = (0..wires.len()).collect();
    order.sort_by(|&a, &b| wires[a].cmp(wires[b]).then(a.cmp(&b)));
    let mut out = vec![String::new(); wires.len()];
    for i in order {
        out[i] = scope.claim(&convert(wires[i]));
    }
    out
}

/// One type (struct or enum) to be named in the crate-wide type scope.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TypeName<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
}

/// The last segment of a namespace in UpperCamel (`microsoft.graph.callRecords` → `CallRecords`).
fn namespace_prefix(namespace: &str) -> String {
    upper_camel(namespace.rsplit('.').next().unwrap_or(namespace))
}

/// Names every type of the crate. A name shared by types of several namespaces stays plain for
/// the one in [`DEFAULT_NAMESPACE`] (or the first in sorted order when none is there) and is
/// qualified with the namespace's last segment for the others (`CallRecordsSession`); a name in
/// [`RESERVED_TYPE_NAMES`] is always qualified. Whatever still collides is numbered. `scope`
/// receives every name, so later claims (request structs) cannot collide with these.
pub fn assign_type_names(scope: &mut Scope, types: &[TypeName<'_>]) -> Vec<String> {
    for reserved in RESERVED_TYPE_NAMES {
        scope.reserve(reserved);
    }
    let bases: Vec<String> = types.iter().map(|t| upper_camel(t.name)).collect();
    // For each base name, the index that keeps it plain.
    let mut owner: FxHashMap<&str, usize> = FxHashMap::default();
    let mut order: Vec<usize> = (0..types.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| (types[i].namespace != DEFAULT_NAMESPACE, types[i].namespace, types[i].name, i);
        key(a).cmp(&key(b))
    });
    for &i in &order {
        owner.entry(bases[i].as_str()).or_insert(i);
    }
    let mut wanted: Vec<String> = Vec::with_capacity(types.len());
    for (i, t) in types.iter().enumerate() {
        let base = &bases[i];
        // Types of the owner's namespace keep the plain name too: qualifying would not tell
        // them apart, numbering below does.
        let owner_ns = owner.get(base.as_str()).map(|&o| types[o].namespace);
        let plain_ok = owner_ns == Some(t.namespace) && !RESERVED_TYPE_NAMES.contains(&base.as_str());
        wanted.push(if plain_ok { base.clone() } else { format!("{}{}", namespace_prefix(t.namespace), base) });
    }
    let mut out = vec![String::new(); types.len()];
    for i in order {
        out[i] = scope.claim(&wanted[i]);
    }
    out
}

/// The plain module name for a docs page (`api/call-cancelmediaprocessing.md` →
/// `call_cancelmediaprocessing`): the file stem in snake_case.
pub fn page_module(file: &str) -> String {
    let stem = file.rsplit('/').next().unwrap_or(file);
    let stem = stem.strip_suffix(".md").unwrap_or(stem);
    if stem.is_empty() { "docs".to_owned() } else { snake(stem) }
}

/// A Rust string literal (`"a\"b"`) for any text, spelled as `proc_macro2::Literal::string`
/// spells it. Printable ASCII other than `"` and `\` is copied as it is; everything else goes
/// through proc-macro2, so both spellings agree byte for byte (a test checks this).
pub fn string_literal(s: &str) -> String {
    if needs_no_escape(s) {
        return ["\"", s, "\""].concat();
    }
    proc_macro2::Literal::string(s).to_string()
}

/// The string literal of a doc-comment line for `#[doc = ...]`: `" text"`, with the leading
/// space that makes prettyplease print `/// text`, or `""` for a blank line. The same as
/// [`string_literal`] of the spaced line, without building that line first.
pub fn doc_line_literal(line: &str) -> String {
    if line.is_empty() {
        return "\"\"".to_owned();
    }
    if needs_no_escape(line) {
        return ["\" ", line, "\""].concat();
    }
    string_literal(&[" ", line].concat())
}

/// Printable ASCII other than `"` and `\`. Checked a chunk at a time with no early exit inside
/// one, so that the check vectorises: every doc line of the generated crate passes through here.
pub(crate) fn needs_no_escape(s: &str) -> bool {
    s.as_bytes()
        .chunks(32)
        .all(|chunk| chunk.iter().fold(true, |ok, &b| ok & (b.wrapping_sub(0x20) < 0x5f) & (b != b'"') & (b != b'\\')))
}

/// A raw string literal (`r#"..."#`) holding `s` verbatim, with enough `#` that nothing in `s`
/// can end it early. Used for JSON examples so that tests show them as the docs do. Falls back
/// to an ordinary literal when `s` holds a carriage return, which raw strings may not contain.
pub fn raw_string_literal(s: &str) -> String {
    let bytes = s.as_bytes();
    if memchr::memchr(b'\r', bytes).is_some() {
        return string_literal(s);
    }
    // The longest run of `#` that follows a `"` decides how many the delimiter needs. JSON has
    // quotes everywhere and `#` rarely (`"#microsoft.graph.x"`), so the runs are found from
    // their `#`.
    let mut longest = 0usize;
    for i in memchr::memchr_iter(b'#', bytes) {
        if i > 0 && bytes[i - 1] == b'"' {
            let run = bytes[i..].iter().take_while(|&&c| c == b'#').count();
            longest = longest.max(run);
        }
    }
    let hashes = "#".repeat(longest + 1);
    let mut out = String::with_capacity(s.len() + 2 * hashes.len() + 3);
    for part in ["r", &hashes, "\"", s, "\"", &hashes] {
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_names_need_no_sanitising() {
        // `snake` and `upper_camel` borrow an ASCII name as it is; that must name it as the
        // sanitised copy does, whatever punctuation it holds.
        let alphabet = ['a', 'B', '1', '_', ' ', '.', '@', '-', '|', '$', '#', '\t', '('];
        for s in &crate::all_strings(&alphabet, 4) {
            assert_eq!(snake_case(&sanitised(s)), snake_case(&sanitise(s)), "{s:?}");
            assert_eq!(upper_camel_case(&sanitised(s)), upper_camel_case(&sanitise(s)), "{s:?}");
        }
    }

    #[test]
    fn case_conversion_matches_heck() {
        use heck::{ToSnakeCase, ToUpperCamelCase};
        // Every string of up to five characters over lower, upper, digit and separator covers
        // every transition of the word rules; real names add longer runs.
        let mut inputs = crate::all_strings(&['a', 'B', 'c', 'D', '1', '_', ' ', '.'], 5);
        inputs.extend(
            [
                "HTTPRequest",
                "userId",
                "microsoft.graph.callRecords",
                "v10_0",
                "iOSMinimumOperatingSystem",
                "@odata.type",
                "3dModel",
                "isMFARegistered",
                "ABCDef12GHi",
            ]
            .map(String::from),
        );
        for s in &inputs {
            assert_eq!(snake_case(s), s.to_snake_case(), "{s:?}");
            assert_eq!(upper_camel_case(s), s.to_upper_camel_case(), "{s:?}");
        }
    }

    #[test]
    fn snake_case_basics() {
        assert_eq!(snake("clientContext"), "client_context");
        assert_eq!(snake("@odata.type"), "odata_type");
        assert_eq!(snake("item-path"), "item_path");
        assert_eq!(snake("id | userPrincipalName"), "id_user_principal_name");
        assert_eq!(snake("with space"), "with_space");
        assert_eq!(snake("updateCancelMediaProcessingOperation"), "update_cancel_media_processing_operation");
    }

    #[test]
    fn upper_camel_basics() {
        assert_eq!(upper_camel("commsOperation"), "CommsOperation");
        assert_eq!(upper_camel("unknownFutureValue"), "UnknownFutureValue");
        assert_eq!(upper_camel("microsoft.graph.entity"), "MicrosoftGraphEntity");
        assert_eq!(upper_camel("a-b_c d"), "ABCD");
    }

    #[test]
    fn leading_digits_get_a_prefix() {
        assert_eq!(snake("3dModel"), "_3d_model");
        assert_eq!(upper_camel("5GHz"), "N5gHz");
        assert_eq!(snake("1"), "_1");
    }

    #[test]
    fn empty_and_symbol_only_names_are_never_empty() {
        assert_eq!(snake(""), "empty");
        assert_eq!(upper_camel(""), "Empty");
        assert_eq!(snake("@@"), "unnamed");
        assert_eq!(upper_camel("--"), "Unnamed");
    }

    #[test]
    fn non_ascii_becomes_distinct_words() {
        assert_eq!(snake("café"), "caf_u00e9");
        assert_ne!(snake("café"), snake("cafè"));
        assert!(upper_camel("naïve").is_ascii());
    }

    #[test]
    fn keywords() {
        assert_eq!(snake("type"), "type");
        assert_eq!(ident("type"), "r#type");
        assert_eq!(ident("gen"), "r#gen");
        assert_eq!(ident("async"), "r#async");
        assert_eq!(ident("move"), "r#move");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("super"), "super_");
        assert_eq!(snake("crate"), "crate_");
        assert_eq!(upper_camel("self"), "Self_");
        assert_eq!(ident("self_"), "self_");
        assert_eq!(ident("client_context"), "client_context");
        // A name made only of an underscore is no identifier at all.
        assert_eq!(snake("_"), "unnamed");
    }

    #[test]
    fn every_produced_identifier_parses() {
        let wires = [
            "type",
            "self",
            "Self",
            "super",
            "crate",
            "_",
            "gen",
            "try",
            "3d",
            "",
            "@odata.type",
            "fooBar",
            "naïve",
            "union",
            "macro_rules",
            "dyn",
            "r#type",
            "a--b",
        ];
        for w in wires {
            for name in [ident(&snake(w)), ident(&upper_camel(w))] {
                let parsed: Result<syn::Ident, _> = syn::parse_str(&name);
                assert!(parsed.is_ok(), "{w:?} gave {name:?}, which is not an identifier");
            }
        }
    }

    #[test]
    fn scope_numbers_collisions() {
        let mut s = Scope::with_reserved(Style::Snake, ["additional_properties"]);
        assert_eq!(s.claim("id"), "id");
        assert_eq!(s.claim("id"), "id_2");
        assert_eq!(s.claim("id"), "id_3");
        assert_eq!(s.claim("additional_properties"), "additional_properties_2");
        let mut t = Scope::new(Style::UpperCamel);
        assert_eq!(t.claim("Session"), "Session");
        assert_eq!(t.claim("Session"), "Session2");
    }

    #[test]
    fn keywords_inside_longer_names_keep_no_underscore() {
        assert_eq!(
            [snake_part("self"), snake_part("Self"), snake_part("crate"), snake_part("userId")],
            ["self", "self", "crate", "user_id"]
        );
        // `_` alone is no word at all; its escape stays.
        assert_eq!(snake_part("_"), snake("_"));
    }

    #[test]
    fn numbered_keywords_lose_their_underscore() {
        let mut s = Scope::new(Style::Snake);
        assert_eq!([s.claim("self_"), s.claim("self_")], ["self_", "self_2"]);
        let mut s = Scope::new(Style::UpperCamel);
        assert_eq!([s.claim("Self_"), s.claim("Self_")], ["Self_", "Self2"]);
        let mut s = Scope::new(Style::Snake);
        assert_eq!([s.claim("__"), s.claim("__")], ["__", "___2"]);
    }

    #[test]
    fn numbered_name_that_exists_is_skipped() {
        let mut s = Scope::new(Style::Snake);
        s.reserve("id_2");
        assert_eq!(s.claim("id"), "id");
        assert_eq!(s.claim("id"), "id_3");
        // A numbered form claimed as a name of its own is skipped when the count reaches it.
        assert_eq!(s.claim("id_5"), "id_5");
        assert_eq!(s.claim("id"), "id_4");
        assert_eq!(s.claim("id"), "id_6");
    }

    #[test]
    fn many_claims_of_one_name_count_on() {
        let mut s = Scope::new(Style::Snake);
        let got: Vec<String> = (0..1000).map(|_| s.claim("get")).collect();
        assert_eq!(got[0], "get");
        assert_eq!(got[1], "get_2");
        assert_eq!(got[999], "get_1000");
    }

    #[test]
    fn assign_is_settled_by_sorted_wire_order() {
        let mut a = Scope::new(Style::Snake);
        let names = assign(&mut a, &["foo_bar", "fooBar", "id", "Id"]);
        // Sorted: "Id" < "fooBar" < "foo_bar" < "id".
        assert_eq!(names, ["foo_bar_2", "foo_bar", "id_2", "id"]);
        // The input order does not matter.
        let mut b = Scope::new(Style::Snake);
        let names = assign(&mut b, &["Id", "id", "fooBar", "foo_bar"]);
        assert_eq!(names, ["id", "id_2", "foo_bar", "foo_bar_2"]);
    }

    #[test]
    fn type_names_across_namespaces() {
        let types = [
            TypeName { namespace: "microsoft.graph.callRecords", name: "session" },
            TypeName { namespace: "microsoft.graph", name: "session" },
            TypeName { namespace: "microsoft.graph", name: "user" },
            TypeName { namespace: "microsoft.graph.callRecords", name: "segment" },
            TypeName { namespace: "microsoft.graph", name: "result" },
            TypeName { namespace: "microsoft.graph", name: "fooBar" },
            TypeName { namespace: "microsoft.graph", name: "FooBar" },
        ];
        let mut scope = Scope::new(Style::UpperCamel);
        let names = assign_type_names(&mut scope, &types);
        assert_eq!(names, ["CallRecordsSession", "Session", "User", "Segment", "GraphResult", "FooBar2", "FooBar"]);
        assert!(scope.contains("Option"));
        // Same input in another order gives every type the same name.
        let mut reversed = types.to_vec();
        reversed.reverse();
        let mut scope = Scope::new(Style::UpperCamel);
        let mut again = assign_type_names(&mut scope, &reversed);
        again.reverse();
        assert_eq!(again, names);
    }

    #[test]
    fn two_foreign_namespaces_sharing_a_name() {
        let types = [
            TypeName { namespace: "microsoft.graph.a", name: "thing" },
            TypeName { namespace: "microsoft.graph.b", name: "thing" },
        ];
        let names = assign_type_names(&mut Scope::new(Style::UpperCamel), &types);
        assert_eq!(names, ["Thing", "BThing"]);
    }

    #[test]
    fn page_modules() {
        assert_eq!(page_module("api/call-cancelmediaprocessing.md"), "call_cancelmediaprocessing");
        assert_eq!(page_module("resources/commsoperation.md"), "commsoperation");
        assert_eq!(page_module(""), "docs");
        assert_eq!(page_module("api/self.md"), "self_");
    }

    #[test]
    fn raw_strings_cannot_be_ended_early() {
        assert_eq!(raw_string_literal("{}"), "r#\"{}\"#");
        assert_eq!(raw_string_literal("a\"#b"), "r##\"a\"#b\"##");
        assert_eq!(raw_string_literal("\"###"), "r####\"\"###\"####");
        for s in ["plain", "a\"#b", "\"##\"#", "line\nbreak", "cr\r\n"] {
            let lit: syn::LitStr = syn::parse_str(&raw_string_literal(s)).expect("a literal");
            assert_eq!(lit.value(), s);
        }
    }

    #[test]
    fn the_plain_ascii_shortcut_spells_literals_as_proc_macro2_does() {
        for s in ["", "plain text 123 <&> {x} 'q'", "a\"b", "back\\slash", "tab\t", "é", "\u{200b}", "~"] {
            assert_eq!(string_literal(s), proc_macro2::Literal::string(s).to_string(), "{s:?}");
        }
    }

    #[test]
    fn doc_line_literals_are_the_literals_of_the_spaced_lines() {
        for line in ["", "plain", "a \"quoted\" word", "back\\slash", "é", "\t"] {
            let spaced = if line.is_empty() { String::new() } else { format!(" {line}") };
            assert_eq!(doc_line_literal(line), string_literal(&spaced), "{line:?}");
        }
    }

    #[test]
    fn string_literals_escape() {
        let lit: syn::LitStr = syn::parse_str(&string_literal("a \"quoted\" \\ <&>\n")).unwrap();
        assert_eq!(lit.value(), "a \"quoted\" \\ <&>\n");
    }
}
