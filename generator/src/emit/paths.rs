//! Path templates: splitting `/calls/{id}/operations/{id}` into literal text and placeholders,
//! and what follows from that (the `format!` string of a client method, the suffix that tells
//! an operation's paths apart, and the encoded path a test expects on the wire).

use crate::names;

pub(crate) use crate::ir::{Piece, pieces};

/// How a placeholder's value is put into the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// One path segment: `/` is encoded too.
    Segment,
    /// A path below an item (`root:/{item-path}:`), where `/` separates folders and stays.
    KeepSlashes,
    /// A value in the documented path's query (`?startDateTime={start_datetime}`).
    QueryValue,
}

impl Encoding {
    /// The runtime function that applies this encoding.
    pub(crate) fn runtime_fn(self) -> &'static str {
        match self {
            Encoding::Segment => "encode_path_param",
            Encoding::KeepSlashes => "encode_path_param_keep_slashes",
            Encoding::QueryValue => "encode_query_value",
        }
    }
}

/// Placeholders right after `:/` or `:` (OneDrive's path-based addressing,
/// `/me/drive/root:/{item-path}:/content`) or named like a path hold a folder path.
pub(crate) fn encoding(before: &str, placeholder: &str) -> Encoding {
    let name = placeholder.to_ascii_lowercase();
    if before.ends_with(":/") || before.ends_with(':') || name.contains("path") {
        Encoding::KeepSlashes
    } else {
        Encoding::Segment
    }
}

/// The encodings of a template's placeholders, in order.
pub(crate) fn encodings(template: &str) -> Vec<Encoding> {
    let pieces = pieces(template);
    let mut out = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        if let Piece::Placeholder(p) = piece {
            let before = match i.checked_sub(1).map(|j| &pieces[j]) {
                Some(Piece::Literal(l)) => l,
                _ => "",
            };
            out.push(encoding(before, p));
        }
    }
    out
}

/// The contents of a `format!` string for a template: literal text with braces doubled and `{}`
/// for each placeholder.
pub(crate) fn format_string(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    for piece in pieces(template) {
        match piece {
            Piece::Literal(l) => out.push_str(&l.replace('{', "{{").replace('}', "}}")),
            Piece::Placeholder(_) => out.push_str("{}"),
        }
    }
    out
}

/// The literal segments of a template, in order, skipping segments that hold a placeholder.
fn literal_segments(template: &str) -> Vec<&str> {
    template.split('/').filter(|s| !s.is_empty() && !s.contains('{')).collect()
}

/// Method-name suffixes that tell an operation's paths apart: for the smallest `k` that makes
/// them distinct, the first `k` literal segments of each path in snake_case (`/me/calendar` →
/// `me`, `/users/{id}/calendar` → `users`). When no `k` does (paths that differ only in their
/// placeholders), the longest suffixes are returned and the caller's scope numbers the rest.
pub(crate) fn distinguishing_suffixes(templates: &[&str]) -> Vec<String> {
    // Each segment in snake_case once, not once for every `k` tried.
    let segments: Vec<Vec<String>> =
        templates.iter().map(|t| literal_segments(t).into_iter().map(names::snake_part).collect()).collect();
    let longest = segments.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let suffix = |words: &Vec<String>, k: usize| -> String {
        if words.is_empty() { "root".to_owned() } else { words[..k.min(words.len())].join("_") }
    };
    for k in 1..=longest {
        let candidates: Vec<String> = segments.iter().map(|s| suffix(s, k)).collect();
        // Distinct when no two are equal once sorted; references are sorted, not copies.
        let mut sorted: Vec<&String> = candidates.iter().collect();
        sorted.sort_unstable();
        if sorted.windows(2).all(|w| w[0] != w[1]) {
            return candidates;
        }
    }
    segments.iter().map(|s| suffix(s, longest)).collect()
}

/// Percent-encodes a placeholder value the way the runtime's `encode_path_param` does: RFC 3986
/// `pchar` bytes other than `%` stay (unreserved characters, the sub-delimiters `!$&'()*+,;=`,
/// `:` and `@`), every other byte becomes `%XX`, and with [`Encoding::KeepSlashes`] `/` stays as
/// well. This is a second, independent statement of the runtime's rule: tests use it to spell
/// out the exact path the client must send, so a change in the runtime's encoding shows up as a
/// failing generated test rather than passing silently.
pub(crate) fn encode(value: &str, encoding: Encoding) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~!$&'()*+,;=:@".contains(&b)
            || (b == b'/' && encoding == Encoding::KeepSlashes);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The path a client sends for `template` with `values` in its placeholders, or `None` when the
/// number of values does not fit the template.
pub(crate) fn expected_path(template: &str, values: &[String]) -> Option<String> {
    let encodings = encodings(template);
    if encodings.len() != values.len() {
        return None;
    }
    let mut out = String::new();
    let mut i = 0;
    for piece in pieces(template) {
        match piece {
            // The URL parser percent-encodes these in a path's literal text (the WHATWG path
            // percent-encode set), so the path on the wire has them encoded:
            // `resizedRange(deltaRows={n}, deltaColumns={n})` is sent with `%20`.
            Piece::Literal(l) => {
                for c in l.chars() {
                    match c {
                        ' ' | '"' | '<' | '>' | '`' | '{' | '}' => out.push_str(&format!("%{:02X}", c as u32)),
                        c => out.push(c),
                    }
                }
            }
            Piece::Placeholder(_) => {
                out.push_str(&encode(&values[i], encodings[i]));
                i += 1;
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angle_brackets_are_placeholders_too() {
        assert_eq!(
            pieces("/worksheets/{id|name}/range(address='<address>')/format"),
            [
                Piece::Literal("/worksheets/"),
                Piece::Placeholder("id|name"),
                Piece::Literal("/range(address='"),
                Piece::Placeholder("address"),
                Piece::Literal("')/format"),
            ]
        );
        assert_eq!(format_string("/a(<x>)"), "/a({})");
        assert_eq!(pieces("/a<b"), [Piece::Literal("/a<b")]);
    }

    #[test]
    fn splits_placeholders() {
        assert_eq!(
            pieces("/calls/{id}/operations/{ id | name }"),
            [
                Piece::Literal("/calls/"),
                Piece::Placeholder("id"),
                Piece::Literal("/operations/"),
                Piece::Placeholder("id | name")
            ]
        );
        assert_eq!(pieces("/a/{unclosed"), [Piece::Literal("/a/{unclosed")]);
        assert_eq!(pieces(""), []);
    }

    #[test]
    fn format_strings() {
        assert_eq!(format_string("/calls/{id}/x"), "/calls/{}/x");
        assert_eq!(format_string("/f(a='{a}')/{b"), "/f(a='{}')/{{b");
    }

    #[test]
    fn item_paths_keep_slashes() {
        assert_eq!(encodings("/me/drive/root:/{item-path}:/content"), [Encoding::KeepSlashes]);
        assert_eq!(encodings("/drives/{drive-id}/items/{item-id}"), [Encoding::Segment, Encoding::Segment]);
    }

    #[test]
    fn suffixes() {
        assert_eq!(distinguishing_suffixes(&["/me/calendar", "/users/{id}/calendar"]), ["me", "users"]);
        assert_eq!(
            distinguishing_suffixes(&["/groups/{id}/calendar/events", "/groups/{id}/events"]),
            ["groups_calendar", "groups_events"]
        );
        // Paths that differ only in placeholders cannot be told apart by literals.
        assert_eq!(distinguishing_suffixes(&["/users/{id}/x", "/users/{upn}/x"]), ["users_x", "users_x"]);
        assert_eq!(distinguishing_suffixes(&["/{id}", "/a"]), ["root", "a"]);
    }

    #[test]
    fn encoding_values() {
        assert_eq!(encode("abc-1.2_~", Encoding::Segment), "abc-1.2_~");
        assert_eq!(encode("a b/c?d#é%", Encoding::Segment), "a%20b%2Fc%3Fd%23%C3%A9%25");
        assert_eq!(encode("alice@contoso.com", Encoding::Segment), "alice@contoso.com");
        assert_eq!(encode("('k'),x;y=z:!$*+&", Encoding::Segment), "('k'),x;y=z:!$*+&");
        assert_eq!(encode("folder/file name.txt", Encoding::KeepSlashes), "folder/file%20name.txt");
        assert_eq!(
            expected_path("/calls/{id}/operations/{id}", &["a b".into(), "c".into()]).as_deref(),
            Some("/calls/a%20b/operations/c")
        );
        assert_eq!(expected_path("/calls/{id}", &[]), None);
        assert_eq!(
            expected_path("/r/resized(rows={n}, columns={n})", &["1".into(), "2".into()]).as_deref(),
            Some("/r/resized(rows=1,%20columns=2)")
        );
    }
}
