//! Type references: what an IR type string (`Int32`, `Edm.DateTimeOffset`, `resultInfo`,
//! `microsoft.graph.callRecords.session`) means in Rust.
//!
//! The docs spell type names loosely (qualified or not, in any case), so lookups go from exact to
//! forgiving, and a name that matches nothing becomes `serde_json::Value` rather than an error:
//! the validator reports unknown types, the emitter only has to produce code that compiles.

use crate::ir::{Ir, TypeDef};
use crate::names::DEFAULT_NAMESPACE;
use rustc_hash::FxHashMap;

/// A built-in EDM type and the Rust type that carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prim {
    String,
    Bool,
    I16,
    I32,
    I64,
    U8,
    I8,
    F32,
    F64,
    DateTimeOffset,
    Date,
    TimeOfDay,
    Duration,
    Guid,
}

impl Prim {
    /// Recognises an EDM primitive by name, case-insensitively, with or without `Edm.`.
    /// `Json`, `Untyped` and other EDM names are not primitives here; they fall through to
    /// [`TypeRef::Json`].
    pub(crate) fn parse(name: &str) -> Option<Prim> {
        let lower = name.to_ascii_lowercase();
        let lower = lower.strip_prefix("edm.").unwrap_or(&lower);
        Some(match lower {
            "string" => Prim::String,
            "boolean" | "bool" => Prim::Bool,
            "int16" => Prim::I16,
            "int32" => Prim::I32,
            "int64" => Prim::I64,
            "byte" => Prim::U8,
            "sbyte" => Prim::I8,
            "single" => Prim::F32,
            "double" | "decimal" => Prim::F64,
            "datetimeoffset" => Prim::DateTimeOffset,
            "date" => Prim::Date,
            "timeofday" => Prim::TimeOfDay,
            "duration" => Prim::Duration,
            "guid" => Prim::Guid,
            // Binary values travel as base64 text; streams are documented the same way.
            "binary" | "stream" => Prim::String,
            _ => return None,
        })
    }

    fn rust(self, root: &str) -> String {
        let runtime = |name: &str| format!("{root}::runtime::{name}");
        match self {
            Prim::String => "String".to_owned(),
            Prim::Bool => "bool".to_owned(),
            Prim::I16 => "i16".to_owned(),
            Prim::I32 => "i32".to_owned(),
            Prim::I64 => "i64".to_owned(),
            Prim::U8 => "u8".to_owned(),
            Prim::I8 => "i8".to_owned(),
            Prim::F32 => "f32".to_owned(),
            Prim::F64 => "f64".to_owned(),
            Prim::DateTimeOffset => runtime("DateTimeOffset"),
            Prim::Date => runtime("Date"),
            Prim::TimeOfDay => runtime("TimeOfDay"),
            Prim::Duration => runtime("Duration"),
            Prim::Guid => runtime("Guid"),
        }
    }
}

/// What an IR type string resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeRef {
    Prim(Prim),
    /// Index into `Ir::types`.
    Struct(usize),
    /// Index into `Ir::enums`.
    Enum(usize),
    /// Untyped JSON: `Json`, `Untyped`, or a name that matches nothing.
    Json,
}

/// A named IR type: a struct or an enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    Struct(usize),
    Enum(usize),
}

impl Named {
    fn type_ref(self) -> TypeRef {
        match self {
            Named::Struct(i) => TypeRef::Struct(i),
            Named::Enum(i) => TypeRef::Enum(i),
        }
    }
}

/// Lookup tables from wire names to IR types. Built once; every lookup is a few hash probes.
pub(crate) struct TypeIndex {
    /// `namespace.name` exactly as written.
    exact: FxHashMap<String, Named>,
    /// `namespace.name` lowercased.
    folded: FxHashMap<String, Named>,
    /// Unqualified name to its candidates, default namespace first, then sorted.
    by_name: FxHashMap<String, Vec<(String, Named)>>,
    /// The same, lowercased.
    by_folded_name: FxHashMap<String, Vec<(String, Named)>>,
}

impl TypeIndex {
    pub(crate) fn new(ir: &Ir) -> TypeIndex {
        // Candidates are inserted in a fixed order (structs before enums, default namespace
        // first, then by qualified name) so that ambiguous lookups always pick the same type.
        let mut all: Vec<(bool, String, u8, usize, &str, &str)> = Vec::new();
        for (i, t) in ir.types.iter().enumerate() {
            all.push((t.namespace != DEFAULT_NAMESPACE, t.qualified_name(), 0, i, &t.namespace, &t.name));
        }
        for (i, e) in ir.enums.iter().enumerate() {
            all.push((
                e.namespace != DEFAULT_NAMESPACE,
                format!("{}.{}", e.namespace, e.name),
                1,
                i,
                &e.namespace,
                &e.name,
            ));
        }
        all.sort();
        let mut index = TypeIndex {
            exact: FxHashMap::default(),
            folded: FxHashMap::default(),
            by_name: FxHashMap::default(),
            by_folded_name: FxHashMap::default(),
        };
        for (_, qualified, kind, i, namespace, name) in all {
            let named = if kind == 0 { Named::Struct(i) } else { Named::Enum(i) };
            index.folded.entry(qualified.to_ascii_lowercase()).or_insert(named);
            index.exact.entry(qualified).or_insert(named);
            index.by_name.entry(name.to_owned()).or_default().push((namespace.to_owned(), named));
            index.by_folded_name.entry(name.to_ascii_lowercase()).or_default().push((namespace.to_owned(), named));
        }
        index
    }

    /// Resolves a property, body or response type written in the docs of a type in `context`
    /// (a namespace). `Collection(X)` is read as `X`; the caller keeps the collection flag.
    pub(crate) fn resolve(&self, ty: &str, context: &str) -> TypeRef {
        let ty = strip_collection(ty.trim());
        if let Some(prim) = Prim::parse(ty) {
            return TypeRef::Prim(prim);
        }
        if is_untyped(ty) {
            return TypeRef::Json;
        }
        self.lookup(ty, context).map_or(TypeRef::Json, Named::type_ref)
    }

    /// Resolves a name to a struct only (base types, `@odata.type` of examples).
    pub(crate) fn resolve_struct(&self, ty: &str, context: &str) -> Option<usize> {
        match self.resolve(ty, context) {
            TypeRef::Struct(i) => Some(i),
            _ => None,
        }
    }

    fn lookup(&self, name: &str, context: &str) -> Option<Named> {
        let name = name.trim_start_matches('#');
        if name.is_empty() {
            return None;
        }
        self.lookup_in(name, context, false).or_else(|| self.lookup_in(name, context, true))
    }

    fn lookup_in(&self, name: &str, context: &str, fold: bool) -> Option<Named> {
        let (table, by_name) = if fold { (&self.folded, &self.by_folded_name) } else { (&self.exact, &self.by_name) };
        let key = |mut s: String| {
            if fold {
                s.make_ascii_lowercase();
            }
            s
        };
        // Qualified as written, then relative to the context's namespace and to the default one;
        // each candidate is spelled only when the one before it was not found.
        for namespace in [None, Some(context), Some(DEFAULT_NAMESPACE)] {
            let candidate = match namespace {
                None => name.to_owned(),
                Some(ns) => [ns, ".", name].concat(),
            };
            if let Some(found) = table.get(&key(candidate)) {
                return Some(*found);
            }
        }
        // A partly qualified name (`callRecords.session`) or a bare one: match the last segment,
        // preferring a candidate whose namespace ends with what was written before it.
        let (prefix, last) = match name.rsplit_once('.') {
            Some((p, l)) => (Some(p), l),
            None => (None, name),
        };
        let candidates = by_name.get(&key(last.to_owned()))?;
        match prefix {
            None => candidates
                .iter()
                .find(|(ns, _)| if fold { ns.eq_ignore_ascii_case(context) } else { ns == context })
                .or_else(|| candidates.first())
                .map(|(_, named)| *named),
            Some(prefix) => {
                let prefix = key(prefix.to_owned());
                candidates
                    .iter()
                    .find(|(ns, _)| {
                        let ns = key(ns.clone());
                        ns == prefix || ns.ends_with(&format!(".{prefix}"))
                    })
                    .map(|(_, named)| *named)
            }
        }
    }

    /// The chain of a struct and its bases, the root last. Stops at a base that does not
    /// resolve to a struct or that was already seen (a cycle in the docs).
    pub(crate) fn base_chain(&self, ir: &Ir, start: usize) -> Vec<usize> {
        let mut chain = vec![start];
        let mut current = start;
        while let Some(base) = ir.types.get(current).and_then(|t: &TypeDef| t.base.as_deref()) {
            let context = &ir.types[current].namespace;
            match self.resolve_struct(base, context) {
                Some(next) if !chain.contains(&next) => {
                    chain.push(next);
                    current = next;
                }
                _ => break,
            }
        }
        chain
    }
}

/// `Json` and `Untyped` mean any JSON value, even where the docs also have a page for a `Json`
/// type (the workbook APIs do, and their examples put strings and arrays there).
fn is_untyped(ty: &str) -> bool {
    let lower = ty.trim_start_matches('#').to_ascii_lowercase();
    let name = lower.strip_prefix("edm.").or_else(|| lower.strip_prefix("microsoft.graph.")).unwrap_or(&lower);
    name == "json" || name == "untyped"
}

/// `Collection(microsoft.graph.x)` → `microsoft.graph.x`.
fn strip_collection(ty: &str) -> &str {
    // `get` rather than slicing: the docs may put non-ASCII text here, and a byte offset inside
    // a character must not panic.
    match (ty.get(..11), ty.get(11..ty.len().saturating_sub(1))) {
        (Some(head), Some(inner)) if head.eq_ignore_ascii_case("collection(") && ty.ends_with(')') => inner.trim(),
        _ => ty,
    }
}

/// A field's or body's full Rust type, before `Option` is put around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldType {
    pub base: TypeRef,
    pub collection: bool,
    /// Boxed because the field closes a cycle of structs held by value.
    pub boxed: bool,
}

/// The Rust names of the IR's structs and enums, needed to write type paths.
pub(crate) struct TypeNames<'a> {
    pub structs: &'a [String],
    pub enums: &'a [String],
}

impl TypeNames<'_> {
    /// The path of a single value of `t`, from `root` (`crate` inside the SDK, `::graph_sdk` in
    /// its tests).
    pub(crate) fn path(&self, t: TypeRef, root: &str) -> String {
        match t {
            TypeRef::Prim(p) => p.rust(root),
            TypeRef::Struct(i) => match self.structs.get(i) {
                Some(name) => [root, "::models::", name].concat(),
                None => "::serde_json::Value".to_owned(),
            },
            TypeRef::Enum(i) => match self.enums.get(i) {
                Some(name) => [root, "::enums::", name].concat(),
                None => "::serde_json::Value".to_owned(),
            },
            TypeRef::Json => "::serde_json::Value".to_owned(),
        }
    }

    /// The type of a struct field: `Option<T>`, `Option<Box<T>>` or `Option<Vec<T>>`. Prelude
    /// names are safe unqualified: no generated type may take them (see
    /// [`crate::names::RESERVED_TYPE_NAMES`]) and nothing is glob-imported.
    pub(crate) fn field(&self, f: FieldType, root: &str) -> String {
        let inner = self.path(f.base, root);
        // Concatenated rather than formatted: this runs for every field of every struct.
        if f.collection {
            ["Option<Vec<", &inner, ">>"].concat()
        } else if f.boxed {
            ["Option<Box<", &inner, ">>"].concat()
        } else {
            ["Option<", &inner, ">"].concat()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{EnumDef, Loc, TypeKind};

    fn ty(namespace: &str, name: &str, base: Option<&str>) -> TypeDef {
        TypeDef {
            name: name.into(),
            namespace: namespace.into(),
            kind: TypeKind::Entity,
            base: base.map(Into::into),
            is_abstract: false,
            open: false,
            description: String::new(),
            properties: vec![],
            loc: Loc::default(),
        }
    }

    fn sample() -> Ir {
        Ir {
            types: vec![
                ty("microsoft.graph", "entity", None),
                ty("microsoft.graph", "session", Some("entity")),
                ty("microsoft.graph.callRecords", "session", Some("microsoft.graph.entity")),
                ty("microsoft.graph.callRecords", "segment", Some("loopA")),
                ty("microsoft.graph", "loopA", Some("loopB")),
                ty("microsoft.graph", "loopB", Some("loopA")),
            ],
            enums: vec![EnumDef {
                name: "operationStatus".into(),
                namespace: "microsoft.graph".into(),
                evolvable: true,
                flags: false,
                inferred: false,
                description: String::new(),
                members: vec![],
                loc: Loc::default(),
            }],
            ..Ir::default()
        }
    }

    #[test]
    fn primitives() {
        let ir = sample();
        let index = TypeIndex::new(&ir);
        assert_eq!(index.resolve("Edm.Int32", "microsoft.graph"), TypeRef::Prim(Prim::I32));
        assert_eq!(index.resolve("datetimeoffset", "x"), TypeRef::Prim(Prim::DateTimeOffset));
        assert_eq!(index.resolve("Edm.Binary", "x"), TypeRef::Prim(Prim::String));
        assert_eq!(index.resolve("Edm.Json", "x"), TypeRef::Json);
        assert_eq!(index.resolve("Edm.Untyped", "x"), TypeRef::Json);
        assert_eq!(index.resolve("microsoft.graph.Json", "x"), TypeRef::Json);
        assert_eq!(index.resolve("Collection(Edm.String)", "x"), TypeRef::Prim(Prim::String));
    }

    #[test]
    fn named_types() {
        let ir = sample();
        let index = TypeIndex::new(&ir);
        assert_eq!(index.resolve("session", "microsoft.graph"), TypeRef::Struct(1));
        assert_eq!(index.resolve("session", "microsoft.graph.callRecords"), TypeRef::Struct(2));
        assert_eq!(index.resolve("microsoft.graph.session", "microsoft.graph.callRecords"), TypeRef::Struct(1));
        assert_eq!(index.resolve("callRecords.session", "microsoft.graph"), TypeRef::Struct(2));
        assert_eq!(index.resolve("#microsoft.graph.callRecords.session", "microsoft.graph"), TypeRef::Struct(2));
        assert_eq!(index.resolve("Entity", "microsoft.graph"), TypeRef::Struct(0));
        assert_eq!(index.resolve("MICROSOFT.GRAPH.ENTITY", "microsoft.graph"), TypeRef::Struct(0));
        assert_eq!(index.resolve("operationstatus", "microsoft.graph"), TypeRef::Enum(0));
        assert_eq!(index.resolve("nothingLikeThis", "microsoft.graph"), TypeRef::Json);
        assert_eq!(index.resolve("", "microsoft.graph"), TypeRef::Json);
    }

    #[test]
    fn base_chains_stop_at_cycles() {
        let ir = sample();
        let index = TypeIndex::new(&ir);
        assert_eq!(index.base_chain(&ir, 1), [1, 0]);
        assert_eq!(index.base_chain(&ir, 2), [2, 0]);
        assert_eq!(index.base_chain(&ir, 3), [3, 4, 5]);
        assert_eq!(index.base_chain(&ir, 0), [0]);
    }
}
