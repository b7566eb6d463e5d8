//! The plan: every decision that needs the whole IR, taken once before any file is rendered.
//!
//! Names (which depend on every other name in their scope), type resolution, inherited
//! properties and boxing (which depend on the whole type graph) are settled here. Names that
//! share a scope are claimed in one fixed order; parts with scopes of their own (each struct's
//! fields, each enum's variants, each method's parameters) are planned in parallel, which cannot
//! change their outcome. Rendering a file then only reads the plan, so files can be rendered in
//! parallel and in any order with the same result.

use super::cycles;
use super::format_cache::FormatCache;
use super::paths::{self, Encoding};
use super::types::{FieldType, TypeIndex, TypeNames, TypeRef};
use crate::ir::{DocumentedQuery, Example, Ir, Operation, Property, Verdict};
use crate::names::{self, DEFAULT_NAMESPACE, Scope, Style, TypeName};
use crate::validate::Checked;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The name of the field that keeps properties the docs do not list.
pub(crate) const EXTRA_FIELD: &str = "additional_properties";

/// The ident of the body parameter of a client method, unless a path parameter took it.
const BODY_PARAM: &str = "body";
/// The parameters of a body of bytes: its media type, then the bytes.
const MEDIA_PARAM: &str = "content_type";
const CONTENT_PARAM: &str = "content";

/// A struct to emit: a model or a request body.
#[derive(Debug, Clone)]
pub(crate) struct StructPlan<'ir> {
    /// The Rust type name (plain).
    pub name: String,
    /// A request struct's description is made up here; a model's is the IR's.
    pub description: Cow<'ir, str>,
    pub fields: Vec<FieldPlan<'ir>>,
    /// Where the docs define it.
    pub source: &'ir str,
    pub line: u32,
    /// What the docs call it (`microsoft.graph.commsOperation`), for the module doc.
    pub wire: String,
}

#[derive(Debug, Clone)]
pub(crate) struct FieldPlan<'ir> {
    pub wire: &'ir str,
    /// Plain snake_case name; render with [`names::ident`].
    pub name: String,
    pub ty: FieldType,
    pub description: &'ir str,
    /// The docs mark the property deprecated; its documentation says so.
    pub deprecated: bool,
    pub source: &'ir str,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct EnumPlan<'ir> {
    pub name: String,
    pub variants: Vec<VariantPlan<'ir>>,
    /// The variant that keeps values this SDK does not know.
    pub catch_all: String,
}

#[derive(Debug, Clone)]
pub(crate) struct VariantPlan<'ir> {
    pub wire: &'ir str,
    pub name: String,
    pub description: &'ir str,
}

/// What a client method takes as its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    Type(TypeRef),
    /// Index into [`Plan::request_structs`].
    Request(usize),
    /// Bytes of a media type the caller names (a file's content, a photo):
    /// [`Operation::request_media_type`].
    Bytes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BodyPlan {
    pub kind: BodyKind,
    pub collection: bool,
}

/// What a client method returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReturnPlan {
    Unit,
    Json,
    /// The bytes of the response as they came: [`Operation::response_stream`].
    Bytes,
    /// `202 Accepted` with no documented body: the runtime's `Accepted`, which keeps where to
    /// follow the work (`Location`).
    Accepted,
    /// A type, wrapped in `Collection` when `bool` is set.
    Type(TypeRef, bool),
}

#[derive(Debug, Clone)]
pub(crate) struct ParamPlan {
    pub name: String,
    pub encoding: Encoding,
}

#[derive(Debug, Clone)]
pub(crate) struct MethodPlan {
    pub op: usize,
    pub path: usize,
    pub name: String,
    pub params: Vec<ParamPlan>,
    /// The body parameter's name, when the operation has a body.
    pub body_param: Option<String>,
    /// The name of the parameter that gives the media type of a body of bytes.
    pub media_param: Option<String>,
    /// The documented query as the method sends it, its placeholders still to fill in (the
    /// last of [`MethodPlan::params`]); empty when there is none.
    pub query: String,
}

/// A source page that gets a module: a client page or a test page.
#[derive(Debug, Clone)]
pub(crate) struct PagePlan {
    pub file: String,
    pub module: String,
    /// Methods (client pages) or example tests (test pages), in IR order.
    pub items: Vec<usize>,
    /// Request structs declared by a client page.
    pub request_structs: Vec<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct ExamplePlan {
    pub example: usize,
    /// The base of this example's test names, unique across the crate.
    pub name: String,
}

pub(crate) struct Plan<'ir> {
    pub ir: &'ir Ir,
    pub index: TypeIndex,
    /// Rust names of `ir.types`, by index.
    pub struct_names: Vec<String>,
    /// Rust names of `ir.enums`, by index.
    pub enum_names: Vec<String>,
    pub structs: Vec<StructPlan<'ir>>,
    /// Module (file) names of the structs, by index.
    pub struct_modules: Vec<String>,
    pub enums: Vec<EnumPlan<'ir>>,
    pub enum_modules: Vec<String>,
    pub request_structs: Vec<StructPlan<'ir>>,
    /// Body of each operation, by operation index.
    pub bodies: Vec<Option<BodyPlan>>,
    pub returns: Vec<ReturnPlan>,
    pub methods: Vec<MethodPlan>,
    /// For each operation, the method of each of its paths.
    pub op_methods: Vec<Vec<usize>>,
    pub client_pages: Vec<PagePlan>,
    /// What validation settled about each example of the IR, in its order.
    checked: &'ir [Checked],
    pub examples: Vec<ExamplePlan>,
    pub example_pages: Vec<PagePlan>,
    /// Laid-out files from earlier runs (see [`super::format_cache`]).
    pub cache: Option<&'ir FormatCache>,
}

/// What the parts of the plan read: the IR and the type index, nothing that another part
/// writes. Each part settles its names in a scope of its own (request structs excepted, which
/// claim theirs in the type scope after every model and enum), so the parts run side by side.
#[derive(Clone, Copy)]
struct Ctx<'ir, 'a> {
    ir: &'ir Ir,
    index: &'a TypeIndex,
}

/// The part of the plan that covers operations: request structs, bodies, returns, methods.
struct OperationsPlan<'ir> {
    request_structs: Vec<StructPlan<'ir>>,
    bodies: Vec<Option<BodyPlan>>,
    returns: Vec<ReturnPlan>,
    methods: Vec<MethodPlan>,
    op_methods: Vec<Vec<usize>>,
    client_pages: Vec<PagePlan>,
}

impl<'ir> Plan<'ir> {
    pub(crate) fn new(ir: &'ir Ir, runtime_source: &str) -> Plan<'ir> {
        let index = TypeIndex::new(ir);

        // Types and enums share one scope: both are re-exported and named from each other's
        // files, and request structs are claimed in it afterwards.
        let mut type_scope = Scope::new(Style::UpperCamel);
        let mut all_types: Vec<TypeName<'_>> = Vec::with_capacity(ir.types.len() + ir.enums.len());
        all_types.extend(ir.types.iter().map(|t| TypeName { namespace: &t.namespace, name: &t.name }));
        all_types.extend(ir.enums.iter().map(|e| TypeName { namespace: &e.namespace, name: &e.name }));
        let mut type_names = names::assign_type_names(&mut type_scope, &all_types);
        let enum_names = type_names.split_off(ir.types.len());
        let struct_names = type_names;

        let cx = Ctx { ir, index: &index };
        let ((structs, struct_modules), ((enums, enum_modules), operations)) = rayon::join(
            || (cx.structs(&struct_names), modules_for(&struct_names)),
            || {
                rayon::join(
                    || (cx.enums(&enum_names), modules_for(&enum_names)),
                    || cx.operations(&mut type_scope, runtime_source),
                )
            },
        );
        Plan {
            ir,
            index,
            struct_names,
            enum_names,
            structs,
            struct_modules,
            enums,
            enum_modules,
            request_structs: operations.request_structs,
            bodies: operations.bodies,
            returns: operations.returns,
            methods: operations.methods,
            op_methods: operations.op_methods,
            client_pages: operations.client_pages,
            checked: &[],
            examples: Vec::new(),
            example_pages: Vec::new(),
            cache: None,
        }
    }

    /// Adds the examples, given what validation settled about each example of the IR (in its
    /// order): those that became tests, named and grouped by page.
    pub(crate) fn with_checked(self, checked: &'ir [Checked]) -> Plan<'ir> {
        let examples = TestedExamples::of(self.ir, checked);
        self.with_examples(checked, examples)
    }

    /// [`Plan::with_checked`] with the examples already planned (by [`TestedExamples::of`],
    /// which needs only the IR and validation's findings, not the rest of the plan).
    pub(crate) fn with_examples(mut self, checked: &'ir [Checked], examples: TestedExamples) -> Plan<'ir> {
        self.checked = checked;
        self.examples = examples.examples;
        self.example_pages = examples.pages;
        self
    }

    pub(crate) fn type_names(&self) -> TypeNames<'_> {
        TypeNames { structs: &self.struct_names, enums: &self.enum_names }
    }

    pub(crate) fn example(&self, plan: &ExamplePlan) -> &'ir Example {
        &self.ir.examples[plan.example]
    }

    /// What validation settled about an example that became a test.
    pub(crate) fn checked(&self, plan: &ExamplePlan) -> &Checked {
        &self.checked[plan.example]
    }
}

impl<'ir> Ctx<'ir, '_> {
    /// Fields of every struct, inherited ones first, with boxing settled by the cycle check.
    fn structs(self, struct_names: &[String]) -> Vec<StructPlan<'ir>> {
        let ir = self.ir;
        let mut structs: Vec<StructPlan<'ir>> = (0..ir.types.len())
            .into_par_iter()
            .with_max_len(crate::PIECE)
            .map(|i| {
                let t = &ir.types[i];
                let chain = self.index.base_chain(ir, i);
                // Root first, so inherited properties come before the type's own; a type that
                // redeclares a property replaces the inherited declaration in place.
                let props = by_wire_name(chain.iter().rev().flat_map(|&ancestor| {
                    let owner = &ir.types[ancestor];
                    owner.properties.iter().map(move |p| (p, owner.namespace.as_str()))
                }));
                StructPlan {
                    name: struct_names[i].clone(),
                    description: Cow::Borrowed(&t.description),
                    fields: self.fields(&props),
                    source: &t.loc.file,
                    line: t.loc.line,
                    wire: t.qualified_name(),
                }
            })
            .collect();

        // Box every by-value field whose target is in the struct's own component.
        let edges: Vec<Vec<usize>> = structs
            .iter()
            .map(|s| {
                s.fields
                    .iter()
                    .filter_map(|f| match f.ty.base {
                        TypeRef::Struct(j) if !f.ty.collection => Some(j),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        let component = cycles::components(&edges);
        for (i, s) in structs.iter_mut().enumerate() {
            for f in &mut s.fields {
                if let TypeRef::Struct(j) = f.ty.base {
                    f.ty.boxed = !f.ty.collection && component.get(j) == component.get(i);
                }
            }
        }
        structs
    }

    /// Names and types the fields for a list of properties (each with the namespace its type
    /// names are relative to).
    fn fields(self, props: &[(&'ir Property, &str)]) -> Vec<FieldPlan<'ir>> {
        let mut scope = Scope::with_reserved(Style::Snake, [EXTRA_FIELD]);
        let wires: Vec<&str> = props.iter().map(|(p, _)| p.name.as_str()).collect();
        let field_names = names::assign(&mut scope, &wires);
        props
            .iter()
            .zip(field_names)
            .map(|(&(p, ns), name)| FieldPlan {
                wire: &p.name,
                name,
                ty: FieldType { base: self.index.resolve(&p.ty, ns), collection: p.collection, boxed: false },
                description: &p.description,
                deprecated: p.deprecated,
                source: &p.loc.file,
                line: p.loc.line,
            })
            .collect()
    }

    fn enums(self, enum_names: &[String]) -> Vec<EnumPlan<'ir>> {
        let ir = self.ir;
        (0..ir.enums.len())
            .into_par_iter()
            .with_max_len(crate::PIECE)
            .map(|i| {
                let e = &ir.enums[i];
                // A member listed twice would make an unreachable match arm; the first one counts.
                let mut seen = FxHashSet::default();
                let members: Vec<_> = e.members.iter().filter(|m| seen.insert(m.name.as_str())).collect();
                let mut scope = Scope::new(Style::UpperCamel);
                let wires: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
                let variant_names = names::assign(&mut scope, &wires);
                // The catch-all comes last so that a member called `unknown` keeps its name.
                let catch_all =
                    if scope.contains("Unknown") { scope.claim("UnknownValue") } else { scope.claim("Unknown") };
                let variants = members
                    .iter()
                    .zip(variant_names)
                    .map(|(m, name)| VariantPlan { wire: &m.name, name, description: &m.description })
                    .collect();
                EnumPlan { name: enum_names[i].clone(), variants, catch_all }
            })
            .collect()
    }

    fn operations(self, type_scope: &mut Scope, runtime_source: &str) -> OperationsPlan<'ir> {
        let ir = self.ir;

        // Request structs, claimed after every model and enum, in operation-name order.
        let mut wanting: Vec<(String, usize)> = Vec::new();
        for (o, op) in ir.operations.iter().enumerate() {
            if self.needs_request_struct(op) {
                let base = if op.name.is_empty() { "Operation".to_owned() } else { names::upper_camel(&op.name) };
                wanting.push((format!("{base}Request"), o));
            }
        }
        // Actions of the same name on different resources (`application: addKey`,
        // `servicePrincipal: addKey`) are told apart by their titles, and where the titles are
        // the same too (`assign action` on a dozen Intune pages), by their pages; numbers are the
        // last resort, left to the scope.
        let qualifiers: [fn(&Operation) -> String; 2] = [|op| op.title.clone(), |op| names::page_module(&op.loc.file)];
        for qualify in qualifiers {
            let mut uses: FxHashMap<String, usize> = FxHashMap::default();
            for (base, _) in &wanting {
                *uses.entry(base.clone()).or_default() += 1;
            }
            for (base, o) in &mut wanting {
                let qualifier = qualify(&ir.operations[*o]);
                if uses[base.as_str()] > 1 && !qualifier.trim().is_empty() {
                    *base = format!("{}Request", names::upper_camel(&qualifier));
                }
            }
        }
        wanting.sort_by(|a, b| {
            (a.0.as_str(), &ir.operations[a.1].loc, a.1).cmp(&(b.0.as_str(), &ir.operations[b.1].loc, b.1))
        });
        let mut claimed: Vec<(usize, String)> =
            wanting.into_iter().map(|(base, o)| (o, type_scope.claim(&base))).collect();
        claimed.sort();
        let ops_with_request_structs: Vec<usize> = claimed.iter().map(|(o, _)| *o).collect();
        // Claimed names are in operation order already; the fields are named per struct.
        let request_structs: Vec<StructPlan<'ir>> = claimed
            .into_par_iter()
            .with_max_len(crate::PIECE)
            .filter_map(|(o, name)| {
                let op = &ir.operations[o];
                let body = op.request_body.as_ref()?;
                // A body documented in two tables (one per permission type, as the update of a
                // printer is) lists some properties in both.
                let props = by_wire_name(body.properties.iter().map(|p| (p, DEFAULT_NAMESPACE)));
                Some(StructPlan {
                    name,
                    description: Cow::Owned(format!(
                        "The request body of `{}`.",
                        if op.title.is_empty() { &op.name } else { &op.title }
                    )),
                    fields: self.fields(&props),
                    source: &body.loc.file,
                    line: body.loc.line,
                    wire: String::new(),
                })
            })
            .collect();
        let mut request_of_op: FxHashMap<usize, usize> = FxHashMap::default();
        let with_body = ops_with_request_structs.into_iter().filter(|&o| ir.operations[o].request_body.is_some());
        for (r, o) in with_body.enumerate() {
            request_of_op.insert(o, r);
        }

        let bodies: Vec<Option<BodyPlan>> =
            ir.operations.iter().enumerate().map(|(o, op)| self.body_of(op, request_of_op.get(&o).copied())).collect();
        let returns = ir.operations.iter().map(|op| self.return_of(op)).collect();

        // Method names: one per path, settled globally in sorted order after the runtime's own
        // methods, so that no generated method can shadow or clash with them.
        let mut wanted: Vec<(String, usize, usize)> = (0..ir.operations.len())
            .into_par_iter()
            .with_max_len(crate::PIECE)
            .flat_map_iter(|o| {
                let op = &ir.operations[o];
                let base = names::snake(if op.name.is_empty() { "operation" } else { &op.name });
                let templates: Vec<&str> = op.paths.iter().map(|p| p.template.as_str()).collect();
                if templates.len() == 1 {
                    vec![(base, o, 0)]
                } else {
                    let suffixes = paths::distinguishing_suffixes(&templates);
                    suffixes.into_iter().enumerate().map(|(p, suffix)| (format!("{base}_{suffix}"), o, p)).collect()
                }
            })
            .collect();
        wanted.sort_by(|a, b| {
            (a.0.as_str(), &ir.operations[a.1].loc, a.1, a.2).cmp(&(b.0.as_str(), &ir.operations[b.1].loc, b.1, b.2))
        });
        let reserved = runtime_fn_names(runtime_source);
        let mut method_scope = Scope::with_reserved(Style::Snake, reserved.iter().map(String::as_str));
        let mut named: Vec<(usize, usize, String)> =
            wanted.into_iter().map(|(base, o, p)| (o, p, method_scope.claim(&base))).collect();
        named.sort();

        // Each method's parameters are named in a scope of the method's own.
        let methods: Vec<MethodPlan> = named
            .into_par_iter()
            .with_max_len(crate::PIECE)
            .map(|(o, p, name)| {
                let path = &ir.operations[o].paths[p];
                let mut scope = Scope::with_reserved(Style::Snake, ["self"]);
                let encodings = paths::encodings(&path.template);
                let placeholders = paths::pieces(&path.template).into_iter().filter_map(|piece| match piece {
                    paths::Piece::Placeholder(text) => Some(text),
                    paths::Piece::Literal(_) => None,
                });
                let params: Vec<ParamPlan> = placeholders
                    .enumerate()
                    .map(|(k, text)| {
                        // The IR's first alternative names the parameter; the text between the
                        // braces is the fallback when the IR lists fewer parameters.
                        let wire = path
                            .params
                            .get(k)
                            .and_then(|pp| pp.alternatives.first().map(String::as_str))
                            .unwrap_or_else(|| first_alternative(text));
                        ParamPlan { name: scope.claim(&names::snake(wire)), encoding: encodings[k] }
                    })
                    .collect();
                // The placeholders of the documented query come after the path's, named in the
                // same scope: `{id}` in both gives `id` and `id_2`.
                let query = path.query.as_deref().map(|q| DocumentedQuery::of(q).sent_text()).unwrap_or_default();
                let query_params: Vec<ParamPlan> = paths::pieces(&query)
                    .into_iter()
                    .filter_map(|piece| match piece {
                        paths::Piece::Placeholder(text) => Some(ParamPlan {
                            name: scope.claim(&names::snake(first_alternative(text))),
                            encoding: Encoding::QueryValue,
                        }),
                        paths::Piece::Literal(_) => None,
                    })
                    .collect();
                let mut params: Vec<ParamPlan> = params;
                params.extend(query_params);
                let bytes = bodies[o].is_some_and(|b| b.kind == BodyKind::Bytes);
                let media_param = bytes.then(|| scope.claim(MEDIA_PARAM));
                let body_param = bodies[o].map(|_| scope.claim(if bytes { CONTENT_PARAM } else { BODY_PARAM }));
                MethodPlan { op: o, path: p, name, params, body_param, media_param, query }
            })
            .collect();
        let mut op_methods = vec![Vec::new(); ir.operations.len()];
        for (m, method) in methods.iter().enumerate() {
            op_methods[method.op].push(m);
        }

        // One client module per page, holding its methods and request structs.
        let mut by_page: BTreeMap<&str, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
        for (m, method) in methods.iter().enumerate() {
            by_page.entry(ir.operations[method.op].loc.file.as_str()).or_default().0.push(m);
        }
        for (o, &r) in &request_of_op {
            by_page.entry(ir.operations[*o].loc.file.as_str()).or_default().1.push(r);
        }
        let client_pages = pages(by_page);
        OperationsPlan { request_structs, bodies, returns, methods, op_methods, client_pages }
    }

    /// An operation gets a request struct when its body lists properties but names no type
    /// that resolves to a model.
    fn needs_request_struct(self, op: &Operation) -> bool {
        let Some(body) = &op.request_body else {
            return false;
        };
        let typed = body.ty.as_deref().is_some_and(|t| self.index.resolve_struct(t, DEFAULT_NAMESPACE).is_some());
        !typed && !body.properties.is_empty()
    }

    fn body_of(self, op: &Operation, request: Option<usize>) -> Option<BodyPlan> {
        if op.request_body.is_none() && op.request_media_type.is_some() {
            return Some(BodyPlan { kind: BodyKind::Bytes, collection: false });
        }
        let body = op.request_body.as_ref()?;
        if let Some(r) = request {
            return Some(BodyPlan { kind: BodyKind::Request(r), collection: false });
        }
        let ty = match body.ty.as_deref() {
            Some(t) => self.index.resolve(t, DEFAULT_NAMESPACE),
            // A body is documented but neither typed nor listed: take any JSON.
            None => TypeRef::Json,
        };
        Some(BodyPlan { kind: BodyKind::Type(ty), collection: body.collection })
    }

    fn return_of(self, op: &Operation) -> ReturnPlan {
        if op.response_stream {
            return ReturnPlan::Bytes;
        }
        let Some(response) = &op.response else {
            return ReturnPlan::Unit;
        };
        if response.status == 204 {
            return ReturnPlan::Unit;
        }
        let Some(ty) = response.ty.as_deref() else {
            // Work the service does later (`sendMail`, a drive item's copy) answers 202 with no
            // body, and often with a `Location` to follow it by, which is what the caller needs.
            return if response.status == 202 { ReturnPlan::Accepted } else { ReturnPlan::Json };
        };
        match self.index.resolve(ty, DEFAULT_NAMESPACE) {
            TypeRef::Json => ReturnPlan::Json,
            t if response.collection => ReturnPlan::Type(t, true),
            t @ TypeRef::Struct(_) => ReturnPlan::Type(t, false),
            // A function that returns a single primitive or enum wraps it as `{"value": ...}`,
            // which no primitive type reads; untyped JSON keeps it usable.
            _ => ReturnPlan::Json,
        }
    }
}

/// The examples that became tests, named, and the test files they go in.
pub(crate) struct TestedExamples {
    examples: Vec<ExamplePlan>,
    pages: Vec<PagePlan>,
}

impl TestedExamples {
    pub(crate) fn of(ir: &Ir, checked: &[Checked]) -> TestedExamples {
        let mut tested: Vec<usize> =
            (0..ir.examples.len()).filter(|&x| checked[x].verdict == Verdict::Tested).collect();
        tested.sort_by(|&a, &b| {
            let key = |x: usize| (&ir.examples[x].name, &ir.examples[x].loc, x);
            key(a).cmp(&key(b))
        });
        let mut scope = Scope::new(Style::Snake);
        let mut plans: Vec<ExamplePlan> = tested
            .into_iter()
            .map(|x| ExamplePlan { example: x, name: scope.claim(&names::snake(&ir.examples[x].name)) })
            .collect();
        plans.sort_by_key(|p| p.example);
        let mut by_page: BTreeMap<&str, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
        for (k, p) in plans.iter().enumerate() {
            by_page.entry(ir.examples[p.example].loc.file.as_str()).or_default().0.push(k);
        }
        TestedExamples { examples: plans, pages: pages(by_page) }
    }
}

/// Module names whose files already exist in every folder: `mod.rs` of `src/models/`,
/// `src/enums/` and `src/client/`, and `main.rs` of `tests/examples/`.
const FILE_NAMES_TAKEN: [&str; 2] = ["mod", "main"];

/// Module names for a list of type names, unique within their folder.
fn modules_for(type_names: &[String]) -> Vec<String> {
    let mut scope = Scope::with_reserved(Style::Snake, FILE_NAMES_TAKEN);
    let wires: Vec<&str> = type_names.iter().map(String::as_str).collect();
    names::assign(&mut scope, &wires)
}

/// Turns page → (items, request structs) into page plans with unique module names, in page
/// order.
fn pages(by_page: BTreeMap<&str, (Vec<usize>, Vec<usize>)>) -> Vec<PagePlan> {
    let mut scope = Scope::with_reserved(Style::Snake, FILE_NAMES_TAKEN);
    by_page
        .into_iter()
        .map(|(file, (items, mut request_structs))| {
            request_structs.sort();
            PagePlan { file: file.to_owned(), module: scope.claim(&names::page_module(file)), items, request_structs }
        })
        .collect()
}

/// The first of a placeholder's alternatives (`id` of `id | userPrincipalName`), which names its
/// parameter.
fn first_alternative(placeholder: &str) -> &str {
    placeholder.split('|').next().unwrap_or(placeholder).trim()
}

/// Every name declared with `fn` in the runtime: `Client`'s own methods must not be shadowed
/// by generated ones. Over-reserving a free function's name costs nothing.
fn runtime_fn_names(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = source.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut at = 0;
    while let Some(found) = source[at..].find("fn ") {
        let start = at + found;
        at = start + 3;
        if start > 0 && is_ident(bytes[start - 1]) {
            continue;
        }
        let rest = source[at..].trim_start();
        let rest = rest.strip_prefix("r#").unwrap_or(rest);
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !name.is_empty() {
            out.push(name);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Properties with one entry per wire name, in the order each name first appears; a later
/// declaration replaces an earlier one in place. Two fields with one wire name would leave
/// serde's second match arm unreachable, and the crate would not build with warnings denied.
fn by_wire_name<'ir>(decls: impl Iterator<Item = (&'ir Property, &'ir str)>) -> Vec<(&'ir Property, &'ir str)> {
    let mut props: Vec<(&'ir Property, &'ir str)> = Vec::new();
    let mut position: FxHashMap<&'ir str, usize> = FxHashMap::default();
    for (p, ns) in decls {
        match position.get(p.name.as_str()) {
            Some(&at) => props[at] = (p, ns),
            None => {
                position.insert(&p.name, props.len());
                props.push((p, ns));
            }
        }
    }
    props
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_never_take_the_folder_files() {
        let names = modules_for(&["Mod".to_owned(), "Main".to_owned(), "Mod".to_owned()]);
        assert_eq!(names, ["mod_2", "main_2", "mod_3"]);
        let mut by_page = BTreeMap::new();
        by_page.insert("api/main.md", (vec![0], vec![]));
        by_page.insert("api/mod.md", (vec![1], vec![]));
        let modules: Vec<String> = pages(by_page).into_iter().map(|p| p.module).collect();
        assert_eq!(modules, ["main_2", "mod_2"]);
    }

    #[test]
    fn runtime_names_are_found() {
        let src = "impl Client {\n pub fn new(x: u8) {}\n pub async fn send_json<B>() {}\n fn r#try() {}\n}\nfn helper_fn() {}\n// a comment fn \n";
        assert_eq!(runtime_fn_names(src), ["helper_fn", "new", "send_json", "try"]);
    }
}
