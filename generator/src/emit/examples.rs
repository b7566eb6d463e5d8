//! `tests/examples/*.rs`: tests made from the examples the validator marked as tested.
//!
//! All pages share one test binary (`tests/examples/main.rs` with a module per page), because
//! every extra binary links the whole SDK again. Each example gives up to three tests: its
//! request body and its response body read into their types and write back unchanged, and the
//! client method sends the documented request to a mock server and reads the documented
//! response.

use super::client::{body_type, return_type};
use super::paths;
use super::plan::{BodyKind, ExamplePlan, PagePlan, Plan, ReturnPlan};
use super::render::{self, Docs, EmitError};
use super::types::TypeRef;
use crate::GeneratedFile;
use crate::ir::{DocumentedQuery, Example, header, named_header};
use crate::names;
use crate::validate::{Checked, decoded_options, query_placeholder_values};
use askama::Template;

/// How tests name the SDK crate.
const ROOT: &str = "::graph_sdk";

/// The JSON of an example as tests show it: pretty-printed, keys in the docs' order.
fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// An example body as the raw string literal its tests embed, made the first time a test asks:
/// the round trip and the client test of an example show the same body.
struct Raw<'a> {
    body: Option<&'a serde_json::Value>,
    literal: std::cell::OnceCell<String>,
}

impl<'a> Raw<'a> {
    fn new(body: Option<&'a serde_json::Value>) -> Raw<'a> {
        Raw { body, literal: std::cell::OnceCell::new() }
    }

    fn get(&self) -> Option<String> {
        let body = self.body?;
        Some(self.literal.get_or_init(|| names::raw_string_literal(&pretty(body))).clone())
    }
}

/// The type the request body of an example reads into, when it is one worth a round trip
/// (a struct or a collection; a bare string or untyped JSON would prove nothing), and whether
/// it is a request struct of the `client` module, which a crate without the `client` feature
/// lacks.
fn request_type(plan: &Plan<'_>, ex: &Example) -> Option<(String, bool)> {
    let op = ex.operation?;
    let body = (*plan.bodies.get(op)?)?;
    ex.request.as_ref()?.body.as_ref()?;
    let request_struct = matches!(body.kind, BodyKind::Request(_));
    let worth = body.collection || request_struct || matches!(body.kind, BodyKind::Type(TypeRef::Struct(_)));
    worth.then(|| (body_type(plan, body, ROOT), request_struct))
}

/// The Rust type the response body of an example reads into: the type validation checked it
/// against (its `@odata.type`, else the operation's response type), when that is a struct.
fn response_type(plan: &Plan<'_>, ex: &Example, checked: &Checked) -> Option<String> {
    let response = ex.response.as_ref()?;
    response.body.as_ref()?;
    if response.status >= 400 {
        return None;
    }
    let checked = checked.response_type.as_ref()?;
    let names = plan.type_names();
    match plan.index.resolve(&checked.ty, names::DEFAULT_NAMESPACE) {
        TypeRef::Json => None,
        t if checked.collection => Some(format!("{ROOT}::runtime::Collection<{}>", names.path(t, ROOT))),
        t @ TypeRef::Struct(_) => Some(names.path(t, ROOT)),
        _ => None,
    }
}

struct RoundTripView {
    name: String,
    ty: String,
    raw: String,
    /// The type is in the `client` module: the test is compiled with the `client` feature only.
    client_only: bool,
}

struct ClientBodyView {
    ty: String,
    raw: Option<String>,
}

struct ClientTestView {
    name: String,
    body: Option<ClientBodyView>,
    response: Option<String>,
    http_method: String,
    path: String,
    /// The example URL's query options as string literals (name, value), sent with
    /// `with_query`: those the documented path neither fixes nor has placeholders for.
    query: Vec<(String, String)>,
    /// What the mock checks of the query: those options, and the ones the method fills in from
    /// its arguments.
    query_checks: Vec<(String, String)>,
    match_body: bool,
    status: u16,
    method: String,
    args: Vec<String>,
    expect_error: bool,
    /// The docs show no response body for a typed result: only the request is checked.
    expect_decode_error: bool,
    want: Option<String>,
    /// The media type the mock answers with.
    response_media: String,
    /// The result is bytes, to be compared with the response's text.
    want_bytes: bool,
    /// A body of bytes: its media type and text, as literals the mock checks.
    upload: Option<(String, String)>,
    /// The example's own request headers, sent with `with_header` (name, value).
    headers: Vec<(String, String)>,
    /// What the mock checks of them: each name with its values in order, split at commas as
    /// wiremock reads them.
    header_checks: Vec<(String, Vec<String>)>,
    /// The `Location` (or `Operation-Location`) header of an accepted answer, as literals
    /// (name, value): the mock sends it and the result must keep it.
    location: Option<(String, String)>,
}

struct TestView {
    docs: Vec<String>,
    round_trips: Vec<RoundTripView>,
    client: Option<ClientTestView>,
}

fn client_test(
    plan: &Plan<'_>,
    ex: &Example,
    checked: &Checked,
    base: &str,
    (request, response): (&Raw, &Raw),
) -> Option<ClientTestView> {
    let o = ex.operation?;
    let op = plan.ir.operations.get(o)?;
    let matched = checked.path_match.as_ref()?;
    let method = &plan.methods[*plan.op_methods.get(o)?.get(matched.path)?];
    let documented = op.paths.get(method.path)?;
    let expected = paths::expected_path(&documented.template, &matched.values)?;
    // The placeholders of the documented query are the method's last arguments but the body;
    // an example that does not give them all gets no client test.
    let example_url_query = ex.request.as_ref().and_then(|r| r.query.as_deref());
    let sent = documented.query.as_deref().map(DocumentedQuery::of).unwrap_or_default();
    let filled = query_placeholder_values(&sent.sent, example_url_query)?;
    let mut query = example_query(example_url_query, documented.query.as_deref()).unwrap_or_default();
    query.retain(|option| !filled.options.contains(option));
    let ret = plan.returns[o];
    // Validation checked the body against the operation's response type too; the client test
    // reads it into the method's return type, which is made from that type.
    if checked.response_type.as_ref().is_some_and(|t| !t.fits_operation) {
        return None;
    }
    let status = ex.response.as_ref().map(|r| r.status).or(op.response.as_ref().map(|r| r.status)).unwrap_or(200);
    // A redirect would be followed away from the mock; there is nothing to check.
    if (300..400).contains(&status) || !(100..=999).contains(&status) {
        return None;
    }
    let expect_error = status >= 400;
    let response_body = ex.response.as_ref().and_then(|r| r.body.as_ref()).filter(|_| status != 204 && status != 304);
    // Without a usable response body (none shown, or not JSON) the request is still checked:
    // the mock answers the documented status with no body, which an untyped result reads as
    // `null` and a typed one reports as a decode error; nothing is made up.
    let no_body_to_read = !expect_error
        && !matches!(ret, ReturnPlan::Unit | ReturnPlan::Json | ReturnPlan::Bytes | ReturnPlan::Accepted)
        && response_body.is_none();
    let bytes_body = plan.bodies[o].is_some_and(|b| b.kind == BodyKind::Bytes);
    let body = plan.bodies[o]
        .filter(|_| !bytes_body)
        .map(|b| ClientBodyView { ty: body_type(plan, b, ROOT), raw: request.get() });
    // A body of bytes is the example's text (or nothing), sent with the example's media type.
    let upload = bytes_body.then(|| {
        let r = ex.request.as_ref();
        let media = r
            .and_then(|r| header(&r.headers, "content-type"))
            .or(op.request_media_type.as_deref())
            .unwrap_or("application/octet-stream");
        (names::string_literal(media), names::raw_string_literal(r.and_then(|r| r.text.as_deref()).unwrap_or("")))
    });
    // Bytes in answer are the example's text, as it came.
    let response_text = ex
        .response
        .as_ref()
        .filter(|_| ret == ReturnPlan::Bytes && status != 204 && status != 304)
        .and_then(|r| Some((r.text.as_deref()?, header(&r.headers, "content-type"))));
    // Where the example's answer says to follow accepted work: the mock gives it, and the
    // result must keep it.
    let location = ex
        .response
        .as_ref()
        .filter(|_| ret == ReturnPlan::Accepted && !expect_error)
        .and_then(|r| ["location", "operation-location"].iter().find_map(|n| named_header(&r.headers, n)))
        .filter(|(_, v)| !v.is_empty() && v.bytes().all(|b| (0x21..0x7f).contains(&b)))
        .map(|(n, v)| (names::string_literal(n), names::string_literal(v)));
    let mut args: Vec<String> = matched.values.iter().chain(&filled.values).map(|v| names::string_literal(v)).collect();
    if let Some((media, text)) = &upload {
        args.push(media.clone());
        args.push(format!("{text}.as_bytes()"));
    } else if body.is_some() {
        args.push("&body".to_owned());
    }
    let headers = ex.request.as_ref().map(|r| extra_headers(&r.headers)).unwrap_or_default();
    let mut header_checks: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in &headers {
        let values = value.split(',').map(|v| names::string_literal(v.trim()));
        match header_checks.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some((_, all)) => all.extend(values),
            None => header_checks.push((name.to_string(), values.collect())),
        }
    }
    Some(ClientTestView {
        name: format!("{base}_client"),
        headers: headers.iter().map(|(n, v)| (names::string_literal(n), names::string_literal(v))).collect(),
        header_checks: header_checks.into_iter().map(|(n, v)| (names::string_literal(&n), v)).collect(),
        match_body: body.as_ref().is_some_and(|b| b.raw.is_some()),
        body,
        response: match response_text {
            Some((text, _)) => Some(names::raw_string_literal(text)),
            None => response_body.and_then(|_| response.get()),
        },
        response_media: names::string_literal(
            response_text.and_then(|(_, media)| media).unwrap_or(if ret == ReturnPlan::Bytes {
                "application/octet-stream"
            } else {
                "application/json"
            }),
        ),
        want_bytes: !expect_error && response_text.is_some(),
        upload,
        http_method: names::string_literal(op.method.as_str()),
        path: names::string_literal(&expected),
        query_checks: query
            .iter()
            .chain(&filled.options)
            .map(|(k, v)| (names::string_literal(k), names::string_literal(v)))
            .collect(),
        query: query.iter().map(|(k, v)| (names::string_literal(k), names::string_literal(v))).collect(),
        status,
        method: names::ident(&method.name),
        args,
        expect_error,
        expect_decode_error: no_body_to_read,
        location,
        want: (!expect_error
            && !matches!(ret, ReturnPlan::Unit | ReturnPlan::Bytes | ReturnPlan::Accepted)
            && response_body.is_some())
        .then(|| return_type(plan, ret, ROOT)),
    })
}

/// The headers of an example request that a test sends as the caller would, with
/// `Client::with_header`: all but those the client sets itself (the token, the body's type and
/// length, `Accept`, `Host`), and only those HTTP can carry as written (a token for a name,
/// visible ASCII for a value), in their order.
fn extra_headers(headers: &[(String, String)]) -> Vec<(&str, &str)> {
    const OWN: [&str; 5] = ["authorization", "content-type", "content-length", "accept", "host"];
    let token = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
    headers
        .iter()
        .map(|(n, v)| (n.trim(), v.trim()))
        .filter(|(n, v)| {
            token(n)
                && !OWN.iter().any(|own| n.eq_ignore_ascii_case(own))
                && !v.is_empty()
                && v.bytes().all(|b| (0x20..0x7f).contains(&b))
        })
        .collect()
}

/// The options of an example request's query, percent-decoded, less those the documented path
/// sends itself: the client test sends them through `Client::with_query` and the mock checks
/// each, so the runtime's encoding meets real Graph queries. `None` when one of them cannot be
/// given as a name and a value (a bare `?$count`, an empty name); the test then checks the path
/// alone, as it does for an example without a query.
fn example_query(example: Option<&str>, documented: Option<&str>) -> Option<Vec<(String, String)>> {
    let pairs = |query: &str| -> Option<Vec<(String, String)>> { decoded_options(query).collect() };
    let fixed = documented.and_then(pairs).unwrap_or_default();
    let mut options = pairs(example?)?;
    options.retain(|pair| !fixed.contains(pair));
    Some(options)
}

fn test_view(plan: &Plan<'_>, p: &ExamplePlan) -> TestView {
    let ex = plan.example(p);
    let request = Raw::new(ex.request.as_ref().and_then(|r| r.body.as_ref()));
    let response = Raw::new(ex.response.as_ref().and_then(|r| r.body.as_ref()));
    let mut round_trips = Vec::new();
    if let Some((ty, client_only)) = request_type(plan, ex)
        && let Some(raw) = request.get()
    {
        round_trips.push(RoundTripView { name: format!("{}_request_round_trip", p.name), ty, raw, client_only });
    }
    if let Some(ty) = response_type(plan, ex, plan.checked(p))
        && let Some(raw) = response.get()
    {
        let name = format!("{}_response_round_trip", p.name);
        round_trips.push(RoundTripView { name, ty, raw, client_only: false });
    }
    TestView {
        docs: Docs::new().line(&format!("The example `{}`.", ex.name)).source(&ex.loc.file, ex.loc.line).literals(),
        round_trips,
        client: client_test(plan, ex, plan.checked(p), &p.name, (&request, &response)),
    }
}

/// Counts what the generated tests cover, by the same rules that decide which tests are made.
pub(crate) fn coverage(plan: &Plan<'_>) -> super::Coverage {
    let ir = plan.ir;
    let mut c = super::Coverage {
        response_bodies: ir.examples.iter().filter(|e| e.response.as_ref().is_some_and(|r| r.body.is_some())).count(),
        request_bodies: ir.examples.iter().filter(|e| e.request.as_ref().is_some_and(|r| r.body.is_some())).count(),
        operation_paths: ir.operations.iter().map(|o| o.paths.len()).sum(),
        client_methods: plan.op_methods.iter().map(Vec::len).sum(),
        ..super::Coverage::default()
    };
    for p in &plan.examples {
        let ex = plan.example(p);
        let bodies = (&Raw::new(None), &Raw::new(None));
        // Whether there is a client test does not depend on the bodies it would show.
        let client = client_test(plan, ex, plan.checked(p), &p.name, bodies).is_some();
        c.client_tests += usize::from(client);
        if response_type(plan, ex, plan.checked(p)).is_some() && ex.response.as_ref().is_some_and(|r| r.body.is_some())
        {
            c.response_round_trips += 1;
            c.responses_tested += usize::from(client);
        }
        if request_type(plan, ex).is_some() && ex.request.as_ref().is_some_and(|r| r.body.is_some()) {
            c.request_round_trips += 1;
            c.requests_tested += usize::from(client);
        }
    }
    c
}

#[derive(Template)]
#[template(path = "examples_page.rs.j2", escape = "none")]
struct PageFile {
    module_docs: Vec<String>,
    tests: Vec<TestView>,
}

#[derive(Template)]
#[template(path = "examples_main.rs.j2", escape = "none")]
struct MainFile {
    modules: Vec<String>,
    /// Whether any page has a round-trip test, which is what uses the helpers.
    helpers: bool,
    /// Whether every round-trip test needs the `client` feature, so the helpers do too: without
    /// it they would be unused, and warnings are denied.
    helpers_client_only: bool,
}

pub(crate) fn page_path(page: &PagePlan) -> String {
    format!("tests/examples/{}.rs", page.module)
}

/// Renders the tests of one page.
pub(crate) fn page_file(plan: &Plan<'_>, page: &PagePlan) -> Result<GeneratedFile, EmitError> {
    let path = page_path(page);
    let view = PageFile {
        module_docs: Docs::new().line(&format!("Tests from the examples of `{}`.", page.file)).literals(),
        tests: page.items.iter().map(|&k| test_view(plan, &plan.examples[k])).collect(),
    };
    let text = render::render(&view, "examples_page.rs.j2", &path)?;
    render::rust_file(plan.cache, "examples_page.rs.j2", &path, render::page_or_docs(&page.file), &text)
}

/// Renders `tests/examples/main.rs`.
pub(crate) fn main_file(plan: &Plan<'_>) -> Result<GeneratedFile, EmitError> {
    let path = "tests/examples/main.rs";
    // Per example: whether it has a round trip, and whether one needs no `client` feature.
    let (mut helpers, mut helpers_client_only) = (false, true);
    for p in &plan.examples {
        let ex = plan.example(p);
        let request = request_type(plan, ex);
        let response = response_type(plan, ex, plan.checked(p)).is_some();
        helpers |= request.is_some() || response;
        helpers_client_only &= !response && request.is_none_or(|(_, client_only)| client_only);
    }
    let mut modules: Vec<String> = plan.example_pages.iter().map(|p| names::ident(&p.module)).collect();
    modules.sort();
    let view = MainFile { modules, helpers, helpers_client_only: helpers && helpers_client_only };
    let text = render::render(&view, "examples_main.rs.j2", path)?;
    render::rust_file(plan.cache, "examples_main.rs.j2", path, "docs/", &text)
}

#[cfg(test)]
mod tests {
    use super::example_query;

    fn pairs(list: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn example_queries_are_decoded_and_lose_what_the_documented_path_sends() {
        assert_eq!(
            example_query(Some("?$filter=id%20eq%20'a'&$top=2&"), None),
            pairs(&[("$filter", "id eq 'a'"), ("$top", "2")])
        );
        assert_eq!(example_query(Some("$select=id&$top=2"), Some("$select=id")), pairs(&[("$top", "2")]));
        assert_eq!(example_query(Some("$select=id"), Some("?$select=id")), pairs(&[]));
        assert_eq!(example_query(Some("$search=\"a b\"&$x="), None), pairs(&[("$search", "\"a b\""), ("$x", "")]));
        // What cannot be sent as a name and a value leaves the test to check the path alone.
        assert_eq!(example_query(Some("$count&$top=2"), None), None);
        assert_eq!(example_query(Some("=x"), None), None);
        assert_eq!(example_query(None, Some("$select=id")), None);
    }
}
