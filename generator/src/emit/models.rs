//! `src/models/*.rs`: one file per IR type, and the struct view shared with request bodies.

use super::plan::{Plan, StructPlan};
use super::render::{self, Docs, EmitError};
use crate::GeneratedFile;
use crate::names;
use askama::Template;

/// A struct ready for `struct_item.rs.j2`: every string is a Rust token.
pub(crate) struct StructView {
    pub name: String,
    pub docs: Vec<String>,
    pub fields: Vec<FieldView>,
}

pub(crate) struct FieldView {
    pub docs: Vec<String>,
    /// The wire name as a string literal.
    pub wire: String,
    pub ident: String,
    pub ty: String,
}

impl StructView {
    pub(crate) fn new(plan: &Plan<'_>, s: &StructPlan) -> StructView {
        let names = plan.type_names();
        StructView {
            name: names::ident(&s.name),
            docs: Docs::new().text(&s.description).source(s.source, s.line).literals(),
            fields: s
                .fields
                .iter()
                .map(|f| FieldView {
                    docs: Docs::new()
                        .text(if f.deprecated { "Deprecated: the docs mark this property deprecated." } else { "" })
                        .text(f.description)
                        .source(f.source, f.line)
                        .literals(),
                    wire: names::string_literal(f.wire),
                    ident: names::ident(&f.name),
                    ty: names.field(f.ty, "crate"),
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "model.rs.j2", escape = "none")]
struct ModelFile {
    module_docs: Vec<String>,
    s: StructView,
}

/// The path of a model's file.
pub(crate) fn path(plan: &Plan<'_>, i: usize) -> String {
    format!("src/models/{}.rs", plan.struct_modules[i])
}

/// Renders `src/models/<module>.rs` for IR type `i`.
pub(crate) fn model_file(plan: &Plan<'_>, i: usize) -> Result<GeneratedFile, EmitError> {
    let s = &plan.structs[i];
    let path = path(plan, i);
    let view = ModelFile {
        module_docs: Docs::new().line(&format!("The `{}` type.", s.wire)).literals(),
        s: StructView::new(plan, s),
    };
    let text = render::render(&view, "model.rs.j2", &path)?;
    render::rust_file(plan.cache, "model.rs.j2", &path, render::page_or_docs(s.source), &text)
}
