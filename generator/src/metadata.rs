//! Docs against service metadata: compares the IR with an OData CSDL document (`$metadata`) and
//! reports where the two disagree, with agreement figures.
//!
//! SDK maintainers use it to learn why an SDK lacks a documented property, or has one the docs do
//! not mention: [`parse_csdl`] reads the CSDL XML into [`Csdl`], [`compare`] matches its entity,
//! complex and enum types against the IR by name (ignoring case and namespace) and returns a
//! [`Comparison`]: the [`Figures`] and every [`Finding`], sorted. Nothing here reads files or
//! prints; `cargo xtask check-metadata` does that.
//!
//! The figures follow fixed definitions, so that an independent scorer computing them from the
//! `--ir` JSON gets the same numbers:
//!
//! - names (types, properties, enum members) are compared case-insensitively and without
//!   namespace; type references are compared after removing `Collection(...)` and everything up
//!   to the last dot (`Edm.String` and `String` agree, so do `graph.resultInfo` and `resultInfo`);
//! - "declared" properties are the ones a type lists itself, not inherited ones.
//!
//! When several types share a name across namespaces (`microsoft.graph.endpoint` and
//! `microsoft.graph.callRecords.endpoint`), a type is paired with the other side's type of the
//! same namespace when there is one, and otherwise with the first of that name.

use crate::ir::{Ir, Loc, TypeKind};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The parts of a CSDL document the comparison needs: structured types and enums, with the
/// schema aliases (`graph.`) already resolved to namespaces (`microsoft.graph.`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Csdl {
    /// Entity and complex types, in document order.
    pub types: Vec<CsdlType>,
    /// Enum types, in document order.
    pub enums: Vec<CsdlEnum>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CsdlType {
    pub name: String,
    pub namespace: String,
    pub kind: TypeKind,
    /// Qualified with the namespace, never with an alias (`microsoft.graph.entity`).
    pub base: Option<String>,
    #[serde(rename = "abstract")]
    pub is_abstract: bool,
    pub open: bool,
    /// `Property` and `NavigationProperty` elements in document order.
    pub properties: Vec<CsdlProperty>,
    /// 1-based line of the element in the CSDL file.
    pub line: u32,
}

impl CsdlType {
    pub fn qualified_name(&self) -> String {
        qualify(&self.namespace, &self.name)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CsdlProperty {
    pub name: String,
    /// The element type with aliases resolved and without `Collection(...)`: `Edm.String`,
    /// `microsoft.graph.resultInfo`.
    #[serde(rename = "type")]
    pub ty: String,
    pub collection: bool,
    /// A `NavigationProperty` rather than a structural `Property`.
    pub navigation: bool,
    pub nullable: Option<bool>,
    pub line: u32,
}

impl CsdlProperty {
    /// The type as CSDL spells it, with the alias resolved: `Collection(microsoft.graph.x)`.
    pub fn display_type(&self) -> String {
        if self.collection { format!("Collection({})", self.ty) } else { self.ty.clone() }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CsdlEnum {
    pub name: String,
    pub namespace: String,
    /// `IsFlags="true"`: values combine several members.
    pub flags: bool,
    pub members: Vec<CsdlMember>,
    pub line: u32,
}

impl CsdlEnum {
    pub fn qualified_name(&self) -> String {
        qualify(&self.namespace, &self.name)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CsdlMember {
    pub name: String,
    pub value: Option<i64>,
    pub line: u32,
}

fn qualify(namespace: &str, name: &str) -> String {
    if namespace.is_empty() { name.to_string() } else { format!("{namespace}.{name}") }
}

/// Reads a CSDL document. Only malformed XML, or XML without any `Schema` element, is an error;
/// odd content inside a schema (a property without a name, an unknown element) is skipped,
/// because a partial comparison is more useful than none.
pub fn parse_csdl(xml: &str) -> Result<Csdl, String> {
    let options = roxmltree::ParsingOptions { allow_dtd: false, ..Default::default() };
    let doc = roxmltree::Document::parse_with_options(xml, options)
        .map_err(|e| format!("the metadata is not well-formed XML: {e}"))?;
    let lines = LineStarts::new(xml);
    let schemas: Vec<roxmltree::Node> =
        doc.descendants().filter(|n| n.is_element() && n.tag_name().name() == "Schema").collect();
    if schemas.is_empty() {
        return Err("the metadata has no <Schema> element: it is not an OData CSDL document".into());
    }
    // Aliases are collected from every schema first because a schema may refer to another
    // schema's alias, declared later in the document.
    let mut aliases: FxHashMap<&str, &str> = FxHashMap::default();
    for s in &schemas {
        if let (Some(alias), Some(ns)) = (s.attribute("Alias"), s.attribute("Namespace")) {
            aliases.insert(alias, ns);
        }
    }
    let mut csdl = Csdl::default();
    for schema in &schemas {
        let namespace = schema.attribute("Namespace").unwrap_or("").trim();
        for node in schema.children().filter(|n| n.is_element()) {
            let Some(name) = node.attribute("Name").map(str::trim).filter(|n| !n.is_empty()) else { continue };
            let line = lines.line(node.range().start);
            match node.tag_name().name() {
                kind @ ("EntityType" | "ComplexType") => {
                    let properties = node
                        .children()
                        .filter(|c| c.is_element())
                        .filter_map(|c| {
                            let navigation = match c.tag_name().name() {
                                "Property" => false,
                                "NavigationProperty" => true,
                                _ => return None,
                            };
                            let name = c.attribute("Name").map(str::trim).filter(|n| !n.is_empty())?;
                            let (ty, collection) = resolve_type(c.attribute("Type").unwrap_or(""), &aliases);
                            Some(CsdlProperty {
                                name: name.to_string(),
                                ty,
                                collection,
                                navigation,
                                nullable: c.attribute("Nullable").and_then(parse_bool),
                                line: lines.line(c.range().start),
                            })
                        })
                        .collect();
                    csdl.types.push(CsdlType {
                        name: name.to_string(),
                        namespace: namespace.to_string(),
                        kind: if kind == "EntityType" { TypeKind::Entity } else { TypeKind::Complex },
                        base: node
                            .attribute("BaseType")
                            .map(|b| resolve_name(b.trim(), &aliases))
                            .filter(|b| !b.is_empty()),
                        is_abstract: node.attribute("Abstract").and_then(parse_bool).unwrap_or(false),
                        open: node.attribute("OpenType").and_then(parse_bool).unwrap_or(false),
                        properties,
                        line,
                    });
                }
                "EnumType" => {
                    let members = node
                        .children()
                        .filter(|c| c.is_element() && c.tag_name().name() == "Member")
                        .filter_map(|c| {
                            let name = c.attribute("Name").map(str::trim).filter(|n| !n.is_empty())?;
                            Some(CsdlMember {
                                name: name.to_string(),
                                value: c.attribute("Value").and_then(|v| v.trim().parse().ok()),
                                line: lines.line(c.range().start),
                            })
                        })
                        .collect();
                    csdl.enums.push(CsdlEnum {
                        name: name.to_string(),
                        namespace: namespace.to_string(),
                        flags: node.attribute("IsFlags").and_then(parse_bool).unwrap_or(false),
                        members,
                        line,
                    });
                }
                _ => {}
            }
        }
    }
    Ok(csdl)
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim() {
        t if t.eq_ignore_ascii_case("true") => Some(true),
        t if t.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Splits `Collection(graph.x)` into (`microsoft.graph.x`, true).
fn resolve_type(raw: &str, aliases: &FxHashMap<&str, &str>) -> (String, bool) {
    let raw = raw.trim();
    match raw.strip_prefix("Collection(").and_then(|r| r.strip_suffix(')')) {
        Some(inner) => (resolve_name(inner.trim(), aliases), true),
        None => (resolve_name(raw, aliases), false),
    }
}

/// Replaces a schema alias by its namespace: `graph.x` → `microsoft.graph.x`.
fn resolve_name(name: &str, aliases: &FxHashMap<&str, &str>) -> String {
    match name.rsplit_once('.') {
        Some((prefix, short)) => match aliases.get(prefix) {
            Some(ns) => format!("{ns}.{short}"),
            None => name.to_string(),
        },
        None => name.to_string(),
    }
}

/// Byte offset → 1-based line, by binary search over the line starts. roxmltree can compute
/// positions itself, but by rescanning the text each time, which is quadratic over a 2 MB file.
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn new(text: &str) -> LineStarts {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
        LineStarts(starts)
    }

    fn line(&self, offset: usize) -> u32 {
        let idx = self.0.partition_point(|&s| s <= offset);
        u32::try_from(idx.max(1)).unwrap_or(u32::MAX)
    }
}

/// A name or type reference reduced to what the comparison looks at: no `Collection(...)`, no
/// namespace (everything up to the last dot), lower case.
pub fn normalise(name: &str) -> String {
    let t = name.trim();
    let t = t.strip_prefix("Collection(").and_then(|r| r.strip_suffix(')')).unwrap_or(t).trim();
    let short = t.rsplit('.').next().unwrap_or(t);
    short.to_lowercase()
}

/// A count out of a total. Serialised with its percentage (one decimal, `null` for 0/0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct Ratio {
    pub count: usize,
    pub total: usize,
}

impl Ratio {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        if ok {
            self.count += 1;
        }
    }

    /// The share in percent, to two decimals: the targets are given to one decimal, and
    /// one decimal would round 98.28% up to a target of 98.3% that it misses.
    pub fn percent(&self) -> Option<f64> {
        if self.total == 0 { None } else { Some((self.count as f64 * 10000.0 / self.total as f64).round() / 100.0) }
    }
}

impl Serialize for Ratio {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Ratio", 3)?;
        st.serialize_field("count", &self.count)?;
        st.serialize_field("total", &self.total)?;
        st.serialize_field("percent", &self.percent())?;
        st.end()
    }
}

/// `94.30% (960/1018)`, or `n/a (0/0)` when there was nothing to count.
impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.percent() {
            Some(p) => write!(f, "{p:.2}% ({}/{})", self.count, self.total),
            None => write!(f, "n/a ({}/{})", self.count, self.total),
        }
    }
}

/// The agreement figures. Each is defined on its field; see also the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// CSDL entity and complex types whose name matches some IR type, out of all of them.
    pub types_found: Ratio,
    /// Over found CSDL types, their `Property` elements (not `NavigationProperty`) whose name is
    /// among the paired IR type's declared properties. An IR property counts whatever its
    /// `navigation` flag: a structural property the docs call a relationship is still documented.
    pub property_recall: Ratio,
    /// Over IR declared properties with `navigation == false` of IR types whose name matches a
    /// CSDL type: those whose name is a `Property` or `NavigationProperty` of the paired CSDL type
    /// or of any of its CSDL ancestors.
    pub property_precision: Ratio,
    /// Over the properties counted as found by `property_recall`: those whose normalised types
    /// are equal.
    pub property_types_agreeing: Ratio,
    /// Over the same properties: those whose collection flags are equal.
    pub collection_flags_agreeing: Ratio,
    /// Over found CSDL types whose paired IR type has a `base`: those whose CSDL `BaseType` has
    /// the same name (a CSDL type without `BaseType` disagrees).
    pub base_types_agreeing: Ratio,
    /// Over IR types whose name matches a CSDL type: those of the same kind (entity or complex).
    #[serde(default)]
    pub kinds_agreeing: Ratio,
    /// CSDL enums whose name matches some IR enum, out of all of them.
    pub enums_found: Ratio,
    /// Over found CSDL enums, their members present (ignoring case) in the paired IR enum.
    pub enum_member_recall: Ratio,
}

impl Figures {
    /// Every figure with its label, in the order reports print them.
    pub fn labelled(&self) -> [(&'static str, Ratio); 9] {
        [
            ("types found", self.types_found),
            ("declared structural property recall", self.property_recall),
            ("declared property precision", self.property_precision),
            ("property types agreeing", self.property_types_agreeing),
            ("collection flags agreeing", self.collection_flags_agreeing),
            ("base types agreeing", self.base_types_agreeing),
            ("kinds agreeing", self.kinds_agreeing),
            ("enums found", self.enums_found),
            ("enum member recall", self.enum_member_recall),
        ]
    }
}

/// What kind of disagreement a finding is. The order here is the order of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    TypeOnlyInDocs,
    TypeOnlyInMetadata,
    KindMismatch,
    PropertyMissingInDocs,
    NavigationMissingInDocs,
    PropertyMissingInMetadata,
    PropertyTypeMismatch,
    StringVsEnum,
    CollectionMismatch,
    NavigationMismatch,
    PropertyNameCaseDiffers,
    BaseTypeMismatch,
    BaseTypeMissingInDocs,
    EnumOnlyInDocs,
    EnumOnlyInMetadata,
    EnumMemberMissingInDocs,
    EnumMemberMissingInMetadata,
    EnumMemberCaseDiffers,
    EnumFlagsMismatch,
}

impl Category {
    pub const ALL: [Category; 19] = [
        Category::TypeOnlyInDocs,
        Category::TypeOnlyInMetadata,
        Category::KindMismatch,
        Category::PropertyMissingInDocs,
        Category::NavigationMissingInDocs,
        Category::PropertyMissingInMetadata,
        Category::PropertyTypeMismatch,
        Category::StringVsEnum,
        Category::CollectionMismatch,
        Category::NavigationMismatch,
        Category::PropertyNameCaseDiffers,
        Category::BaseTypeMismatch,
        Category::BaseTypeMissingInDocs,
        Category::EnumOnlyInDocs,
        Category::EnumOnlyInMetadata,
        Category::EnumMemberMissingInDocs,
        Category::EnumMemberMissingInMetadata,
        Category::EnumMemberCaseDiffers,
        Category::EnumFlagsMismatch,
    ];

    /// The kebab-case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::TypeOnlyInDocs => "type-only-in-docs",
            Category::TypeOnlyInMetadata => "type-only-in-metadata",
            Category::KindMismatch => "kind-mismatch",
            Category::PropertyMissingInDocs => "property-missing-in-docs",
            Category::NavigationMissingInDocs => "navigation-missing-in-docs",
            Category::PropertyMissingInMetadata => "property-missing-in-metadata",
            Category::PropertyTypeMismatch => "property-type-mismatch",
            Category::StringVsEnum => "string-vs-enum",
            Category::CollectionMismatch => "collection-mismatch",
            Category::NavigationMismatch => "navigation-mismatch",
            Category::PropertyNameCaseDiffers => "property-name-case-differs",
            Category::BaseTypeMismatch => "base-type-mismatch",
            Category::BaseTypeMissingInDocs => "base-type-missing-in-docs",
            Category::EnumOnlyInDocs => "enum-only-in-docs",
            Category::EnumOnlyInMetadata => "enum-only-in-metadata",
            Category::EnumMemberMissingInDocs => "enum-member-missing-in-docs",
            Category::EnumMemberMissingInMetadata => "enum-member-missing-in-metadata",
            Category::EnumMemberCaseDiffers => "enum-member-case-differs",
            Category::EnumFlagsMismatch => "enum-flags-mismatch",
        }
    }

    /// One line saying what the category means, for report headings.
    pub fn description(self) -> &'static str {
        match self {
            Category::TypeOnlyInDocs => "docs types with no entity or complex type of that name in the metadata",
            Category::TypeOnlyInMetadata => "metadata entity or complex types no docs page declares",
            Category::KindMismatch => {
                "types the docs use as an entity and the metadata declares complex, or the reverse"
            }
            Category::PropertyMissingInDocs => "metadata structural properties the docs type does not declare",
            Category::NavigationMissingInDocs => "metadata navigation properties the docs type does not declare",
            Category::PropertyMissingInMetadata => "docs properties the metadata type and its ancestors lack",
            Category::PropertyTypeMismatch => "properties whose documented type differs from the metadata's",
            Category::StringVsEnum => "properties documented as String where the metadata has an enum",
            Category::CollectionMismatch => "properties that are a collection on one side only",
            Category::NavigationMismatch => {
                "properties that are a relationship on one side and structural on the other"
            }
            Category::PropertyNameCaseDiffers => "property names that differ only in case (the wire name matters)",
            Category::BaseTypeMismatch => "types whose documented base type differs from the metadata's",
            Category::BaseTypeMissingInDocs => "types the metadata derives from a base type the docs do not name",
            Category::EnumOnlyInDocs => "docs enums with no enum of that name in the metadata",
            Category::EnumOnlyInMetadata => "metadata enums no docs page declares",
            Category::EnumMemberMissingInDocs => "metadata enum members the docs do not list",
            Category::EnumMemberMissingInMetadata => "docs enum members the metadata lacks",
            Category::EnumMemberCaseDiffers => "enum members that differ only in case (the wire value matters)",
            Category::EnumFlagsMismatch => "enums that are flags on one side only",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One disagreement between the docs and the metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub category: Category,
    /// The qualified type or enum name: the metadata's spelling when the metadata has it, else
    /// the docs'.
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub property: Option<String>,
    /// Where the docs say it, when the docs side exists.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub docs: Option<Loc>,
    /// The 1-based line of the metadata element, when the metadata side exists.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub metadata_line: Option<u32>,
    /// The docs' value: a type, a base type, an enum member.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub docs_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub metadata_value: Option<String>,
    pub message: String,
}

/// The figures and every finding, sorted by category, then type, property and docs location.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    pub figures: Figures,
    pub findings: Vec<Finding>,
}

impl Comparison {
    /// The number of findings in each category, every category included, in report order.
    pub fn counts(&self) -> Vec<(Category, usize)> {
        let mut counts: FxHashMap<Category, usize> = FxHashMap::default();
        for f in &self.findings {
            *counts.entry(f.category).or_default() += 1;
        }
        Category::ALL.iter().map(|c| (*c, counts.get(c).copied().unwrap_or(0))).collect()
    }
}

/// Indexes of items by lower-case name.
fn by_name<'a, T>(items: &'a [T], name: impl Fn(&'a T) -> &'a str) -> FxHashMap<String, Vec<usize>> {
    let mut map: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (i, item) in items.iter().enumerate() {
        map.entry(name(item).to_lowercase()).or_default().push(i);
    }
    map
}

/// Of the candidates, the one in `namespace` (ignoring case), or else the first.
fn pick(candidates: &[usize], namespace: &str, ns_of: impl Fn(usize) -> String) -> Option<usize> {
    candidates
        .iter()
        .copied()
        .find(|&i| ns_of(i).eq_ignore_ascii_case(namespace))
        .or_else(|| candidates.first().copied())
}

/// Splits a qualified name at its last dot: `microsoft.graph.callRecords.session` →
/// (`microsoft.graph.callRecords`, `session`).
fn split_last(name: &str) -> (Option<&str>, &str) {
    match name.rsplit_once('.') {
        Some((ns, short)) => (Some(ns), short),
        None => (None, name),
    }
}

/// Everything `compare` looks up, built once.
struct Index<'a> {
    ir: &'a Ir,
    csdl: &'a Csdl,
    ir_types: FxHashMap<String, Vec<usize>>,
    ir_enums: FxHashMap<String, Vec<usize>>,
    csdl_types: FxHashMap<String, Vec<usize>>,
    csdl_enums: FxHashMap<String, Vec<usize>>,
    /// Lower-case qualified CSDL enum names, to tell whether a property type is an enum.
    csdl_enum_qualified: FxHashMap<String, usize>,
    csdl_type_qualified: FxHashMap<String, usize>,
    /// Lower-case file stem of each page, for hints about types no page declares.
    page_stems: FxHashMap<String, Vec<usize>>,
}

impl<'a> Index<'a> {
    fn new(ir: &'a Ir, csdl: &'a Csdl) -> Index<'a> {
        let mut page_stems: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        for (i, p) in ir.pages.iter().enumerate() {
            let file = p.file.rsplit('/').next().unwrap_or(&p.file);
            let stem = file.strip_suffix(".md").unwrap_or(file).to_lowercase();
            // Intune pages are named `intune-<area>-<type>.md`; the last part names the type.
            if let Some((_, last)) = stem.rsplit_once('-') {
                page_stems.entry(last.to_string()).or_default().push(i);
            }
            page_stems.entry(stem).or_default().push(i);
        }
        Index {
            ir,
            csdl,
            ir_types: by_name(&ir.types, |t| &t.name),
            ir_enums: by_name(&ir.enums, |e| &e.name),
            csdl_types: by_name(&csdl.types, |t| &t.name),
            csdl_enums: by_name(&csdl.enums, |e| &e.name),
            csdl_enum_qualified: csdl
                .enums
                .iter()
                .enumerate()
                .map(|(i, e)| (e.qualified_name().to_lowercase(), i))
                .collect(),
            csdl_type_qualified: csdl
                .types
                .iter()
                .enumerate()
                .map(|(i, t)| (t.qualified_name().to_lowercase(), i))
                .collect(),
            page_stems,
        }
    }

    fn ir_type_for(&self, name: &str, namespace: &str) -> Option<usize> {
        let c = self.ir_types.get(&name.to_lowercase())?;
        pick(c, namespace, |i| self.ir.types[i].namespace.clone())
    }

    fn csdl_type_for(&self, name: &str, namespace: &str) -> Option<usize> {
        let c = self.csdl_types.get(&name.to_lowercase())?;
        pick(c, namespace, |i| self.csdl.types[i].namespace.clone())
    }

    /// A CSDL type and its ancestors, nearest first; stops at a cycle or an unknown base.
    fn csdl_lineage(&self, start: usize) -> Vec<usize> {
        let mut out = vec![start];
        let mut cur = start;
        while let Some(base) = &self.csdl.types[cur].base {
            let next = match self.csdl_type_qualified.get(&base.to_lowercase()) {
                Some(&i) => Some(i),
                None => {
                    let (ns, short) = split_last(base);
                    self.csdl_type_for(short, ns.unwrap_or(""))
                }
            };
            match next {
                Some(n) if !out.contains(&n) => {
                    out.push(n);
                    cur = n;
                }
                _ => break,
            }
        }
        out
    }

    /// An IR type and its ancestors through `base`, nearest first; stops at a cycle or an
    /// unknown base.
    fn ir_lineage(&self, start: usize) -> Vec<usize> {
        let mut out = vec![start];
        let mut cur = start;
        while let Some(base) = &self.ir.types[cur].base {
            let (ns, short) = split_last(base);
            let ns = ns.unwrap_or(&self.ir.types[cur].namespace);
            match self.ir_type_for(short, ns) {
                Some(n) if !out.contains(&n) => {
                    out.push(n);
                    cur = n;
                }
                _ => break,
            }
        }
        out
    }

    fn is_csdl_enum(&self, qualified: &str) -> bool {
        self.csdl_enum_qualified.contains_key(&qualified.to_lowercase())
    }

    /// Pages whose file name names `name`, for the hint that a page exists but declares no type.
    fn pages_named(&self, name: &str) -> Vec<&'a str> {
        let mut files: Vec<&str> = self
            .page_stems
            .get(&name.to_lowercase())
            .map(|v| v.iter().map(|&i| self.ir.pages[i].file.as_str()).collect())
            .unwrap_or_default();
        files.sort();
        files.dedup();
        files
    }
}

/// The candidate (among those `unmatched` accepts) closest to `name` in spelling, when it is
/// one or two edits away (one for short names) and not merely a different case, which is matched
/// elsewhere. Ties go to the alphabetically first, so the hint does not depend on order.
fn near_spelling<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
    unmatched: impl Fn(&str) -> bool,
) -> Option<&'a str> {
    // A plural on one side only (`appliedConditionalAccessPolicy` against `...Policies`) counts
    // as one edit, whatever its letters.
    fn singular(n: &str) -> String {
        match n.strip_suffix("ies") {
            Some(stem) => format!("{stem}y"),
            None => n.strip_suffix('s').unwrap_or(n).to_string(),
        }
    }
    let lname = name.to_lowercase();
    let limit = if lname.len() < 8 { 1 } else { 2 };
    candidates
        .filter(|c| !c.eq_ignore_ascii_case(name) && unmatched(c))
        .map(|c| {
            let lc = c.to_lowercase();
            let d = if singular(&lc) == singular(&lname) { 1 } else { crate::lower::edit_distance(&lname, &lc) };
            (d, c)
        })
        .filter(|&(d, _)| d <= limit)
        .min()
        .map(|(_, c)| c)
}

fn page_loc(file: &str) -> Loc {
    Loc { file: file.to_string(), line: 1, column: 1 }
}

/// Compares the documented API with the metadata. Pure: the same inputs give the same output,
/// findings sorted.
pub fn compare(ir: &Ir, csdl: &Csdl) -> Comparison {
    let ix = Index::new(ir, csdl);
    let mut fig = Figures::default();
    let mut out: Vec<Finding> = Vec::new();

    compare_types_from_metadata(&ix, &mut fig, &mut out);
    compare_types_from_docs(&ix, &mut fig, &mut out);
    compare_enums(&ix, &mut fig, &mut out);

    out.sort_by_cached_key(|f| {
        (
            f.category,
            f.ty.to_lowercase(),
            f.ty.clone(),
            f.property.as_deref().map(str::to_lowercase),
            f.property.clone(),
            f.docs.clone(),
            f.metadata_line,
            f.docs_value.clone(),
            f.metadata_value.clone(),
            f.message.clone(),
        )
    });
    out.dedup();
    Comparison { figures: fig, findings: out }
}

/// Walks the CSDL types: types found, recall, property types and collection flags, base types.
fn compare_types_from_metadata(ix: &Index, fig: &mut Figures, out: &mut Vec<Finding>) {
    for (ci, ct) in ix.csdl.types.iter().enumerate() {
        let qname = ct.qualified_name();
        let Some(ti) = ix.ir_type_for(&ct.name, &ct.namespace) else {
            fig.types_found.add(false);
            let pages = ix.pages_named(&ct.name);
            let enum_hint = if ix.ir_enums.contains_key(&ct.name.to_lowercase()) {
                "; the docs have an enum of that name"
            } else {
                ""
            };
            let message = match pages.first() {
                Some(p) => format!("no docs type `{}`, though the page `{p}` is named after it{enum_hint}", ct.name),
                None => format!("no docs page declares the {} type `{}`{enum_hint}", kind_word(ct.kind), ct.name),
            };
            out.push(Finding {
                category: Category::TypeOnlyInMetadata,
                ty: qname,
                property: None,
                docs: pages.first().map(|p| page_loc(p)),
                metadata_line: Some(ct.line),
                docs_value: None,
                metadata_value: None,
                message,
            });
            continue;
        };
        fig.types_found.add(true);
        let it = &ix.ir.types[ti];
        let first_finding = out.len();
        let ir_props = by_name(&it.properties, |p| &p.name);
        let ir_lineage = ix.ir_lineage(ti);

        for cp in &ct.properties {
            // The structural reading of a documented name is preferred; a name the docs only
            // give as a relationship still counts as documented.
            let found = ir_props
                .get(&cp.name.to_lowercase())
                .and_then(|v| v.iter().copied().find(|&i| !it.properties[i].navigation).or_else(|| v.first().copied()));
            if !cp.navigation {
                fig.property_recall.add(found.is_some());
            }
            let Some(pi) = found else {
                let elsewhere = ir_lineage
                    .iter()
                    .skip(1)
                    .find(|&&a| ix.ir.types[a].properties.iter().any(|p| p.name.eq_ignore_ascii_case(&cp.name)));
                // A documented name of the same kind (structural or navigation) one or two
                // letters away that the metadata lacks is most likely the same property misspelt
                // on one side (`oauth2RequiredPostResponse` against `oauth2RequirePostResponse`):
                // say so rather than report two unrelated gaps.
                let near = || {
                    let lineage = ix.csdl_lineage(ci);
                    let same_kind = it.properties.iter().filter(|p| p.navigation == cp.navigation);
                    near_spelling(&cp.name, same_kind.map(|p| p.name.as_str()), |n| {
                        !lineage
                            .iter()
                            .any(|&a| ix.csdl.types[a].properties.iter().any(|q| q.name.eq_ignore_ascii_case(n)))
                    })
                };
                // The near spelling is looked for only when the docs do not have the property
                // on a base type.
                let hint = match elsewhere.copied().ok_or_else(near) {
                    Ok(a) => format!("; the docs declare it on the base type `{}`", ix.ir.types[a].name),
                    Err(Some(n)) => format!(
                        "; the docs have `{n}`, a near spelling the metadata lacks: the same property misspelt on one side?"
                    ),
                    Err(None) if it.properties.is_empty() => {
                        "; the docs page declares no properties for this type".to_string()
                    }
                    Err(None) => String::new(),
                };
                let (category, what) = if cp.navigation {
                    (Category::NavigationMissingInDocs, "navigation property")
                } else {
                    (Category::PropertyMissingInDocs, "property")
                };
                out.push(Finding {
                    category,
                    ty: qname.clone(),
                    property: Some(cp.name.clone()),
                    docs: Some(it.loc.clone()),
                    metadata_line: Some(cp.line),
                    docs_value: None,
                    metadata_value: Some(cp.display_type()),
                    message: format!(
                        "the metadata's {what} `{}` ({}) is not on the docs page{hint}",
                        cp.name,
                        cp.display_type()
                    ),
                });
                continue;
            };
            if cp.navigation {
                // Figures and type findings are about structural properties only.
                continue;
            }
            let ip = &it.properties[pi];
            let same_type = normalise(&ip.ty) == normalise(&cp.ty);
            fig.property_types_agreeing.add(same_type);
            if !same_type {
                let to_enum = normalise(&ip.ty) == "string" && ix.is_csdl_enum(&cp.ty);
                let listed = if to_enum && !ip.possible_values.is_empty() {
                    format!("; the page lists possible values {}", ip.possible_values.join(", "))
                } else {
                    String::new()
                };
                out.push(Finding {
                    category: if to_enum { Category::StringVsEnum } else { Category::PropertyTypeMismatch },
                    ty: qname.clone(),
                    property: Some(cp.name.clone()),
                    docs: Some(ip.loc.clone()),
                    metadata_line: Some(cp.line),
                    docs_value: Some(ip.ty.clone()),
                    metadata_value: Some(cp.ty.clone()),
                    message: if to_enum {
                        format!("documented as `String`, the metadata has the enum `{}`{listed}", cp.ty)
                    } else {
                        format!("documented as `{}`, the metadata has `{}`", ip.ty, cp.ty)
                    },
                });
            }
            let same_coll = ip.collection == cp.collection;
            fig.collection_flags_agreeing.add(same_coll);
            if !same_coll {
                let side = |c: bool| if c { "a collection" } else { "a single value" };
                out.push(Finding {
                    category: Category::CollectionMismatch,
                    ty: qname.clone(),
                    property: Some(cp.name.clone()),
                    docs: Some(ip.loc.clone()),
                    metadata_line: Some(cp.line),
                    docs_value: Some(display_ir_type(&ip.ty, ip.collection)),
                    metadata_value: Some(cp.display_type()),
                    message: format!("documented as {}, the metadata has {}", side(ip.collection), side(cp.collection)),
                });
            }
        }

        let csdl_base = ct.base.as_deref().map(|b| split_last(b).1);
        match (&it.base, csdl_base) {
            (Some(ib), cb) => {
                let same = cb.is_some_and(|cb| normalise(cb) == normalise(ib));
                fig.base_types_agreeing.add(same);
                if !same {
                    out.push(Finding {
                        category: Category::BaseTypeMismatch,
                        ty: qname.clone(),
                        property: None,
                        docs: Some(it.loc.clone()),
                        metadata_line: Some(ct.line),
                        docs_value: Some(ib.clone()),
                        metadata_value: ct.base.clone(),
                        message: match &ct.base {
                            Some(b) => format!("the docs derive it from `{ib}`, the metadata from `{b}`"),
                            None => format!("the docs derive it from `{ib}`, the metadata gives no base type"),
                        },
                    });
                }
            }
            (None, Some(_)) => out.push(Finding {
                category: Category::BaseTypeMissingInDocs,
                ty: qname.clone(),
                property: None,
                docs: Some(it.loc.clone()),
                metadata_line: Some(ct.line),
                docs_value: None,
                metadata_value: ct.base.clone(),
                message: format!(
                    "the metadata derives it from `{}`, the docs name no base type",
                    ct.base.as_deref().unwrap_or("")
                ),
            }),
            (None, None) => {}
        }
        note_other_namespace(&mut out[first_finding..], &it.namespace, &ct.namespace);
    }
}

/// Says so on each finding of a pair whose two types live in different namespaces: such a pair
/// exists only because names are matched without namespace, and is often two different types.
fn note_other_namespace(findings: &mut [Finding], docs_ns: &str, metadata_ns: &str) {
    if docs_ns.eq_ignore_ascii_case(metadata_ns) {
        return;
    }
    for f in findings {
        f.message.push_str(&format!(" (the docs type is in `{docs_ns}`, the metadata type in `{metadata_ns}`)"));
    }
}

/// Walks the IR types: types only in the docs, precision, and the per-property checks that need
/// the CSDL ancestors (missing in metadata, navigation flag, name case).
fn compare_types_from_docs(ix: &Index, fig: &mut Figures, out: &mut Vec<Finding>) {
    for it in &ix.ir.types {
        let Some(ci) = ix.csdl_type_for(&it.name, &it.namespace) else {
            let enum_hint = if ix.csdl_enums.contains_key(&it.name.to_lowercase()) {
                "; the metadata has an enum of that name"
            } else {
                ""
            };
            out.push(Finding {
                category: Category::TypeOnlyInDocs,
                ty: it.qualified_name(),
                property: None,
                docs: Some(it.loc.clone()),
                metadata_line: None,
                docs_value: None,
                metadata_value: None,
                message: format!("the metadata has no entity or complex type `{}`{enum_hint}", it.name),
            });
            continue;
        };
        let ct = &ix.csdl.types[ci];
        let qname = ct.qualified_name();
        let lineage = ix.csdl_lineage(ci);
        let first_finding = out.len();
        fig.kinds_agreeing.add(it.kind == ct.kind);
        if it.kind != ct.kind {
            let kind = |k: TypeKind| if k == TypeKind::Entity { "an entity type" } else { "a complex type" };
            out.push(Finding {
                category: Category::KindMismatch,
                ty: qname.clone(),
                property: None,
                docs: Some(it.loc.clone()),
                metadata_line: Some(ct.line),
                docs_value: Some(kind(it.kind).to_string()),
                metadata_value: Some(kind(ct.kind).to_string()),
                message: format!(
                    "the docs use `{}` as {}, the metadata declares {}",
                    it.name,
                    kind(it.kind),
                    kind(ct.kind)
                ),
            });
        }
        for ip in &it.properties {
            let found = lineage.iter().find_map(|&a| {
                let t = &ix.csdl.types[a];
                t.properties.iter().find(|p| p.name.eq_ignore_ascii_case(&ip.name)).map(|p| (t, p))
            });
            if !ip.navigation {
                fig.property_precision.add(found.is_some());
            }
            let Some((owner, cp)) = found else {
                let what = if ip.navigation { "relationship" } else { "property" };
                let documented = |n: &str| it.properties.iter().any(|p| p.name.eq_ignore_ascii_case(n));
                let near = near_spelling(
                    &ip.name,
                    lineage.iter().flat_map(|&a| {
                        let same_kind = ix.csdl.types[a].properties.iter().filter(|p| p.navigation == ip.navigation);
                        same_kind.map(|p| p.name.as_str())
                    }),
                    |n| !documented(n),
                );
                let hint = near
                    .map(|n| format!("; the metadata has `{n}`, a near spelling the docs lack: the same property misspelt on one side?"))
                    .unwrap_or_default();
                out.push(Finding {
                    category: Category::PropertyMissingInMetadata,
                    ty: qname.clone(),
                    property: Some(ip.name.clone()),
                    docs: Some(ip.loc.clone()),
                    metadata_line: Some(ct.line),
                    docs_value: Some(display_ir_type(&ip.ty, ip.collection)),
                    metadata_value: None,
                    message: format!(
                        "the documented {what} `{}` is not in the metadata type or its ancestors{hint}",
                        ip.name
                    ),
                });
                continue;
            };
            let inherited = if owner.name == ct.name && owner.namespace == ct.namespace {
                String::new()
            } else {
                format!(" (on `{}`)", owner.name)
            };
            if cp.name != ip.name {
                out.push(Finding {
                    category: Category::PropertyNameCaseDiffers,
                    ty: qname.clone(),
                    property: Some(cp.name.clone()),
                    docs: Some(ip.loc.clone()),
                    metadata_line: Some(cp.line),
                    docs_value: Some(ip.name.clone()),
                    metadata_value: Some(cp.name.clone()),
                    message: format!("documented as `{}`, the metadata spells it `{}`{inherited}", ip.name, cp.name),
                });
            }
            if cp.navigation != ip.navigation {
                let side = |n: bool| if n { "a relationship" } else { "a structural property" };
                out.push(Finding {
                    category: Category::NavigationMismatch,
                    ty: qname.clone(),
                    property: Some(cp.name.clone()),
                    docs: Some(ip.loc.clone()),
                    metadata_line: Some(cp.line),
                    docs_value: Some(display_ir_type(&ip.ty, ip.collection)),
                    metadata_value: Some(cp.display_type()),
                    message: format!(
                        "documented as {}, the metadata has {}{inherited}",
                        side(ip.navigation),
                        side(cp.navigation)
                    ),
                });
            }
        }
        note_other_namespace(&mut out[first_finding..], &it.namespace, &ct.namespace);
    }
}

/// Enums found, member recall, and member and flag differences.
fn compare_enums(ix: &Index, fig: &mut Figures, out: &mut Vec<Finding>) {
    let mut matched_ir = vec![false; ix.ir.enums.len()];
    for ce in &ix.csdl.enums {
        let qname = ce.qualified_name();
        let ei = ix
            .ir_enums
            .get(&ce.name.to_lowercase())
            .and_then(|c| pick(c, &ce.namespace, |i| ix.ir.enums[i].namespace.clone()));
        let Some(ei) = ei else {
            fig.enums_found.add(false);
            let type_hint = if ix.ir_types.contains_key(&ce.name.to_lowercase()) {
                "; the docs have a type of that name"
            } else {
                ""
            };
            let pages = ix.pages_named(&ce.name);
            let message = match pages.first() {
                Some(p) => format!("no docs enum `{}`, though the page `{p}` is named after it{type_hint}", ce.name),
                None => format!("no docs page declares the enum `{}`{type_hint}", ce.name),
            };
            out.push(Finding {
                category: Category::EnumOnlyInMetadata,
                ty: qname,
                property: None,
                docs: pages.first().map(|p| page_loc(p)),
                metadata_line: Some(ce.line),
                docs_value: None,
                metadata_value: Some(ce.members.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")),
                message,
            });
            continue;
        };
        fig.enums_found.add(true);
        matched_ir[ei] = true;
        let ie = &ix.ir.enums[ei];
        for cm in &ce.members {
            let found = ie.members.iter().find(|m| m.name.eq_ignore_ascii_case(&cm.name));
            fig.enum_member_recall.add(found.is_some());
            match found {
                None => out.push(Finding {
                    category: Category::EnumMemberMissingInDocs,
                    ty: qname.clone(),
                    property: None,
                    docs: Some(ie.loc.clone()),
                    metadata_line: Some(cm.line),
                    docs_value: None,
                    metadata_value: Some(cm.name.clone()),
                    message: format!("the metadata's member `{}` is not listed in the docs", cm.name),
                }),
                Some(im) if im.name != cm.name => out.push(Finding {
                    category: Category::EnumMemberCaseDiffers,
                    ty: qname.clone(),
                    property: None,
                    docs: Some(im.loc.clone()),
                    metadata_line: Some(cm.line),
                    docs_value: Some(im.name.clone()),
                    metadata_value: Some(cm.name.clone()),
                    message: format!("documented as `{}`, the metadata spells it `{}`", im.name, cm.name),
                }),
                Some(_) => {}
            }
        }
        for im in &ie.members {
            if !ce.members.iter().any(|m| m.name.eq_ignore_ascii_case(&im.name)) {
                out.push(Finding {
                    category: Category::EnumMemberMissingInMetadata,
                    ty: qname.clone(),
                    property: None,
                    docs: Some(im.loc.clone()),
                    metadata_line: Some(ce.line),
                    docs_value: Some(im.name.clone()),
                    metadata_value: None,
                    message: format!("the documented member `{}` is not in the metadata enum", im.name),
                });
            }
        }
        if ie.flags != ce.flags {
            let side = |f: bool| if f { "a flags enum" } else { "a plain enum" };
            out.push(Finding {
                category: Category::EnumFlagsMismatch,
                ty: qname.clone(),
                property: None,
                docs: Some(ie.loc.clone()),
                metadata_line: Some(ce.line),
                docs_value: Some(ie.flags.to_string()),
                metadata_value: Some(ce.flags.to_string()),
                message: format!("documented as {}, the metadata has {}", side(ie.flags), side(ce.flags)),
            });
        }
    }
    for (ie, _) in ix.ir.enums.iter().zip(&matched_ir).filter(|(_, m)| !**m) {
        // An IR enum that some CSDL enum of its name was paired with elsewhere is not "only in
        // the docs"; the name lookup decides, not the pairing.
        if ix.csdl_enums.contains_key(&ie.name.to_lowercase()) {
            continue;
        }
        let type_hint = if ix.csdl_types.contains_key(&ie.name.to_lowercase()) {
            "; the metadata has a type of that name"
        } else {
            ""
        };
        let inferred = if ie.inferred { " (inferred from \"Possible values\" phrases)" } else { "" };
        out.push(Finding {
            category: Category::EnumOnlyInDocs,
            ty: qualify(&ie.namespace, &ie.name),
            property: None,
            docs: Some(ie.loc.clone()),
            metadata_line: None,
            docs_value: Some(ie.members.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")),
            metadata_value: None,
            message: format!("the metadata has no enum `{}`{inferred}{type_hint}", ie.name),
        });
    }
}

fn kind_word(k: TypeKind) -> &'static str {
    match k {
        TypeKind::Entity => "entity",
        TypeKind::Complex => "complex",
    }
}

fn display_ir_type(ty: &str, collection: bool) -> String {
    if collection { format!("Collection({ty})") } else { ty.to_string() }
}

#[cfg(test)]
mod tests {
    use super::near_spelling;

    #[test]
    fn near_spellings_of_a_property_name() {
        let near = |name, candidates: &[&'static str]| near_spelling(name, candidates.iter().copied(), |_| true);
        assert_eq!(
            near("oauth2RequirePostResponse", &["oauth2RequiredPostResponse", "id"]),
            Some("oauth2RequiredPostResponse")
        );
        assert_eq!(near("isAzureAdJoined", &["isAzureAadJoined"]), Some("isAzureAadJoined"));
        // A plural on one side is one edit, however it is spelt.
        assert_eq!(
            near("appliedConditionalAccessPolicies", &["appliedConditionalAccessPolicy"]),
            Some("appliedConditionalAccessPolicy")
        );
        // Short names allow one edit only, and a case difference is not a near spelling.
        assert_eq!(near("model", &["mode", "modal"]), Some("modal"));
        assert_eq!(near("size", &["sizes2"]), None);
        assert_eq!(near("webUrl", &["WebURL"]), None);
        // Ties go to the alphabetically first candidate.
        assert_eq!(near("colour", &["colours", "color"]), Some("color"));
        // Candidates the caller rules out (matched elsewhere) are skipped.
        assert_eq!(near_spelling("color", ["colour"].into_iter(), |_| false), None);
    }
}
