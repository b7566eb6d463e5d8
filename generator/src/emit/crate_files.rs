//! The files that hold the crate together: `Cargo.toml`, `src/lib.rs`, `src/runtime.rs` and
//! the `mod.rs` of each folder.

use super::plan::Plan;
use super::render::{self, Docs, EmitError};
use crate::GeneratedFile;
use crate::names;
use askama::Template;

/// The hand-written runtime, embedded verbatim as `src/runtime.rs`.
const RUNTIME_SOURCE: &str = include_str!("../../../runtime/src/lib.rs");

/// The runtime's child modules, embedded verbatim as `src/runtime/formats.rs`,
/// `src/runtime/http.rs` and `src/runtime/batch.rs` (where `mod formats;`, `mod http;` and
/// `mod batch;` in `src/runtime.rs` look for them).
const RUNTIME_FORMATS_SOURCE: &str = include_str!("../../../runtime/src/formats.rs");

/// JSON batching, with the client; it adds no method to `Client` (`send_batch` is in `http`).
const RUNTIME_BATCH_SOURCE: &str = include_str!("../../../runtime/src/batch.rs");

/// The client half of the runtime; its function names are also those no generated method may
/// take (see `runtime_fn_names` in the plan).
pub(crate) const RUNTIME_HTTP_SOURCE: &str = include_str!("../../../runtime/src/http.rs");

#[derive(Template)]
#[template(path = "Cargo.toml.j2", escape = "none")]
struct CargoToml;

#[derive(Template)]
#[template(path = "lib.rs.j2", escape = "none")]
struct LibRs;

struct ModuleView {
    ident: String,
    reexports: Vec<String>,
}

#[derive(Template)]
#[template(path = "mod.rs.j2", escape = "none")]
struct ModRs {
    module_docs: Vec<String>,
    modules: Vec<ModuleView>,
}

pub(crate) fn cargo_toml() -> Result<GeneratedFile, EmitError> {
    let text = render::render(&CargoToml, "Cargo.toml.j2", "Cargo.toml")?;
    Ok(render::text_file("Cargo.toml", "#", "docs/", &text))
}

pub(crate) fn lib_rs() -> Result<GeneratedFile, EmitError> {
    let text = render::render(&LibRs, "lib.rs.j2", "src/lib.rs")?;
    render::rust_file(None, "lib.rs.j2", "src/lib.rs", "docs/", &text)
}

pub(crate) fn runtime_rs() -> GeneratedFile {
    render::text_file("src/runtime.rs", "//", "runtime/src/lib.rs", RUNTIME_SOURCE)
}

pub(crate) fn runtime_formats_rs() -> GeneratedFile {
    render::text_file("src/runtime/formats.rs", "//", "runtime/src/formats.rs", RUNTIME_FORMATS_SOURCE)
}

pub(crate) fn runtime_http_rs() -> GeneratedFile {
    render::text_file("src/runtime/http.rs", "//", "runtime/src/http.rs", RUNTIME_HTTP_SOURCE)
}

pub(crate) fn runtime_batch_rs() -> GeneratedFile {
    render::text_file("src/runtime/batch.rs", "//", "runtime/src/batch.rs", RUNTIME_BATCH_SOURCE)
}

fn mod_rs(plan: &Plan<'_>, path: &str, doc: &str, mut modules: Vec<ModuleView>) -> Result<GeneratedFile, EmitError> {
    modules.sort_by(|a, b| a.ident.cmp(&b.ident));
    let view = ModRs { module_docs: Docs::new().text(doc).literals(), modules };
    let text = render::render(&view, "mod.rs.j2", path)?;
    render::rust_file(plan.cache, "mod.rs.j2", path, "docs/", &text)
}

pub(crate) fn models_mod(plan: &Plan<'_>) -> Result<GeneratedFile, EmitError> {
    let modules = plan
        .structs
        .iter()
        .zip(&plan.struct_modules)
        .map(|(s, m)| ModuleView { ident: names::ident(m), reexports: vec![names::ident(&s.name)] })
        .collect();
    mod_rs(plan, "src/models/mod.rs", "One struct per documented type.", modules)
}

pub(crate) fn enums_mod(plan: &Plan<'_>) -> Result<GeneratedFile, EmitError> {
    let modules = plan
        .enums
        .iter()
        .zip(&plan.enum_modules)
        .map(|(e, m)| ModuleView { ident: names::ident(m), reexports: vec![names::ident(&e.name)] })
        .collect();
    mod_rs(plan, "src/enums/mod.rs", "One enum per documented enumeration.", modules)
}

pub(crate) fn client_mod(plan: &Plan<'_>) -> Result<GeneratedFile, EmitError> {
    let modules = plan
        .client_pages
        .iter()
        .map(|page| ModuleView {
            ident: names::ident(&page.module),
            reexports: page.request_structs.iter().map(|&r| names::ident(&plan.request_structs[r].name)).collect(),
        })
        .collect();
    mod_rs(
        plan,
        "src/client/mod.rs",
        "The methods of `Client`, one module per docs page, and the request bodies that have no model of their own.",
        modules,
    )
}
