//! Validate: cross-checks on the IR: examples against the documented types, request URLs
//! against documented paths, enums against their "Possible values" lists, request bodies against
//! resources, links against pages, and example names across the doc set.
//!
//! Validation decides each example's [`Verdict`]: only an example that fits the documented types
//! becomes a generated test, and every rejection names its diagnostics.

use crate::diagnostics::{Code, Diagnostic, Severity, Span};
use crate::formats;
use crate::ir::*;
use crate::lower::{edit_distance, file_stem, primitive, ref_key, split_qualified, type_key};
use crate::parse::Page;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::Value;
use std::collections::BTreeMap;

/// Runs every check but the links' ([`check_links`], which needs only the pages and runs
/// alongside lowering), sets each example's path match, verdict and response type, and returns
/// the diagnostics.
pub fn validate(ir: &mut Ir, pages: &[Page]) -> Vec<Diagnostic> {
    let (diagnostics, checked) = check(ir, pages);
    apply(ir, checked);
    diagnostics
}

/// What validation settles about one example: the fields of [`Example`] that [`apply`] sets.
/// They are kept apart from the IR until then, so that the emit plan, which reads the IR, can be
/// made while validation runs (see `generate_cached`).
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub path_match: Option<PathMatch>,
    pub verdict: Verdict,
    pub response_type: Option<ExampleType>,
}

impl Checked {
    /// What an example of an IR that was validated already carries.
    pub fn of(ex: &Example) -> Checked {
        Checked {
            path_match: ex.path_match.clone(),
            verdict: ex.verdict.clone(),
            response_type: ex.response_type.clone(),
        }
    }
}

/// [`validate`] without writing into the IR: the diagnostics, and what was settled about each
/// example, in the order of `ir.examples`.
pub fn check(ir: &Ir, pages: &[Page]) -> (Vec<Diagnostic>, Vec<Checked>) {
    let by_path: FxHashMap<&str, &Page> = pages.iter().map(|p| (p.path, p)).collect();
    let model = Model::new(ir);
    // Examples are checked independently of each other, on every core; results keep their order.
    // The checks over the whole IR read it only, so they run alongside.
    let whole_ir = |check: fn(&Ir, &Model, &FxHashMap<&str, &Page>, &mut Vec<Diagnostic>)| {
        let mut out = Vec::new();
        check(ir, &model, &by_path, &mut out);
        out
    };
    let (examples, (names, (enum_lists, bodies))): (Vec<_>, _) = rayon::join(
        || {
            ir.examples
                .par_iter()
                .with_max_len(crate::PIECE)
                .map(|ex| {
                    let page = by_path.get(ex.loc.file.as_str()).copied();
                    let mut ctx = ExampleCheck { model: &model, page, diags: Vec::new() };
                    let checked = ctx.check(ir, ex);
                    (checked, ctx.diags)
                })
                .collect()
        },
        || {
            rayon::join(
                || whole_ir(|ir, _, by_path, out| check_example_names(ir, by_path, out)),
                || rayon::join(|| whole_ir(check_enum_lists), || whole_ir(check_request_bodies)),
            )
        },
    );
    let mut out = Vec::new();
    let mut checked = Vec::with_capacity(ir.examples.len());
    for (c, diags) in examples {
        out.extend(diags);
        checked.push(c);
    }
    out.extend(names.into_iter().chain(enum_lists).chain(bodies));
    (out, checked)
}

/// Writes what [`check`] settled into the examples of the IR it checked.
pub fn apply(ir: &mut Ir, checked: Vec<Checked>) {
    debug_assert_eq!(ir.examples.len(), checked.len());
    for (ex, c) in ir.examples.iter_mut().zip(checked) {
        ex.path_match = c.path_match;
        ex.verdict = c.verdict;
        ex.response_type = c.response_type;
    }
}

/// Lookup tables over the IR's types and enums.
pub struct Model<'a> {
    types: FxHashMap<String, &'a TypeDef>,
    type_names: FxHashMap<String, Vec<&'a TypeDef>>,
    enums: FxHashMap<String, &'a EnumDef>,
    enum_names: FxHashMap<String, Vec<&'a EnumDef>>,
    /// [`Model::kind`] of every type string the IR's properties and bases use, settled once:
    /// checking the examples asks for these about 40,000 times, and each answer takes a key
    /// built from the string and up to four lookups.
    known: FxHashMap<&'a str, Kind<'a>>,
}

#[derive(Clone, Copy)]
pub enum Kind<'a> {
    Primitive(&'static str),
    Type(&'a TypeDef),
    Enum(&'a EnumDef),
    Unknown,
}

impl<'a> Model<'a> {
    pub fn new(ir: &'a Ir) -> Model<'a> {
        let mut m = Model {
            types: FxHashMap::default(),
            type_names: FxHashMap::default(),
            enums: FxHashMap::default(),
            enum_names: FxHashMap::default(),
            known: FxHashMap::default(),
        };
        for t in &ir.types {
            m.types.insert(type_key(&t.namespace, &t.name), t);
            m.type_names.entry(t.name.to_ascii_lowercase()).or_default().push(t);
        }
        for e in &ir.enums {
            m.enums.insert(type_key(&e.namespace, &e.name), e);
            m.enum_names.entry(e.name.to_ascii_lowercase()).or_default().push(e);
        }
        let mut known = FxHashMap::default();
        for t in &ir.types {
            for ty in t.base.as_deref().into_iter().chain(t.properties.iter().map(|p| p.ty.as_str())) {
                known.entry(ty).or_insert_with(|| m.settle(ty));
            }
        }
        m.known = known;
        m
    }

    /// What an IR type string names: `String`, `resultInfo`, `microsoft.graph.callRecords.session`.
    pub fn kind(&self, ty: &str) -> Kind<'a> {
        match self.known.get(ty) {
            Some(&k) => k,
            None => self.settle(ty),
        }
    }

    /// [`Model::kind`], worked out from the tables.
    fn settle(&self, ty: &str) -> Kind<'a> {
        let ty = ty.trim().trim_start_matches('#');
        if let Some(p) = primitive(ty) {
            return Kind::Primitive(p);
        }
        let key = ref_key(ty);
        let name = split_qualified(ty).1;
        if let Some(t) = self.types.get(&key) {
            return Kind::Type(t);
        }
        if let Some(e) = self.enums.get(&key) {
            return Kind::Enum(e);
        }
        let lname = name.to_ascii_lowercase();
        if let Some(ts) = self.type_names.get(&lname)
            && let Some(t) = ts.first()
        {
            return Kind::Type(t);
        }
        if let Some(es) = self.enum_names.get(&lname)
            && let Some(e) = es.first()
        {
            return Kind::Enum(e);
        }
        Kind::Unknown
    }

    pub fn base(&self, t: &TypeDef) -> Option<&'a TypeDef> {
        match self.kind(t.base.as_deref()?) {
            Kind::Type(b) if !std::ptr::eq(b, t) => Some(b),
            _ => None,
        }
    }

    /// The type and its ancestors, nearest first; stops on cycles.
    pub fn chain(&self, t: &'a TypeDef) -> Vec<&'a TypeDef> {
        let mut out = vec![t];
        let mut cur = t;
        while let Some(b) = self.base(cur) {
            if out.iter().any(|x| std::ptr::eq(*x, b)) {
                break;
            }
            out.push(b);
            cur = b;
        }
        out
    }

    /// A property declared on the type or inherited, by exact wire name.
    pub fn property(&self, t: &'a TypeDef, name: &str) -> Option<&'a Property> {
        self.chain(t).into_iter().find_map(|c| c.properties.iter().find(|p| p.name == name))
    }

    pub fn property_ci(&self, t: &'a TypeDef, name: &str) -> Option<&'a Property> {
        self.chain(t).into_iter().find_map(|c| c.properties.iter().find(|p| p.name.eq_ignore_ascii_case(name)))
    }

    /// Whether an object of this type may carry properties no page lists for it: the type (or
    /// an ancestor) is open, or its ancestry ends in a base type that no page defines, whose
    /// properties are therefore unknown. Either way an unlisted property is not a defect.
    pub fn is_open(&self, t: &'a TypeDef) -> bool {
        self.chain(t).iter().any(|c| c.open) || self.ancestry_undocumented(t)
    }

    /// Whether `t`'s chain of base types ends in one that no page defines: what `t` inherits,
    /// and from what, is then unknown.
    pub fn ancestry_undocumented(&self, t: &'a TypeDef) -> bool {
        let last = self.chain(t).last().copied().unwrap_or(t);
        last.base.as_deref().is_some_and(|b| matches!(self.kind(b), Kind::Unknown))
    }

    /// Whether `sub` is `sup` or derives from it.
    pub fn derives(&self, sub: &'a TypeDef, sup: &'a TypeDef) -> bool {
        self.chain(sub).iter().any(|c| std::ptr::eq(*c, sup))
    }
}

struct ExampleCheck<'m, 'a> {
    model: &'m Model<'a>,
    page: Option<&'m Page<'m>>,
    diags: Vec<Diagnostic>,
}

/// One finding inside a JSON body: the code, the message, and the JSON key (and value) to point at.
struct Issue {
    code: Code,
    message: String,
    key: Option<String>,
    value: Option<String>,
    /// Where in the body the finding is, innermost step first (the checks add the steps as
    /// their recursion unwinds): how a diagnostic points at the right one of several objects
    /// that share a key.
    path: Vec<Step>,
}

/// One step into a JSON value: an object's key or an array's index.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Adds `step` to the path of every issue from `from` on: they were found inside that step.
fn nest(issues: &mut [Issue], from: usize, step: Step) {
    for i in &mut issues[from..] {
        i.path.push(step.clone());
    }
}

impl ExampleCheck<'_, '_> {
    /// A diagnostic on the line of `loc` (a request or status line).
    fn diag_at(&mut self, code: Code, loc: &Loc, message: String) {
        self.diag_issue(loc, Issue { code, message, key: None, value: None, path: Vec::new() });
    }

    /// A diagnostic for a finding inside the body of the example at `loc`. The body is walked
    /// along the finding's path, so that of several objects sharing a key the right one is
    /// pointed at; a body the walk cannot follow falls back to the first match of the key's
    /// text, and a finding with neither to the line of `loc`.
    fn diag_issue(&mut self, loc: &Loc, mut issue: Issue) {
        let Issue { code, message, .. } = issue;
        let Some(page) = self.page else {
            self.diags.push(Diagnostic {
                code: code.as_str().into(),
                severity: code.severity(),
                file: loc.file.clone(),
                line: loc.line,
                column: loc.column,
                end_line: loc.line,
                end_column: loc.column,
                span: Span::default(),
                message,
                help: Some(code.fix().into()),
            });
            return;
        };
        let (start, block_end) = block_at(page, loc);
        issue.path.reverse();
        let at_value = issue.value.is_some() || !matches!(issue.path.last(), Some(Step::Key(_)));
        let span = locate_path(page.text, start, block_end, &issue.path, at_value)
            .or_else(|| locate(page.text, start, block_end, issue.key.as_deref(), issue.value.as_deref()))
            .unwrap_or_else(|| {
                let end = page.index.line_range(page.text, loc.line).map(|r| r.1).unwrap_or(start);
                Span::new(start, end)
            });
        self.diags.push(page.diag(code, span, message));
    }

    fn check(&mut self, ir: &Ir, ex: &Example) -> Checked {
        let mut reasons: Vec<String> = Vec::new();
        let mut response_type = None;
        let op = ex.operation.and_then(|i| ir.operations.get(i));
        let mut path_match = None;
        match (&ex.request, op) {
            (None, _) => reasons.push(Code::ResponseWithoutRequest.as_str().into()),
            (Some(req), None) => {
                let msg = "this request example is on a page that documents no operation (no HTTP request section)"
                    .to_string();
                self.diag_at(Code::MissingHttpRequest, &req.loc, msg);
                reasons.push(Code::MissingHttpRequest.as_str().into());
            }
            (Some(req), Some(op)) => {
                if req.method != op.method {
                    let msg = format!(
                        "the example sends {} but the page documents {}",
                        req.method.as_str(),
                        op.method.as_str()
                    );
                    self.diag_at(Code::ExampleUrlUnmatched, &req.loc, msg);
                    reasons.push(Code::ExampleUrlUnmatched.as_str().into());
                } else {
                    path_match = match_paths(op, &req.path);
                    if path_match.is_none()
                        && let Some((m, what)) = match_paths_relaxed(op, &req.path)
                    {
                        let msg = format!(
                            "`{}` adds {what} to the documented path; the test uses the documented path",
                            req.url
                        );
                        self.diag_at(Code::ExampleUrlExtra, &req.loc, msg);
                        path_match = Some(m);
                    }
                    // `/me` is the signed-in user's alias of `/users/{id}` (and `/drive`, `root`
                    // are aliases too): the URL is a documented one once the alias is spelled
                    // out, so the test calls the documented method with the alias's own value
                    // (`me`, `root`) as the id.
                    if path_match.is_none()
                        && let Some(m) = alias_match(op, &req.path)
                    {
                        let msg = format!(
                            "`{}` reaches a documented path through a Graph alias (`/me`, `/drive`, `root`); the test calls the documented path with the alias as the id",
                            req.url
                        );
                        self.diag_at(Code::ExampleUrlExtra, &req.loc, msg);
                        path_match = Some(m);
                    }
                    if path_match.is_none() {
                        let msg = if op.paths.is_empty() {
                            format!("`{}` cannot be checked: the page documents no usable path", req.url)
                        } else {
                            format!("`{}` matches none of the page's {} documented path(s)", req.url, op.paths.len())
                        };
                        self.diag_at(Code::ExampleUrlUnmatched, &req.loc, msg);
                        reasons.push(Code::ExampleUrlUnmatched.as_str().into());
                    }
                }
                // A body of bytes sent to an operation that takes JSON: the client method has no
                // way to send it, and a test of the JSON form would test nothing of the example.
                if req.body.is_none()
                    && req.text.is_some()
                    && op.request_body.is_some()
                    && let Some(media) = non_json_media(&req.headers)
                {
                    let msg = format!(
                        "the request example sends `{media}`, but the operation takes JSON and the Request headers table documents no `{media}` form"
                    );
                    self.diag_at(Code::ExampleMediaType, &req.loc, msg);
                    reasons.push(Code::ExampleMediaType.as_str().into());
                }
                if let Some(body) = &req.body {
                    match op.request_body.as_ref() {
                        None => {
                            self.diag_at(
                                Code::ExampleUntyped,
                                &req.loc,
                                "the request example has a body but the page documents no request body".into(),
                            );
                            reasons.push(Code::ExampleUntyped.as_str().into());
                        }
                        Some(rb) => {
                            let issues = self.check_request_body(rb, body);
                            self.report(&req.loc, issues, &mut reasons);
                        }
                    }
                }
            }
        }
        match &ex.response {
            None => reasons.push(Code::RequestWithoutResponse.as_str().into()),
            Some(resp) => {
                if let Some(body) = &resp.body {
                    let ty = self.response_type(op, resp);
                    match ty {
                        None => {
                            self.diag_at(Code::ExampleUntyped, &resp.loc, "the response body's type is documented nowhere (no `@odata.type` in the annotation, no type in the Response section)".into());
                            reasons.push(Code::ExampleUntyped.as_str().into());
                        }
                        Some((t, collection)) => {
                            let issues = self.check_response_body(body, &t, collection, resp.truncated);
                            // The client test reads the body into the operation's own response
                            // type: it fits when it is that type, or reads into it without error.
                            let documented = op.and_then(|o| o.response.as_ref());
                            let fits_operation =
                                match documented.and_then(|r| r.ty.as_deref().map(|rt| (rt, r.collection))) {
                                    Some((rt, c)) if !(same_type(rt, &t) && c == collection) => self
                                        .check_response_body(body, rt, c, true)
                                        .iter()
                                        .all(|i| i.code.severity() != Severity::Error),
                                    _ => true,
                                };
                            if !fits_operation && let Some(r) = documented {
                                let what = |ty: &str, c: bool| {
                                    if c { format!("a collection of `{ty}`") } else { format!("`{ty}`") }
                                };
                                let msg = format!(
                                    "the response is {} but the operation documents {} and the body does not read into it; the example gets a round-trip test, not a client test",
                                    what(&t, collection),
                                    what(r.ty.as_deref().unwrap_or(""), r.collection)
                                );
                                self.diag_at(Code::ExampleOtherResponseType, &resp.loc, msg);
                            }
                            response_type = Some(ExampleType { ty: t, collection, fits_operation });
                            self.report(&resp.loc, issues, &mut reasons);
                        }
                    }
                }
            }
        }
        if let Some(op) = op
            && op.paths.is_empty()
            && !reasons.iter().any(|r| r == Code::ExampleUrlUnmatched.as_str())
        {
            reasons.push(Code::OperationWithoutPath.as_str().into());
        }
        reasons.sort();
        reasons.dedup();
        let verdict = if reasons.is_empty() { Verdict::Tested } else { Verdict::Rejected(reasons) };
        Checked { path_match, verdict, response_type }
    }

    /// Checks a response body against a type: a collection's items, or the object itself, and
    /// for an object not marked truncated, the documented properties it leaves out.
    fn check_response_body(&self, body: &Value, t: &str, collection: bool, truncated: bool) -> Vec<Issue> {
        let mut issues = Vec::new();
        if collection {
            match body.get("value") {
                Some(Value::Array(items)) => {
                    self.check_items(items, t, &mut issues);
                    nest(&mut issues, 0, Step::Key("value".into()));
                }
                _ => issues.push(Issue {
                    code: Code::ExampleWrongType,
                    message: "a collection response must be an object with a `value` array".into(),
                    key: None,
                    value: None,
                    path: Vec::new(),
                }),
            }
        } else if let Some(inner) = self.value_wrapped(body, t) {
            // `{"value": {...}}` for one object: the wrapper is the finding, and what it wraps
            // is checked as the documented type, so that its own defects are found too.
            issues.push(Issue {
                code: Code::ExampleValueWrapper,
                message: format!(
                    "the response wraps {} in `value`, as a collection response does, but the page documents one `{}`",
                    if inner.is_array() { "a list" } else { "the object" },
                    split_qualified(t).1
                ),
                key: Some("value".into()),
                value: None,
                path: vec![Step::Key("value".into())],
            });
            let from = issues.len();
            match inner {
                Value::Array(items) => self.check_items(items, t, &mut issues),
                _ => self.check_value(inner, t, &mut issues),
            }
            nest(&mut issues, from, Step::Key("value".into()));
        } else {
            self.check_value(body, t, &mut issues);
            if !truncated
                && let Kind::Type(td) = self.model.kind(t)
                && let Value::Object(map) = body
            {
                let missing: Vec<&str> = self
                    .model
                    .chain(td)
                    .iter()
                    .flat_map(|c| c.properties.iter())
                    // A deprecated property may well be left out of a new example.
                    .filter(|p| !p.navigation && !p.deprecated && !map.contains_key(&p.name))
                    .map(|p| p.name.as_str())
                    .collect();
                if !missing.is_empty() {
                    issues.push(Issue {
                        code: Code::ExampleMissingProperties,
                        message: format!(
                            "the response leaves out {} documented propert{} (`{}`...) but is not marked truncated",
                            missing.len(),
                            if missing.len() == 1 { "y" } else { "ies" },
                            missing[0]
                        ),
                        key: None,
                        value: None,
                        path: Vec::new(),
                    });
                }
            }
        }
        issues
    }

    /// What `body` wraps in `value`, when it is an object of (at most) `value` and `@` annotations
    /// and the type `t` has no `value` property of its own.
    fn value_wrapped<'v>(&self, body: &'v Value, t: &str) -> Option<&'v Value> {
        let Value::Object(map) = body else { return None };
        let Kind::Type(td) = self.model.kind(t) else { return None };
        let inner = map.get("value").filter(|v| v.is_object() || v.is_array())?;
        let only_value = map.keys().all(|k| k == "value" || k.contains('@'));
        (only_value && self.model.property(td, "value").is_none()).then_some(inner)
    }

    /// The documented type of a response body: the annotation's `@odata.type` when it names a
    /// type, else the operation's response type.
    fn response_type(&self, op: Option<&Operation>, resp: &ResponseExample) -> Option<(String, bool)> {
        if let Some(t) = &resp.odata_type
            && !matches!(self.model.kind(t), Kind::Unknown)
        {
            let collection = resp.is_collection
                || op
                    .and_then(|o| o.response.as_ref())
                    .is_some_and(|r| r.collection && r.ty.as_deref().is_some_and(|rt| same_type(rt, t)));
            return Some((t.trim_start_matches('#').to_string(), collection));
        }
        let r = op?.response.as_ref()?;
        Some((r.ty.clone()?, r.collection || resp.is_collection))
    }

    fn check_request_body(&self, rb: &RequestBody, body: &Value) -> Vec<Issue> {
        let mut issues = Vec::new();
        if let Some(t) = &rb.ty {
            if rb.collection
                && let Value::Array(items) = body
            {
                self.check_items(items, t, &mut issues);
                return issues;
            }
            self.check_value(body, t, &mut issues);
            return issues;
        }
        let Value::Object(map) = body else {
            issues.push(Issue {
                code: Code::ExampleWrongType,
                message: "the request body must be a JSON object of the documented parameters".into(),
                key: None,
                value: None,
                path: Vec::new(),
            });
            return issues;
        };
        for (k, v) in map {
            if k.contains('@') {
                continue;
            }
            match rb.properties.iter().find(|p| p.name == *k) {
                Some(p) => self.check_property(p, v, &mut issues),
                None => {
                    let hint = rb
                        .properties
                        .iter()
                        .find(|p| p.name.eq_ignore_ascii_case(k))
                        .map(|p| format!(" (did you mean `{}`?)", p.name))
                        .unwrap_or_default();
                    issues.push(Issue {
                        code: Code::ExampleUnknownProperty,
                        message: format!("the request body has `{k}`, which is not a documented parameter{hint}"),
                        key: Some(k.clone()),
                        value: None,
                        path: vec![Step::Key(k.clone())],
                    });
                }
            }
        }
        issues
    }

    /// Checks each item of an array as `t`, each finding placed under its item's index.
    fn check_items(&self, items: &[Value], t: &str, issues: &mut Vec<Issue>) {
        for (n, item) in items.iter().enumerate() {
            let from = issues.len();
            self.check_value(item, t, issues);
            nest(issues, from, Step::Index(n));
        }
    }

    fn check_property(&self, p: &Property, v: &Value, issues: &mut Vec<Issue>) {
        let from = issues.len();
        self.check_property_value(p, v, issues);
        nest(issues, from, Step::Key(p.name.clone()));
    }

    fn check_property_value(&self, p: &Property, v: &Value, issues: &mut Vec<Issue>) {
        if v.is_null() {
            if p.nullable == Some(false) {
                issues.push(Issue {
                    code: Code::ExampleNull,
                    message: format!("`{}` is null but documented as not nullable", p.name),
                    key: Some(p.name.clone()),
                    value: None,
                    path: Vec::new(),
                });
            }
            return;
        }
        if p.collection {
            match v {
                Value::Array(items) => {
                    for (n, i) in items.iter().enumerate() {
                        if !i.is_null() {
                            let from = issues.len();
                            self.check_value_at(i, &p.ty, &p.name, issues);
                            nest(issues, from, Step::Index(n));
                        }
                    }
                }
                _ => issues.push(Issue {
                    code: Code::ExampleWrongType,
                    message: format!("`{}` is a collection of {} but the example gives {}", p.name, p.ty, describe(v)),
                    key: Some(p.name.clone()),
                    value: None,
                    path: Vec::new(),
                }),
            }
        } else {
            self.check_value_at(v, &p.ty, &p.name, issues);
        }
    }

    fn check_value_at(&self, v: &Value, ty: &str, key: &str, issues: &mut Vec<Issue>) {
        let before = issues.len();
        self.check_value(v, ty, issues);
        for i in &mut issues[before..] {
            if i.key.is_none() {
                i.key = Some(key.to_string());
            }
        }
    }

    /// Checks one JSON value against an IR type string.
    fn check_value(&self, v: &Value, ty: &str, issues: &mut Vec<Issue>) {
        match self.model.kind(ty) {
            Kind::Unknown => {}
            Kind::Primitive(p) => {
                if let Some(msg) = primitive_mismatch(p, v) {
                    let code = match (p, v) {
                        ("DateTimeOffset" | "Date" | "TimeOfDay" | "Duration", Value::String(_)) => {
                            Code::ExampleDateTime
                        }
                        ("Guid", Value::String(_)) => Code::ExampleGuid,
                        _ => Code::ExampleWrongType,
                    };
                    issues.push(Issue {
                        code,
                        message: msg,
                        key: None,
                        value: v.as_str().map(str::to_string),
                        path: Vec::new(),
                    });
                }
            }
            Kind::Enum(e) => {
                let Value::String(s) = v else {
                    issues.push(Issue {
                        code: Code::ExampleWrongType,
                        message: format!("expected a `{}` value (a string) but found {}", e.name, describe(v)),
                        key: None,
                        value: None,
                        path: Vec::new(),
                    });
                    return;
                };
                let parts: Vec<&str> = if e.flags { s.split(',').map(str::trim).collect() } else { vec![s.as_str()] };
                for part in parts {
                    if e.members.iter().any(|m| m.name == part) {
                        continue;
                    }
                    if let Some(m) = e.members.iter().find(|m| m.name.eq_ignore_ascii_case(part)) {
                        issues.push(Issue {
                            code: Code::ExampleEnumCase,
                            message: format!("`{part}` is spelled `{}` in the `{}` enum", m.name, e.name),
                            key: None,
                            value: Some(s.clone()),
                            path: Vec::new(),
                        });
                        continue;
                    }
                    let list: Vec<&str> = e.members.iter().map(|m| m.name.as_str()).take(6).collect();
                    issues.push(Issue {
                        code: Code::ExampleEnumValue,
                        message: format!(
                            "`{part}` is not a member of the `{}` enum (members: {}{})",
                            e.name,
                            list.join(", "),
                            if e.members.len() > 6 { ", ..." } else { "" }
                        ),
                        key: None,
                        value: Some(s.clone()),
                        path: Vec::new(),
                    });
                }
            }
            Kind::Type(t) => {
                let Value::Object(map) = v else {
                    issues.push(Issue {
                        code: Code::ExampleWrongType,
                        message: format!("expected a `{}` object but found {}", t.name, describe(v)),
                        key: None,
                        value: v.as_str().map(str::to_string),
                        path: Vec::new(),
                    });
                    return;
                };
                // `@odata.type` may name a derived type, whose properties then apply. One that no
                // page defines has properties nobody documented: they are not checked one by one.
                let mut actual = t;
                let mut undocumented = false;
                if let Some(Value::String(ot)) = map.get("@odata.type") {
                    match self.model.kind(ot) {
                        Kind::Type(sub) if self.model.derives(sub, t) => actual = sub,
                        Kind::Type(sub) if self.model.derives(t, sub) => {}
                        // It may derive from `t` through the base no page defines; it is open,
                        // so only what it documents itself is checked.
                        Kind::Type(sub) if self.model.ancestry_undocumented(sub) => actual = sub,
                        Kind::Type(other) => issues.push(Issue {
                            code: Code::ExampleOdataType,
                            message: format!(
                                "`@odata.type` says `{}`, which is not `{}` nor derived from it",
                                other.name, t.name
                            ),
                            key: Some("@odata.type".into()),
                            value: Some(ot.clone()),
                            path: vec![Step::Key("@odata.type".into())],
                        }),
                        Kind::Unknown => {
                            undocumented = true;
                            issues.push(Issue {
                                code: Code::ExampleUndocumentedType,
                                message: format!(
                                    "`@odata.type` says `{}`, which no page defines; the properties of this `{}` object are not checked",
                                    ot.trim_start_matches('#'),
                                    t.name
                                ),
                                key: Some("@odata.type".into()),
                                value: Some(ot.clone()),
                                path: vec![Step::Key("@odata.type".into())],
                            });
                        }
                        _ => {}
                    }
                }
                let open = undocumented || self.model.is_open(actual);
                for (k, val) in map {
                    if k.contains('@') {
                        continue;
                    }
                    match self.model.property(actual, k) {
                        Some(p) => self.check_property(p, val, issues),
                        None if open => {}
                        None => {
                            let hint = self
                                .model
                                .property_ci(actual, k)
                                .map(|p| format!(" (did you mean `{}`?)", p.name))
                                .or_else(|| {
                                    let names: Vec<&str> = self
                                        .model
                                        .chain(actual)
                                        .iter()
                                        .flat_map(|c| c.properties.iter().map(|p| p.name.as_str()))
                                        .collect();
                                    names
                                        .into_iter()
                                        .filter(|n| {
                                            edit_distance(&n.to_ascii_lowercase(), &k.to_ascii_lowercase()) <= 2
                                        })
                                        .min()
                                        .map(|n| format!(" (did you mean `{n}`?)"))
                                });
                            issues.push(Issue {
                                code: Code::ExampleUnknownProperty,
                                message: format!(
                                    "`{k}` is not a property of `{}`{}",
                                    actual.name,
                                    hint.unwrap_or_default()
                                ),
                                key: Some(k.clone()),
                                value: None,
                                path: vec![Step::Key(k.clone())],
                            });
                        }
                    }
                }
            }
        }
    }

    fn report(&mut self, loc: &Loc, issues: Vec<Issue>, reasons: &mut Vec<String>) {
        for i in issues {
            if i.code.severity() == Severity::Error {
                reasons.push(i.code.as_str().to_string());
            }
            self.diag_issue(loc, i);
        }
    }
}

fn same_type(a: &str, b: &str) -> bool {
    split_qualified(a.trim_start_matches('#')).1.eq_ignore_ascii_case(split_qualified(b.trim_start_matches('#')).1)
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string \"{}\"", s.chars().take(40).collect::<String>()),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// Why a JSON value does not fit an EDM primitive, or `None` when it does.
pub fn primitive_mismatch(p: &str, v: &Value) -> Option<String> {
    let ok = match p {
        "String" | "Binary" => v.is_string(),
        "Boolean" => v.is_boolean(),
        "Int32" => v.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        "Int16" => v.as_i64().is_some_and(|n| i16::try_from(n).is_ok()),
        "Byte" => v.as_u64().is_some_and(|n| n <= 255),
        "SByte" => v.as_i64().is_some_and(|n| i8::try_from(n).is_ok()),
        "Int64" => v.is_i64() || v.is_u64() && v.as_u64().is_some_and(|n| i64::try_from(n).is_ok()),
        "Single" | "Double" | "Decimal" => {
            v.is_number() || v.as_str().is_some_and(|s| matches!(s, "NaN" | "INF" | "-INF" | "Infinity" | "-Infinity"))
        }
        "DateTimeOffset" => v.as_str().is_some_and(formats::is_date_time_offset),
        "Date" => v.as_str().is_some_and(formats::is_date),
        "TimeOfDay" => v.as_str().is_some_and(formats::is_time_of_day),
        "Duration" => v.as_str().is_some_and(formats::is_duration),
        "Guid" => v.as_str().is_some_and(formats::is_guid),
        _ => true,
    };
    if ok {
        return None;
    }
    Some(match (p, v) {
        ("DateTimeOffset" | "Date" | "TimeOfDay" | "Duration", Value::String(s)) => {
            format!("\"{s}\" is not an ISO 8601 {p}")
        }
        ("Guid", Value::String(s)) => format!("\"{s}\" is not a GUID"),
        _ => format!("expected {} but found {}", article(p), describe(v)),
    })
}

fn article(p: &str) -> String {
    match p {
        "Int32" | "Int64" | "Int16" => format!("an {p}"),
        _ => format!("a {p}"),
    }
}

/// The byte range from the start of `loc`'s line to the end of the code block holding it (or
/// of the page).
fn block_at(page: &Page, loc: &Loc) -> (usize, usize) {
    let start = page.index.line_range(page.text, loc.line).map(|r| r.0).unwrap_or(0);
    let end = page
        .code_blocks
        .iter()
        .find(|b| b.span.start <= start && start < b.span.end)
        .map(|b| b.span.end)
        .unwrap_or(page.text.len());
    (start, end)
}

/// Points at the key (or, with `at_value`, the value) that `path` leads to, inside the JSON body
/// that starts on the first line of `text[start..end]` opening with `{` or `[` (the lines before
/// it are the request line or status line and headers). `None` when the body cannot be
/// followed that far, as in a body that is not strict JSON.
fn locate_path(text: &str, start: usize, end: usize, path: &[Step], at_value: bool) -> Option<Span> {
    if path.is_empty() {
        return None;
    }
    let hay = text.get(start..end.min(text.len()))?;
    let mut offset = 0;
    let body = loop {
        let line_end = hay[offset..].find('\n').map_or(hay.len(), |i| offset + i + 1);
        let line = &hay[offset..line_end];
        let trimmed = line.trim_start();
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            break offset + (line.len() - trimmed.len());
        }
        if line_end >= hay.len() {
            return None;
        }
        offset = line_end;
    };
    let mut scan = JsonScan { b: hay.as_bytes(), i: body };
    let (key, value) = scan.find(path)?;
    let (s, e) = if at_value { value } else { key.unwrap_or(value) };
    Some(Span::new(start + s, start + e))
}

/// A byte range `(start, end)` inside a body.
type Range = (usize, usize);

/// A forgiving walk over JSON text that only finds where things are; validity was settled by
/// `serde_json` before any finding was made.
struct JsonScan<'t> {
    b: &'t [u8],
    i: usize,
}

impl JsonScan<'_> {
    fn ws(&mut self) {
        while self.b.get(self.i).is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// The span of the string starting here, quotes included.
    fn string(&mut self) -> Option<Range> {
        let start = self.i;
        if self.peek()? != b'"' {
            return None;
        }
        self.i += 1;
        loop {
            match self.peek()? {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    return Some((start, self.i));
                }
                _ => self.i += 1,
            }
        }
    }

    /// Skips the value starting here (after white space), giving its span.
    fn value(&mut self) -> Option<Range> {
        self.ws();
        let start = self.i;
        match self.peek()? {
            b'"' => return self.string(),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.i += 1;
                                return Some((start, self.i));
                            }
                        }
                        _ => {}
                    }
                    self.i += 1;
                }
            }
            _ => {
                while self.peek().is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace()) {
                    self.i += 1;
                }
            }
        }
        (self.i > start).then_some((start, self.i))
    }

    /// Follows `path` from the value starting here: the span of the last step's key (for a
    /// key) and of its value.
    fn find(&mut self, path: &[Step]) -> Option<(Option<Range>, Range)> {
        let (step, rest) = path.split_first()?;
        self.ws();
        let key = match (step, self.peek()?) {
            (Step::Key(k), b'{') => {
                self.i += 1;
                loop {
                    self.ws();
                    let ks = self.string()?;
                    self.ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.i += 1;
                    if self.b.get(ks.0 + 1..ks.1 - 1)? == k.as_bytes() {
                        break Some(ks);
                    }
                    self.value()?;
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        _ => return None,
                    }
                }
            }
            (Step::Index(n), b'[') => {
                self.i += 1;
                for _ in 0..*n {
                    self.value()?;
                    self.ws();
                    if self.peek()? != b',' {
                        return None;
                    }
                    self.i += 1;
                }
                None
            }
            _ => return None,
        };
        if rest.is_empty() {
            let value = self.value()?;
            return Some((key, value));
        }
        self.find(rest)
    }
}

/// Points at `"key"` (and its value, when given) inside a body, searching from `start`.
fn locate(text: &str, start: usize, end: usize, key: Option<&str>, value: Option<&str>) -> Option<Span> {
    let hay = text.get(start..end.min(text.len()))?;
    if let Some(k) = key {
        let needle = format!("\"{k}\"");
        let mut from = 0;
        while let Some(i) = hay[from..].find(&needle) {
            let at = from + i;
            let after = hay[at + needle.len()..].trim_start();
            if after.starts_with(':') {
                if let Some(v) = value {
                    let vneedle = format!("\"{v}\"");
                    if let Some(j) = hay[at..]
                        .find(&vneedle)
                        .filter(|j| !hay[at..at + j].contains('\n') || hay[at..at + j].trim_end().ends_with(':'))
                    {
                        return Some(Span::new(start + at + j, start + at + j + vneedle.len()));
                    }
                }
                return Some(Span::new(start + at, start + at + needle.len()));
            }
            from = at + needle.len();
        }
    }
    if let Some(v) = value {
        let vneedle = format!("\"{v}\"");
        if let Some(j) = hay.find(&vneedle) {
            return Some(Span::new(start + j, start + j + vneedle.len()));
        }
    }
    None
}

/// Matches a request path against the operation's documented paths.
pub fn match_paths(op: &Operation, path: &str) -> Option<PathMatch> {
    let path = path.trim();
    op.paths.iter().enumerate().find_map(|(i, p)| {
        match_template(&p.template, path)
            .map(|values| PathMatch { path: i, values: values.into_iter().map(|v| percent_decode(&v)).collect() })
    })
}

/// Matches an example path that follows OData conventions the documented path leaves out: a
/// trailing type-cast segment (`/memberOf/microsoft.graph.group`) or function arguments
/// (`range/cell(row=5,column=6)` for `range/cell`). Returns the match and what was added.
pub fn match_paths_relaxed(op: &Operation, path: &str) -> Option<(PathMatch, &'static str)> {
    let path = path.trim().trim_end_matches('/');
    if let Some((head, last)) = path.rsplit_once('/') {
        let l = last.to_ascii_lowercase();
        let what = if l.starts_with("microsoft.graph.") {
            Some("an OData type cast")
        } else if matches!(l.as_str(), "$count" | "$value" | "$ref") {
            Some("an OData system segment")
        } else {
            None
        };
        if let Some(what) = what {
            if let Some(m) = match_paths(op, head) {
                return Some((m, what));
            }
            // A cast followed by `$count`: `/members/microsoft.graph.user/$count`.
            if let Some((inner, cast)) = head.rsplit_once('/')
                && cast.to_ascii_lowercase().starts_with("microsoft.graph.")
                && let Some(m) = match_paths(op, inner)
            {
                return Some((m, "an OData type cast and system segment"));
            }
        }
    }
    if path.contains('(') {
        let stripped = strip_call_arguments(path);
        let found = op.paths.iter().enumerate().find_map(|(i, p)| {
            if p.template.contains('(') {
                return None;
            }
            match_template(&p.template, &stripped)
                .map(|values| PathMatch { path: i, values: values.into_iter().map(|v| percent_decode(&v)).collect() })
        });
        if let Some(m) = found {
            return Some((m, "function arguments"));
        }
    }
    None
}

/// Whether the path matches a documented one once Graph's documented aliases are spelled out:
/// `/me` for `/users/{id}`, `/drive` for `/me/drive`, `/me/drive` for `/drives/{id}`, and a
/// drive's `root` for `items/{id}` (relaxed matches included). The match fills the documented
/// path's placeholders from the spelled-out URL, so `/me/messages` gives `/users/{id}/messages`
/// with `me` for `{id}`.
fn alias_match(op: &Operation, path: &str) -> Option<PathMatch> {
    let path = path.trim();
    let mut candidates: Vec<String> = vec![path.to_string()];
    let rewrite = |c: &str| -> Vec<String> {
        let mut out = Vec::new();
        if let Some(rest) = c.strip_prefix("/drive/") {
            out.push(format!("/me/drive/{rest}"));
        }
        if let Some(rest) = c.strip_prefix("/me/drive") {
            out.push(format!("/drives/me{rest}"));
        }
        if let Some(rest) = c.strip_prefix("/me")
            && (rest.is_empty() || rest.starts_with('/'))
        {
            out.push(format!("/users/me{rest}"));
        }
        for (from, to) in [("/root/", "/items/root/"), ("/root:", "/items/root:")] {
            if c.contains(from) {
                out.push(c.replacen(from, to, 1));
            }
        }
        if let Some(head) = c.strip_suffix("/root") {
            out.push(format!("{head}/items/root"));
        }
        out
    };
    // Two rounds of rewriting cover combinations such as `/drive/root/children`.
    for _ in 0..3 {
        let next: Vec<String> =
            candidates.iter().flat_map(|c| rewrite(c)).filter(|c| !candidates.contains(c)).collect();
        if next.is_empty() {
            break;
        }
        candidates.extend(next);
    }
    candidates[1..].iter().find_map(|c| match_paths(op, c).or_else(|| match_paths_relaxed(op, c).map(|(m, _)| m)))
}

/// `a/cell(row=5,column=6)/b` → `a/cell/b`; quoted arguments may hold parentheses.
fn strip_call_arguments(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0usize;
    let mut quoted = false;
    for c in path.chars() {
        match c {
            '\'' if depth > 0 => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Matches `path` against a template with `{x}` or `<x>` placeholders; literal parts compare
/// ignoring case (Graph paths are case-insensitive). Returns the text of each placeholder.
pub fn match_template(template: &str, path: &str) -> Option<Vec<String>> {
    let tpl = tokenize(template);
    let mut values = Vec::new();
    let mut failed = FxHashSet::default();
    match_from(&tpl, 0, path.trim_end_matches('/'), &mut values, &mut failed)
        .then(|| values.into_iter().map(str::to_string).collect())
}

enum Tok<'t> {
    Lit(&'t str),
    /// A placeholder: whether it may span `/` (path-based addressing such as `{item-path}`),
    /// and whether it is an unquoted function argument (`count={count}`), whose value ends at
    /// the next `,` or `)`.
    Hole {
        span_slash: bool,
        argument: bool,
    },
}

fn tokenize(t: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    for piece in pieces(t.trim_end_matches('/')) {
        match piece {
            Piece::Literal(l) => out.push(Tok::Lit(l)),
            Piece::Placeholder(inner) => {
                let argument = matches!(out.last(), Some(Tok::Lit(l)) if l.ends_with('='));
                out.push(Tok::Hole { span_slash: inner.to_ascii_lowercase().contains("path"), argument });
            }
        }
    }
    out
}

/// Matches the rest of the path against the template from token `ti`, backtracking over where
/// each placeholder ends. `failed` remembers (token, rest of the path) pairs that cannot match,
/// keyed by the rest's length, so adjacent placeholders cost polynomial time, not exponential
/// (`{a}{b}{c}...` against a long path would otherwise try every split).
fn match_from<'p>(
    tpl: &[Tok],
    ti: usize,
    path: &'p str,
    values: &mut Vec<&'p str>,
    failed: &mut FxHashSet<(usize, usize)>,
) -> bool {
    let Some(tok) = tpl.get(ti) else { return path.is_empty() };
    if failed.contains(&(ti, path.len())) {
        return false;
    }
    let matched = match tok {
        Tok::Lit(l) => {
            crate::parse::strip_prefix_ci(path, l).is_some_and(|rest| match_from(tpl, ti + 1, rest, values, failed))
        }
        Tok::Hole { span_slash, argument } => {
            // Every non-empty prefix, shortest first, that does not cross a `/` unless allowed (at
            // the end of the path, the empty one). Where a literal follows, a prefix the literal
            // does not follow is passed over here rather than tried: 17,000 paths are matched on
            // graph-v1.0, and most prefixes of a placeholder's value are such.
            let next = match tpl.get(ti + 1) {
                Some(Tok::Lit(l)) => Some(*l),
                _ => None,
            };
            let ends = path
                .char_indices()
                .map(|(i, c)| (i + c.len_utf8(), Some(c)))
                .chain(path.is_empty().then_some((0, None)));
            let mut matched = false;
            for (end, last) in ends {
                if !span_slash && last == Some('/') || *argument && matches!(last, Some(',' | ')')) {
                    break;
                }
                let rest = &path[end..];
                if next.is_some_and(|l| crate::parse::strip_prefix_ci(rest, l).is_none()) {
                    continue;
                }
                values.push(&path[..end]);
                if match_from(tpl, ti + 1, rest, values, failed) {
                    matched = true;
                    break;
                }
                values.pop();
            }
            matched
        }
    };
    if !matched {
        failed.insert((ti, path.len()));
    }
    matched
}

/// What an example URL's query gives the placeholders of a documented query, percent-decoded.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FilledQuery {
    /// The values, in the order of the placeholders.
    pub values: Vec<String>,
    /// The example's options that hold them, as (name, value).
    pub options: Vec<(String, String)>,
}

/// The values an example URL's query gives the placeholders of `sent`, the parts of a documented
/// query a client sends ([`crate::ir::DocumentedQuery`]). `None` when the example lacks one of
/// those options or its value does not fit the documented one (`$filter=id eq '{id}'` against
/// `$filter=id eq 'x'` gives `x`).
pub fn query_placeholder_values(sent: &[&str], example: Option<&str>) -> Option<FilledQuery> {
    let example: Vec<(String, String)> = decoded_options(example.unwrap_or("")).flatten().collect();
    let (mut values, mut options) = (Vec::new(), Vec::new());
    for part in sent {
        let Some((name, template)) = part.split_once('=') else { continue };
        if !crate::ir::has_placeholder(template) {
            continue;
        }
        let pieces = crate::ir::pieces(template);
        let name = percent_decode(name.trim());
        let (_, value) = example.iter().find(|(n, _)| *n == name)?;
        values.extend(fill_placeholders(&pieces, value)?);
        options.push((name, value.clone()));
    }
    Some(FilledQuery { values, options })
}

/// The options of a URL's query, percent-decoded, one per `&`-separated part: `None` for a part
/// that is not `name=value` with a name (a bare `$count`, `=x`).
pub fn decoded_options(query: &str) -> impl Iterator<Item = Option<(String, String)>> + '_ {
    query.trim_start_matches('?').split('&').filter(|part| !part.is_empty()).map(|part| {
        let (name, value) = part.split_once('=')?;
        let name = percent_decode(name.trim());
        (!name.is_empty()).then(|| (name, percent_decode(value)))
    })
}

/// The texts that stand for the placeholders of `pieces` in `value`: each runs to the next
/// literal piece (to its last occurrence when it is the final piece), and the literals must be
/// there. Two placeholders in a row cannot be told apart.
fn fill_placeholders(pieces: &[crate::ir::Piece<'_>], value: &str) -> Option<Vec<String>> {
    use crate::ir::Piece;
    let mut rest = value;
    let mut out = Vec::new();
    for (k, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Literal(l) => rest = rest.strip_prefix(percent_decode(l).as_str())?,
            Piece::Placeholder(_) => {
                let end = match pieces.get(k + 1) {
                    None => rest.len(),
                    Some(Piece::Literal(next)) => {
                        let next = percent_decode(next);
                        if k + 2 == pieces.len() { rest.rfind(next.as_str())? } else { rest.find(next.as_str())? }
                    }
                    Some(Piece::Placeholder(_)) => return None,
                };
                out.push(rest[..end].to_string());
                rest = &rest[end..];
            }
        }
    }
    rest.is_empty().then_some(out)
}

pub fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(h) = u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(h);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

fn page_diag(by_path: &FxHashMap<&str, &Page>, loc: &Loc, code: Code, message: String) -> Option<Diagnostic> {
    Some(by_path.get(loc.file.as_str())?.diag_at(loc.line, loc.column, code, message))
}

fn check_example_names(ir: &Ir, by_path: &FxHashMap<&str, &Page>, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<String, &Loc> = BTreeMap::new();
    for ex in &ir.examples {
        if ex.name.ends_with(&format!("-example-{}", ex.name.rsplit('-').next().unwrap_or("")))
            && ex.name.starts_with(file_stem(&ex.loc.file))
        {
            // Names the generator made up cannot collide meaningfully.
            continue;
        }
        let key = ex.name.to_ascii_lowercase();
        match seen.get(&key) {
            Some(first) => {
                let msg = format!("the example name `{}` is also used at {}:{}", ex.name, first.file, first.line);
                out.extend(page_diag(by_path, &ex.loc, Code::DuplicateExampleName, msg));
            }
            None => {
                seen.insert(key, &ex.loc);
            }
        }
    }
}

/// "Possible values" lists against the enum a property is typed with.
fn check_enum_lists(ir: &Ir, model: &Model, by_path: &FxHashMap<&str, &Page>, out: &mut Vec<Diagnostic>) {
    let body_props = ir.operations.iter().filter_map(|o| o.request_body.as_ref()).flat_map(|b| b.properties.iter());
    for p in ir.types.iter().flat_map(|t| t.properties.iter()).chain(body_props) {
        if p.possible_values.is_empty() {
            continue;
        }
        let Kind::Enum(e) = model.kind(&p.ty) else { continue };
        if e.inferred {
            continue;
        }
        let listed: FxHashSet<String> = p.possible_values.iter().map(|v| v.to_ascii_lowercase()).collect();
        let defined: FxHashSet<String> = e.members.iter().map(|m| m.name.to_ascii_lowercase()).collect();
        let extra: Vec<&String> =
            p.possible_values.iter().filter(|v| !defined.contains(&v.to_ascii_lowercase())).collect();
        let missing: Vec<&str> = e
            .members
            .iter()
            .filter(|m| {
                !listed.contains(&m.name.to_ascii_lowercase()) && !m.name.eq_ignore_ascii_case("unknownFutureValue")
            })
            .map(|m| m.name.as_str())
            .collect();
        if !extra.is_empty() || !missing.is_empty() {
            let mut msg = format!("the possible values of `{}` disagree with the `{}` enum", p.name, e.name);
            if !extra.is_empty() {
                msg.push_str(&format!(
                    "; not members: {}",
                    extra.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                ));
            }
            if !missing.is_empty() {
                msg.push_str(&format!(
                    "; not listed: {}",
                    missing.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                ));
            }
            out.extend(page_diag(by_path, &p.loc, Code::EnumValuesDisagree, msg));
            continue;
        }
        let case_diff: Vec<(&String, &str)> = p
            .possible_values
            .iter()
            .filter_map(|v| {
                e.members.iter().find(|m| m.name.eq_ignore_ascii_case(v) && m.name != *v).map(|m| (v, m.name.as_str()))
            })
            .collect();
        if let Some((v, m)) = case_diff.first() {
            let msg = format!(
                "`{}` lists `{v}` but the `{}` enum defines `{m}` ({} value(s) differ in case)",
                p.name,
                e.name,
                case_diff.len()
            );
            out.extend(page_diag(by_path, &p.loc, Code::EnumMemberCase, msg));
        }
    }
}

fn check_request_bodies(ir: &Ir, model: &Model, by_path: &FxHashMap<&str, &Page>, out: &mut Vec<Diagnostic>) {
    for op in &ir.operations {
        let Some(rb) = &op.request_body else { continue };
        let Some(t) = &rb.ty else { continue };
        let Kind::Type(td) = model.kind(t) else { continue };
        if model.is_open(td) {
            continue;
        }
        for p in &rb.properties {
            if model.property(td, &p.name).is_none() && model.property_ci(td, &p.name).is_none() {
                let msg = format!("the request body lists `{}`, which `{}` does not have", p.name, td.name);
                out.extend(page_diag(by_path, &p.loc, Code::RequestBodyUnknownProperty, msg));
            }
        }
    }
}

/// Relative links to pages: missing targets, case-only differences, missing anchors.
pub fn check_links(pages: &[Page]) -> Vec<Diagnostic> {
    let exact: FxHashMap<&str, &Page> = pages.iter().map(|p| (p.path, p)).collect();
    let folded: FxHashMap<String, &Page> = pages.iter().map(|p| (p.path.to_ascii_lowercase(), p)).collect();
    let folders: FxHashSet<String> =
        pages.iter().filter_map(|p| p.path.rsplit_once('/').map(|(d, _)| d.to_ascii_lowercase())).collect();
    // Each piece of the work keeps the targets it has found: the pages of one folder link to
    // the same few hundred files, and finding one costs a join of paths and a hash of the result.
    let per_page: Vec<Vec<Diagnostic>> = pages
        .par_iter()
        .with_max_len(crate::PIECE)
        .map_init(FxHashMap::default, |found, page| {
            let mut out = Vec::new();
            check_page_links(page, &exact, &folded, &folders, found, &mut out);
            out
        })
        .collect();
    per_page.into_iter().flatten().collect()
}

/// Where a link's file leads, from the folder of the page it is on.
#[derive(Clone, Copy)]
enum Target<'p> {
    Page(&'p Page<'p>),
    /// A page whose path differs from the link's only in case.
    Folded(&'p Page<'p>),
    /// No page; `true` when the folder is one the doc set has, so the link is wrong.
    Missing(bool),
}

/// The links of one page: see [`check_links`]. `found` holds the targets already found, by the
/// folder of the linking page and the file as the link writes it.
fn check_page_links<'p>(
    page: &'p Page<'p>,
    exact: &FxHashMap<&str, &'p Page<'p>>,
    folded: &FxHashMap<String, &'p Page<'p>>,
    folders: &FxHashSet<String>,
    found: &mut FxHashMap<(&'p str, &'p str), Target<'p>>,
    out: &mut Vec<Diagnostic>,
) {
    let folder = page.path.rsplit_once('/').map_or("", |(d, _)| d);
    for link in &page.links {
        let dest = link.dest.trim();
        if dest.is_empty() || crate::parse::has_scheme(dest) || dest.starts_with('/') || dest.starts_with("mailto:") {
            continue;
        }
        let (file, anchor) = match dest.bytes().position(|b| b == b'#') {
            Some(i) => (&dest[..i], Some(&dest[i + 1..])),
            None => (dest, None),
        };
        let target_page: &Page = if file.is_empty() {
            page
        } else {
            if !crate::parse::ends_with_ci(file, ".md") {
                continue;
            }
            let target = *found.entry((folder, file)).or_insert_with(|| {
                let target = crate::parse::join(page.path, file);
                match exact.get(target.as_str()) {
                    Some(p) => Target::Page(p),
                    None => match folded.get(&target.to_ascii_lowercase()) {
                        Some(p) => Target::Folded(p),
                        // Only folders the doc set has can be judged; links to other doc sets
                        // (concepts, includes) are outside what was read.
                        None => Target::Missing(folders.contains(
                            &target.rsplit_once('/').map(|(d, _)| d.to_ascii_lowercase()).unwrap_or_default(),
                        )),
                    },
                }
            });
            match target {
                Target::Page(p) => p,
                Target::Folded(p) => {
                    let msg = format!("the link `{file}` differs in case from the page `{}`", p.path);
                    let mut d = page.diag(Code::LinkCase, link.span, msg);
                    d.help = Some(format!("write `{}`", relative_name(file, p.path)));
                    out.push(d);
                    p
                }
                Target::Missing(judged) => {
                    if judged {
                        out.push(page.diag(
                            Code::LinkTargetMissing,
                            link.span,
                            format!("the link `{file}` points to no page"),
                        ));
                    }
                    continue;
                }
            }
        };
        let Some(a) = anchor.filter(|a| !a.is_empty() && !a.starts_with("tab/")) else { continue };
        let lower = a.to_ascii_lowercase();
        if !target_page.headings.iter().any(|h| h.anchor == lower)
            && target_page.title.as_ref().is_none_or(|t| crate::parse::anchor_of(&t.0) != lower)
        {
            out.push(page.diag(
                Code::LinkAnchorMissing,
                link.span,
                format!("`#{a}` matches no heading of {}", target_page.path),
            ));
        }
    }
}

fn relative_name(link: &str, actual: &str) -> String {
    let name = actual.rsplit('/').next().unwrap_or(actual);
    match link.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/{name}"),
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documented_query_sends_what_has_a_place_for_its_values() {
        use crate::ir::DocumentedQuery;
        let q = DocumentedQuery::of("?startDateTime={start}&$top=5&&requiresReview:{Boolean}&{name}=x&$count");
        assert_eq!(q.sent, ["startDateTime={start}", "$top=5", "$count"]);
        assert_eq!(q.left_out, ["requiresReview:{Boolean}", "{name}=x"]);
        assert_eq!(q.sent_text(), "startDateTime={start}&$top=5&$count");
        assert_eq!(DocumentedQuery::of(""), DocumentedQuery::default());
    }

    #[test]
    fn an_example_query_gives_the_placeholders_their_values() {
        let values = |sent: &[&str], example: &str| query_placeholder_values(sent, Some(example)).map(|f| f.values);
        let some = |list: &[&str]| Some(list.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        // Decoded on both sides, whatever the order of the example's options.
        assert_eq!(
            values(&["startDateTime={s}", "$top=2", "endDateTime={e}"], "endDateTime=b%2B1&startDateTime=a"),
            some(&["a", "b+1"])
        );
        let filter = ["$filter=JoinWebUrl%20eq%20'{url}'"];
        assert_eq!(values(&filter, "$filter=JoinWebUrl eq 'https%3A%2F%2Fx'"), some(&["https://x"]));
        // A placeholder before the last literal runs to its last occurrence; earlier ones to the first.
        assert_eq!(values(&["$filter={p} eq '{v}'"], "$filter=name eq 'a' eq 'b'"), some(&["name", "a' eq 'b"]));
        // Missing options, literals that differ, and placeholders side by side give nothing.
        assert_eq!(values(&["startDateTime={s}"], "$top=1"), None);
        assert_eq!(values(&filter, "$filter=id eq 'x'"), None);
        assert_eq!(values(&["$x={a}{b}"], "$x=ab"), None);
        assert_eq!(query_placeholder_values(&["a={a}"], None), None);
        // Without placeholders there is nothing to find.
        assert_eq!(query_placeholder_values(&["$top=1"], None), Some(FilledQuery::default()));
        let filled = query_placeholder_values(&["a={x}"], Some("a=%31&b=2")).unwrap();
        assert_eq!(filled.options, [("a".to_string(), "1".to_string())]);
    }

    #[test]
    fn paths_lead_to_the_right_one_of_several_equal_keys() {
        let text = "HTTP/1.1 200 OK\nContent-Type: application/json\n\n{\n  \"value\": [\n    { \"kind\": \"a\", \"tag\": \"x\\\"y\" },\n    { \"kind\": \"b\", \"tag\": [1, {\"k\": 2}] }\n  ]\n}\n";
        let key = |k: &str| Step::Key(k.into());
        let at =
            |path: &[Step], value: bool| locate_path(text, 0, text.len(), path, value).map(|s| &text[s.start..s.end]);
        let second = [key("value"), Step::Index(1), key("tag")];
        let span = locate_path(text, 0, text.len(), &second, false).unwrap();
        assert_eq!(&text[span.start..span.end], "\"tag\"");
        assert!(span.start > text.find("\"b\"").unwrap(), "the second object's key, not the first's");
        assert_eq!(at(&second, true), Some("[1, {\"k\": 2}]"));
        assert_eq!(at(&[key("value"), Step::Index(0), key("tag")], true), Some("\"x\\\"y\""));
        assert_eq!(at(&[key("value"), Step::Index(1), key("tag"), Step::Index(1), key("k")], true), Some("2"));
        // Steps the body does not have, and text that is not JSON, give no place.
        assert_eq!(at(&[key("value"), Step::Index(2)], true), None);
        assert_eq!(at(&[key("missing")], false), None);
        assert_eq!(locate_path("GET /a\n", 0, 7, &[key("a")], false), None);
    }

    #[test]
    fn relaxed_matches() {
        assert_eq!(strip_call_arguments("/a/cell(row=5,column=6)/b"), "/a/cell/b");
        assert_eq!(strip_call_arguments("/f(q='a)b')"), "/f");
    }

    #[test]
    fn templates_match_paths() {
        assert_eq!(
            match_template("/communications/calls/{id}/operations/{id}", "/communications/calls/abc/operations/d-1"),
            Some(vec!["abc".into(), "d-1".into()])
        );
        assert_eq!(
            match_template("/me/drive/root:/{item-path}:/content", "/me/drive/root:/a/b.txt:/content"),
            Some(vec!["a/b.txt".into()])
        );
        assert_eq!(match_template("/users/{id}", "/Users/x/"), Some(vec!["x".into()]));
        assert_eq!(match_template("/users/{id}", "/users/x/y"), None);
        assert_eq!(
            match_template("/workbook/range(address='<address>')", "/workbook/range(address='A1:B2')"),
            Some(vec!["A1:B2".into()])
        );
    }

    /// The matcher passes over prefixes that the next literal does not follow; it must give what
    /// trying every prefix gives (the reference below is the matcher before that change).
    #[test]
    fn templates_match_as_trying_every_prefix_does() {
        fn every_prefix(tpl: &[Tok], ti: usize, path: &str, values: &mut Vec<String>) -> bool {
            let Some(tok) = tpl.get(ti) else { return path.is_empty() };
            match tok {
                Tok::Lit(l) => {
                    path.len() >= l.len()
                        && path.is_char_boundary(l.len())
                        && path[..l.len()].eq_ignore_ascii_case(l)
                        && every_prefix(tpl, ti + 1, &path[l.len()..], values)
                }
                Tok::Hole { span_slash, argument } => {
                    let mut ends: Vec<usize> = path.char_indices().map(|(i, _)| i).skip(1).collect();
                    ends.push(path.len());
                    for end in ends {
                        let v = &path[..end];
                        if !span_slash && v.contains('/') || *argument && v.contains([',', ')']) {
                            break;
                        }
                        values.push(v.to_string());
                        if every_prefix(tpl, ti + 1, &path[end..], values) {
                            return true;
                        }
                        values.pop();
                    }
                    false
                }
            }
        }
        let templates = [
            "/a/{x}",
            "/a/{x}/b",
            "/a/{x}{y}/b",
            "/a/{x}.{y}",
            "/a/{x}/{y}",
            "/a/{item-path}:/c",
            "/f(n={n})",
            "/f(n={n},m={m})",
            "/f(s='{s}')",
            "/{x}",
            "{x}",
            "/a/b",
            "/A/{x}/B/",
        ];
        let paths = [
            "",
            "/",
            "/a",
            "/a/",
            "/a/1",
            "/a/1/b",
            "/a/é/b",
            "/a/1.2",
            "/a/1/2",
            "/a/1/2/b",
            "/a/x/y:/c",
            "/a/:/c",
            "/f(n=3)",
            "/f(n=3,m=4)",
            "/f(n=)",
            "/f(s='a,b')",
            "/a/1.2.3",
            "/a/b",
            "/a/b/b",
            "/A/x/b",
            "/a/ü/B",
        ];
        for t in templates {
            let tpl = tokenize(t);
            for p in paths {
                let trimmed = p.trim_end_matches('/');
                let mut want = Vec::new();
                let want = every_prefix(&tpl, 0, trimmed, &mut want).then_some(want);
                assert_eq!(match_template(t, p), want, "{t} against {p}");
            }
        }
    }

    /// Forty placeholders in a row against a long segment that ends wrong: every split fails,
    /// and without remembering failures the search tried all of them (this test never ended).
    #[test]
    fn adjacent_placeholders_match_in_polynomial_time() {
        let template = format!("/items/{}/end", "{id}".repeat(40));
        let path = format!("/items/{}/wrong", "x".repeat(200));
        assert_eq!(match_template(&template, &path), None);
        let fits = format!("/items/{}/end", "x".repeat(200));
        assert_eq!(match_template(&template, &fits).map(|v| v.len()), Some(40));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b%2Fc"), "a b/c");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn primitives() {
        use serde_json::json;
        assert!(primitive_mismatch("String", &json!("x")).is_none());
        assert!(primitive_mismatch("Int32", &json!(4)).is_none());
        assert!(primitive_mismatch("Int32", &json!("4")).is_some());
        assert!(primitive_mismatch("Int32", &json!(5_000_000_000i64)).is_some());
        assert!(primitive_mismatch("Double", &json!(4)).is_none());
        assert!(primitive_mismatch("Guid", &json!("4c838a1d-8a1d-4c83-1d8a-834c1d8a834c")).is_none());
        assert!(primitive_mismatch("Guid", &json!("String (identifier)")).is_some());
        assert!(primitive_mismatch("DateTimeOffset", &json!("2021-07-16T18:32:44.123Z")).is_none());
    }
}
