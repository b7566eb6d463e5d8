//! `src/enums/*.rs`: one file per IR enum, each with a catch-all variant.

use super::plan::Plan;
use super::render::{self, Docs, EmitError};
use crate::GeneratedFile;
use crate::names;
use askama::Template;

struct VariantView {
    docs: Vec<String>,
    ident: String,
    /// The wire value as a string literal.
    wire: String,
}

#[derive(Template)]
#[template(path = "enum.rs.j2", escape = "none")]
struct EnumFile {
    module_docs: Vec<String>,
    docs: Vec<String>,
    name: String,
    variants: Vec<VariantView>,
    catch_all: String,
}

pub(crate) fn path(plan: &Plan<'_>, i: usize) -> String {
    format!("src/enums/{}.rs", plan.enum_modules[i])
}

/// Renders `src/enums/<module>.rs` for IR enum `i`.
pub(crate) fn enum_file(plan: &Plan<'_>, i: usize) -> Result<GeneratedFile, EmitError> {
    let def = &plan.ir.enums[i];
    let e = &plan.enums[i];
    let path = path(plan, i);
    let mut docs = Docs::new().text(&def.description);
    if def.flags {
        docs = docs.line("A flags enumeration: the service may send several members joined by commas, which read as the catch-all variant.");
    }
    if def.inferred {
        docs = docs.line("Inferred from the \"Possible values\" of properties; the docs have no page for it.");
    }
    let view = EnumFile {
        module_docs: Docs::new().line(&format!("The `{}.{}` enumeration.", def.namespace, def.name)).literals(),
        docs: docs.source(&def.loc.file, def.loc.line).literals(),
        name: names::ident(&e.name),
        variants: e
            .variants
            .iter()
            .map(|v| VariantView {
                docs: Docs::new().text(v.description).literals(),
                ident: names::ident(&v.name),
                wire: names::string_literal(v.wire),
            })
            .collect(),
        catch_all: names::ident(&e.catch_all),
    };
    let text = render::render(&view, "enum.rs.j2", &path)?;
    render::rust_file(plan.cache, "enum.rs.j2", &path, render::page_or_docs(&def.loc.file), &text)
}
