//! Format checks for Graph's string-encoded primitives (date-times, dates, times, durations, GUIDs).
//!
//! This file has no dependencies so that it can be shared: the runtime uses it for the
//! `is_valid()` of its wrapper types (as `src/formats.rs` of `docgen-runtime` and as
//! `src/runtime/formats.rs` of every generated crate), and the generator's validator includes
//! it with `#[path]`, so an example is judged by exactly the rules the generated code applies.

/// Whether `value` is `YYYY-MM-DDThh:mm[:ss[.f+]]` followed by `Z` or `+hh:mm`/`-hh:mm`.
///
/// The date must exist (leap years included), hours are 00-23, minutes and seconds 00-59, the
/// fraction has any number of digits, and 'T' and 'Z' are upper-case, as Graph sends them.
pub fn is_date_time_offset(value: &str) -> bool {
    let bytes = value.as_bytes();
    if bytes.len() < 11 || bytes[10] != b'T' || !date_bytes_ok(&bytes[..10]) {
        return false;
    }
    let rest = &bytes[11..];
    if let Some(time) = rest.strip_suffix(b"Z") {
        return time_bytes_ok(time);
    }
    match rest.iter().position(|&byte| byte == b'+' || byte == b'-') {
        Some(sign) => time_bytes_ok(&rest[..sign]) && offset_bytes_ok(&rest[sign + 1..]),
        None => false,
    }
}

/// Whether `value` is `YYYY-MM-DD` naming a date that exists (leap years included).
pub fn is_date(value: &str) -> bool {
    date_bytes_ok(value.as_bytes())
}

/// Whether `value` is `hh:mm[:ss[.f+]]` with hours 00-23 and minutes and seconds 00-59.
///
/// Seconds are optional because the `OData` grammar for `Edm.TimeOfDay` makes them so, although
/// Graph itself always sends them.
pub fn is_time_of_day(value: &str) -> bool {
    time_bytes_ok(value.as_bytes())
}

/// Whether `value` is an ISO 8601 duration `[+-]P[nY][nM][nW][nD][T[nH][nM][n[.n]S]]`.
///
/// At least one component is required, components appear in that order at most once, a 'T' must
/// be followed by a time component, and only seconds may have a fraction.
pub fn is_duration(value: &str) -> bool {
    let bytes = value.as_bytes();
    let mut at = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    if bytes.get(at) != Some(&b'P') {
        return false;
    }
    at += 1;
    let mut designators: &[u8] = b"YMWD";
    let mut in_time = false;
    let mut components = 0;
    let mut time_components = 0;
    while at < bytes.len() {
        if bytes[at] == b'T' {
            if in_time {
                return false;
            }
            in_time = true;
            designators = b"HMS";
            at += 1;
            continue;
        }
        let digits = count_digits(&bytes[at..]);
        if digits == 0 {
            return false;
        }
        at += digits;
        let mut fraction = false;
        if bytes.get(at) == Some(&b'.') {
            let fraction_digits = count_digits(&bytes[at + 1..]);
            if fraction_digits == 0 {
                return false;
            }
            at += 1 + fraction_digits;
            fraction = true;
        }
        let Some(&designator) = bytes.get(at) else {
            return false;
        };
        let Some(index) = designators.iter().position(|&d| d == designator) else {
            return false;
        };
        if fraction && designator != b'S' {
            return false;
        }
        designators = &designators[index + 1..];
        at += 1;
        components += 1;
        if in_time {
            time_components += 1;
        }
    }
    components > 0 && (!in_time || time_components > 0)
}

/// Whether `value` is a GUID in the 8-4-4-4-12 hexadecimal form, in either letter case and
/// without braces.
pub fn is_guid(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(index, &byte)| match index {
            8 | 13 | 18 | 23 => byte == b'-',
            _ => byte.is_ascii_hexdigit(),
        })
}

fn date_bytes_ok(bytes: &[u8]) -> bool {
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    match (number(&bytes[..4]), number(&bytes[5..7]), number(&bytes[8..])) {
        (Some(year), Some(month), Some(day)) => {
            (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
        }
        _ => false,
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn time_bytes_ok(bytes: &[u8]) -> bool {
    if bytes.len() < 5 || !hour_minute_ok(&bytes[..5]) {
        return false;
    }
    let rest = &bytes[5..];
    if rest.is_empty() {
        return true;
    }
    if rest.len() < 3 || rest[0] != b':' || !matches!(number(&rest[1..3]), Some(0..=59)) {
        return false;
    }
    let fraction = &rest[3..];
    fraction.is_empty()
        || (fraction[0] == b'.' && fraction.len() > 1 && count_digits(&fraction[1..]) == fraction.len() - 1)
}

fn offset_bytes_ok(bytes: &[u8]) -> bool {
    bytes.len() == 5 && hour_minute_ok(bytes)
}

/// Checks `hh:mm` with hours 00-23 and minutes 00-59.
fn hour_minute_ok(bytes: &[u8]) -> bool {
    bytes.len() == 5
        && bytes[2] == b':'
        && matches!(number(&bytes[..2]), Some(0..=23))
        && matches!(number(&bytes[3..]), Some(0..=59))
}

/// Parses a short, non-empty run of ASCII digits; anything else yields `None`.
fn number(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 9 {
        return None;
    }
    bytes.iter().try_fold(
        0u32,
        |total, &byte| {
            if byte.is_ascii_digit() { Some(total * 10 + u32::from(byte - b'0')) } else { None }
        },
    )
}

fn count_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|byte| byte.is_ascii_digit()).count()
}
