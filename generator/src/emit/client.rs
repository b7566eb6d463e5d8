//! `src/client/*.rs`: the methods of `Client`, one file per docs page, with the request body
//! structs of that page's operations.

use super::models::StructView;
use super::paths::{self, Encoding};
use super::plan::{BodyKind, BodyPlan, MethodPlan, PagePlan, Plan, ReturnPlan};
use super::render::{self, Docs, EmitError};
use super::types::{Prim, TypeRef};
use crate::GeneratedFile;
use crate::names;
use askama::Template;

/// The owned type of a body (what a test builds before passing a reference).
pub(crate) fn body_type(plan: &Plan<'_>, body: BodyPlan, root: &str) -> String {
    let single = match body.kind {
        BodyKind::Type(t) => plan.type_names().path(t, root),
        BodyKind::Request(r) => format!("{root}::client::{}", names::ident(&plan.request_structs[r].name)),
        BodyKind::Bytes => "Vec<u8>".to_owned(),
    };
    if body.collection { format!("Vec<{single}>") } else { single }
}

/// The type of a method's body parameter: a slice for collections, `&str` for text.
fn body_param_type(plan: &Plan<'_>, body: BodyPlan) -> String {
    if body.collection {
        let BodyKind::Type(t) = body.kind else {
            return format!("&{}", body_type(plan, body, "crate"));
        };
        return format!("&[{}]", plan.type_names().path(t, "crate"));
    }
    match body.kind {
        BodyKind::Type(TypeRef::Prim(Prim::String)) => "&str".to_owned(),
        BodyKind::Bytes => "&[u8]".to_owned(),
        _ => format!("&{}", body_type(plan, body, "crate")),
    }
}

/// The success type of a method.
pub(crate) fn return_type(plan: &Plan<'_>, ret: ReturnPlan, root: &str) -> String {
    match ret {
        ReturnPlan::Unit => "()".to_owned(),
        ReturnPlan::Json => "::serde_json::Value".to_owned(),
        ReturnPlan::Bytes => "Vec<u8>".to_owned(),
        ReturnPlan::Accepted => format!("{root}::runtime::Accepted"),
        ReturnPlan::Type(t, false) => plan.type_names().path(t, root),
        ReturnPlan::Type(t, true) => format!("{root}::runtime::Collection<{}>", plan.type_names().path(t, root)),
    }
}

struct BodyView {
    name: String,
    ty: String,
}

struct MethodView {
    docs: Vec<String>,
    name: String,
    params: Vec<String>,
    /// Each parameter with the runtime function that encodes it.
    encodes: Vec<(String, &'static str)>,
    /// The parameter that names a body of bytes' media type.
    media: Option<String>,
    body: Option<BodyView>,
    ret: String,
    /// The runtime's `send_json`, `send_empty`, `send_accepted`, `upload`, `upload_accepted` or
    /// `download`.
    send: &'static str,
    http_method: &'static str,
    /// An expression of type `&str`.
    path: String,
    query: String,
    /// What `send` takes after the query: the body, or the media type and the bytes.
    send_args: Vec<String>,
}

#[derive(Template)]
#[template(path = "client.rs.j2", escape = "none")]
struct ClientFile {
    module_docs: Vec<String>,
    structs: Vec<StructView>,
    methods: Vec<MethodView>,
}

fn method_view(plan: &Plan<'_>, m: &MethodPlan) -> MethodView {
    let op = &plan.ir.operations[m.op];
    let path = &op.paths[m.path];
    let ret = plan.returns[m.op];
    let body = plan.bodies[m.op];

    let call = format!(
        "`{} {}{}`",
        op.method.as_str(),
        path.template,
        path.query.as_deref().map(|q| format!("?{}", q.trim_start_matches('?'))).unwrap_or_default()
    );
    let mut docs = Docs::new().text(&op.title).text(&op.description).line(&call);
    if let (Some(media), Some(BodyPlan { kind: BodyKind::Bytes, .. })) = (&op.request_media_type, body) {
        docs =
            docs.text(&format!("The body is bytes of the media type `content_type` names; the docs give `{media}`."));
    }
    if ret == ReturnPlan::Bytes {
        docs = docs.text("Returns the bytes of the response as they came (a redirect to them is followed).");
    }
    if ret == ReturnPlan::Accepted {
        docs = docs.text("The service answers `202 Accepted` and does the work later; the result keeps where to follow it (`Location`), when the service gives one.");
    }
    if path.loc.file == op.loc.file && path.loc.line != 0 {
        docs = docs.source(&path.loc.file, path.loc.line);
    } else {
        docs = docs.source(&op.loc.file, op.loc.line);
    }

    let params: Vec<String> = m.params.iter().map(|p| names::ident(&p.name)).collect();
    // Each parameter is shadowed by its encoded form, so that `format!` only sees identifiers
    // (prettyplease prints macro arguments as raw tokens, and paths there come out mangled).
    let encodes = m.params.iter().zip(&params).map(|(p, ident)| (ident.clone(), p.encoding.runtime_fn())).collect();
    // The path's placeholders come first, then those of its documented query.
    let in_path = m.params.iter().filter(|p| p.encoding != Encoding::QueryValue).count();
    let (path_params, query_params) = params.split_at(in_path);
    let format = names::string_literal(&paths::format_string(&path.template));
    let path_expr =
        if path_params.is_empty() { format } else { format!("&format!({format}, {})", path_params.join(", ")) };
    // What the documented query fixes is sent as written, its placeholders filled in; the
    // parts that cannot be sent have a diagnostic (`path-query-placeholder`).
    let query = if m.query.is_empty() {
        "None".to_owned()
    } else if query_params.is_empty() {
        format!("Some({})", names::string_literal(&m.query))
    } else {
        let format = names::string_literal(&paths::format_string(&m.query));
        format!("Some(&format!({format}, {}))", query_params.join(", "))
    };
    let body_view = match (body, &m.body_param) {
        (Some(b), Some(name)) => Some(BodyView { name: names::ident(name), ty: body_param_type(plan, b) }),
        _ => None,
    };
    let media = m.media_param.as_deref().map(names::ident);
    let (send, send_args) = match (&body_view, &media) {
        (Some(b), Some(media)) => {
            let send = if ret == ReturnPlan::Accepted { "upload_accepted" } else { "upload" };
            (send, vec![media.clone(), b.name.clone()])
        }
        _ if ret == ReturnPlan::Bytes => ("download", Vec::new()),
        (body, _) => {
            let arg = match body {
                Some(b) => format!("Some({})", b.name),
                // No body: the type parameter still needs a type, and `()` serializes to nothing sent.
                None => "None::<&()>".to_owned(),
            };
            let send = match ret {
                ReturnPlan::Unit => "send_empty",
                ReturnPlan::Accepted => "send_accepted",
                _ => "send_json",
            };
            (send, vec![arg])
        }
    };

    MethodView {
        docs: docs.literals(),
        name: names::ident(&m.name),
        params,
        encodes,
        media,
        body: body_view,
        ret: return_type(plan, ret, "crate"),
        send,
        http_method: op.method.as_str(),
        path: path_expr,
        query,
        send_args,
    }
}

pub(crate) fn path(page: &PagePlan) -> String {
    format!("src/client/{}.rs", page.module)
}

/// Renders the client file of one page.
pub(crate) fn client_file(plan: &Plan<'_>, page: &PagePlan) -> Result<GeneratedFile, EmitError> {
    let path = path(page);
    let view = ClientFile {
        module_docs: Docs::new().line(&format!("Operations documented in `{}`.", page.file)).literals(),
        structs: page.request_structs.iter().map(|&r| StructView::new(plan, &plan.request_structs[r])).collect(),
        methods: page.items.iter().map(|&m| method_view(plan, &plan.methods[m])).collect(),
    };
    let text = render::render(&view, "client.rs.j2", &path)?;
    render::rust_file(plan.cache, "client.rs.j2", &path, render::page_or_docs(&page.file), &text)
}
