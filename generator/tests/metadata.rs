//! Tests of `docgen::metadata`: CSDL parsing, the comparison on a small hand-made pair (every
//! finding category and every figure, computed by hand), and one run on the real metadata and
//! the graph-v1.0 corpus that only checks it runs.
//!
//! The IR side is built by hand rather than from pages so that these tests pin the comparison,
//! not the parser, which changes on its own schedule. Run with `UPDATE_EXPECT=1` to rewrite
//! `data/metadata/findings.txt` after an intended change, then review the diff.

use docgen::ir::Ir;
use docgen::metadata::{Category, Comparison, Csdl, Ratio, compare, parse_csdl};
use expect_test::expect_file;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn fixture_csdl() -> Csdl {
    let xml = std::fs::read_to_string(root().join("generator/tests/data/metadata/metadata.xml")).unwrap();
    parse_csdl(&xml).unwrap()
}

fn loc(file: &str, line: u32) -> Value {
    json!({ "file": file, "line": line, "column": 1 })
}

fn prop(name: &str, ty: &str, collection: bool, navigation: bool, file: &str, line: u32) -> Value {
    json!({
        "name": name, "type": ty, "collection": collection, "navigation": navigation,
        "nullable": null, "read_only": false, "description": "", "loc": loc(file, line),
    })
}

fn ty(name: &str, namespace: &str, base: Option<&str>, file: &str, props: &[(&str, &str, bool, bool)]) -> Value {
    let properties: Vec<Value> =
        props.iter().enumerate().map(|(i, (n, t, c, nav))| prop(n, t, *c, *nav, file, 20 + i as u32)).collect();
    json!({
        "name": name, "namespace": namespace, "kind": "entity", "base": base, "abstract": false,
        "open": false, "description": "", "properties": properties, "loc": loc(file, 10),
    })
}

fn enm(name: &str, flags: bool, inferred: bool, file: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members
        .iter()
        .enumerate()
        .map(|(i, m)| json!({ "name": m, "value": null, "description": "", "loc": loc(file, 30 + i as u32) }))
        .collect();
    json!({
        "name": name, "namespace": "microsoft.graph", "evolvable": false, "flags": flags,
        "inferred": inferred, "description": "", "members": members, "loc": loc(file, 5),
    })
}

/// The docs side matching `data/metadata/metadata.xml`, with one disagreement of each kind.
fn fixture_ir() -> Ir {
    const G: &str = "microsoft.graph";
    let types = vec![
        ty("entity", G, None, "resources/entity.md", &[("id", "String", false, false)]),
        ty(
            "widget",
            G,
            Some("entity"),
            "resources/widget.md",
            &[
                // Declared here, inherited in the metadata: present for precision.
                ("id", "String", false, false),
                ("displayName", "String", false, false),
                ("size", "Int64", false, false),
                ("tags", "String", false, false),
                ("status", "String", false, false),
                ("WebURL", "String", false, false),
                ("access", "permissions", false, false),
                ("owner", "entity", false, false),
                ("legacyCode", "String", false, false),
                ("history", "widget", true, true),
                // The metadata's `color`, misspelt: both sides' findings name the other.
                ("colour", "String", false, false),
            ],
        ),
        ty(
            "endpoint",
            G,
            Some("microsoft.graph.entity"),
            "resources/endpoint.md",
            &[("graphOnly", "String", false, false)],
        ),
        ty(
            "endpoint",
            "microsoft.graph.callRecords",
            None,
            "resources/callrecords-endpoint.md",
            &[("userAgent", "microsoft.graph.callRecords.userAgent", false, false), ("owner", "widget", false, false)],
        ),
        ty("figure", G, None, "resources/figure.md", &[("area", "Double", false, false)]),
        ty("shape", G, Some("thing"), "resources/shape.md", &[("sides", "Int32", false, false)]),
        ty(
            "circle",
            G,
            None,
            "resources/circle.md",
            &[("radius", "Double", false, false), ("area", "Double", false, false)],
        ),
        ty("odd", G, None, "resources/odd.md", &[]),
        ty("docsOnlyType", G, None, "resources/docsonlytype.md", &[]),
    ];
    // `ty` makes entities; the metadata's complex types are complex here too, except `odd`,
    // the kind-mismatch finding.
    let types: Vec<Value> = types
        .into_iter()
        .map(|mut t| {
            let complex = ["figure", "shape", "circle"].contains(&t["name"].as_str().unwrap_or(""))
                || t["namespace"] == "microsoft.graph.callRecords";
            if complex {
                t["kind"] = json!("complex");
            }
            t
        })
        .collect();
    let enums = vec![
        enm("widgetStatus", false, false, "resources/enums.md", &["active", "Retired", "legacy"]),
        enm("permissions", false, false, "resources/enums.md", &["read", "write"]),
        enm("docsOnlyEnum", false, true, "resources/widget.md", &["a", "b"]),
    ];
    let pages = vec![
        json!({ "file": "resources/metadataonlytype.md", "doc_type": "resourcePageType", "title": "metadataOnlyType resource type" }),
        json!({ "file": "resources/widget.md", "doc_type": "resourcePageType", "title": "widget resource type" }),
    ];
    serde_json::from_value(json!({ "pages": pages, "types": types, "enums": enums, "operations": [], "examples": [] }))
        .unwrap()
}

fn render(cmp: &Comparison) -> String {
    let mut s = String::new();
    for f in &cmp.findings {
        let docs = f.docs.as_ref().map(|l| format!("{}:{}:{}", l.file, l.line, l.column)).unwrap_or_else(|| "-".into());
        let meta = f.metadata_line.map(|l| format!("xml:{l}")).unwrap_or_else(|| "-".into());
        let prop = f.property.as_deref().map(|p| format!(".{p}")).unwrap_or_default();
        let docs_value = f.docs_value.as_deref().unwrap_or("-");
        let metadata_value = f.metadata_value.as_deref().unwrap_or("-");
        s.push_str(&format!(
            "{} {}{prop} [{docs}] [{meta}] docs={docs_value} metadata={metadata_value}: {}\n",
            f.category, f.ty, f.message
        ));
    }
    s.push('\n');
    for (label, r) in cmp.figures.labelled() {
        s.push_str(&format!("{label}: {r}\n"));
    }
    s
}

#[test]
fn parses_csdl_with_aliases_collections_and_lines() {
    let csdl = fixture_csdl();
    let names: Vec<String> = csdl.types.iter().map(|t| t.qualified_name()).collect();
    assert_eq!(
        names,
        [
            "microsoft.graph.entity",
            "microsoft.graph.widget",
            "microsoft.graph.endpoint",
            "microsoft.graph.figure",
            "microsoft.graph.shape",
            "microsoft.graph.circle",
            "microsoft.graph.metadataOnlyType",
            "microsoft.graph.odd",
            "microsoft.graph.callRecords.endpoint",
        ]
    );
    let entity = &csdl.types[0];
    assert!(entity.is_abstract);
    assert_eq!(entity.properties[0].nullable, Some(false));
    let widget = &csdl.types[1];
    assert!(widget.open);
    assert_eq!(widget.base.as_deref(), Some("microsoft.graph.entity"), "the alias `graph` is resolved");
    assert_eq!(widget.line, 24);
    let tags = widget.properties.iter().find(|p| p.name == "tags").unwrap();
    assert_eq!((tags.ty.as_str(), tags.collection, tags.navigation), ("Edm.String", true, false));
    let parts = widget.properties.iter().find(|p| p.name == "parts").unwrap();
    assert_eq!((parts.ty.as_str(), parts.collection, parts.navigation), ("microsoft.graph.part", true, true));
    assert_eq!(parts.display_type(), "Collection(microsoft.graph.part)");
    assert!(csdl.types[7].properties.is_empty(), "properties without a name are skipped");
    let cr = &csdl.types[8];
    assert_eq!(cr.properties[1].ty, "microsoft.graph.widget", "another schema's alias is resolved");

    let enums: Vec<(&str, bool, usize)> =
        csdl.enums.iter().map(|e| (e.name.as_str(), e.flags, e.members.len())).collect();
    assert_eq!(enums, [("widgetStatus", false, 3), ("permissions", true, 2), ("metadataOnlyEnum", false, 1)]);
    assert_eq!(csdl.enums[0].members[1].value, Some(1));
    assert_eq!(csdl.enums[0].members[1].line, 8);
}

#[test]
fn odd_csdl_is_an_error_or_skipped_never_a_panic() {
    assert!(parse_csdl("").is_err());
    assert!(parse_csdl("<Edmx><Schema").is_err());
    assert!(parse_csdl("<notCsdl/>").unwrap_err().contains("no <Schema>"));
    assert!(parse_csdl("<!DOCTYPE x [<!ENTITY a \"b\">]><Schema/>").is_err(), "DTDs are refused");
    let csdl = parse_csdl(
        r#"<Schema Namespace="n"><EntityType Name="t" BaseType=""><Property Name="p"/><NavigationProperty Name="q" Type="Collection("/></EntityType>
           <EnumType Name="e"><Member Name="m" Value="not a number"/><Member/></EnumType><EnumType/></Schema>"#,
    )
    .unwrap();
    assert_eq!(csdl.types.len(), 1);
    assert_eq!(csdl.types[0].base, None);
    assert_eq!(csdl.types[0].properties.len(), 2);
    assert_eq!(csdl.enums[0].members.len(), 1);
    assert_eq!(csdl.enums[0].members[0].value, None);
    // A comparison of odd inputs must not panic either: a type that is its own base.
    let cyclic =
        parse_csdl(r#"<Schema Namespace="n"><ComplexType Name="a" BaseType="n.b"/><ComplexType Name="b" BaseType="n.a"/></Schema>"#)
            .unwrap();
    let ir: Ir = serde_json::from_value(json!({
        "pages": [], "types": [ty("a", "n", Some("b"), "a.md", &[("x", "", false, false)]), ty("b", "n", Some("a"), "b.md", &[])],
        "enums": [], "operations": [], "examples": [],
    }))
    .unwrap();
    let cmp = compare(&ir, &cyclic);
    assert_eq!(cmp.figures.property_precision, Ratio { count: 0, total: 1 });
    assert_eq!(compare(&Ir::default(), &Csdl::default()).figures.types_found.percent(), None);
}

#[test]
fn every_category_and_figure_on_the_fixture() {
    let cmp = compare(&fixture_ir(), &fixture_csdl());
    let f = &cmp.figures;
    assert_eq!(f.types_found, Ratio { count: 8, total: 9 });
    assert_eq!(f.property_recall, Ratio { count: 13, total: 14 });
    assert_eq!(f.property_precision, Ratio { count: 16, total: 18 });
    assert_eq!(f.property_types_agreeing, Ratio { count: 11, total: 13 });
    assert_eq!(f.collection_flags_agreeing, Ratio { count: 12, total: 13 });
    assert_eq!(f.base_types_agreeing, Ratio { count: 2, total: 3 });
    assert_eq!(f.kinds_agreeing, Ratio { count: 7, total: 8 });
    assert_eq!(f.enums_found, Ratio { count: 2, total: 3 });
    assert_eq!(f.enum_member_recall, Ratio { count: 4, total: 5 });
    assert_eq!(f.types_found.to_string(), "88.89% (8/9)");

    for (cat, n) in cmp.counts() {
        let expected = if cat == Category::PropertyMissingInMetadata { 3 } else { 1 };
        assert_eq!(n, expected, "findings of {cat}");
    }
    let find = |cat: Category| cmp.findings.iter().find(|f| f.category == cat).unwrap();
    let status = find(Category::StringVsEnum);
    assert_eq!(status.property.as_deref(), Some("status"));
    assert_eq!(status.metadata_value.as_deref(), Some("microsoft.graph.widgetStatus"));
    assert_eq!(status.docs.as_ref().map(|l| (l.file.as_str(), l.line)), Some(("resources/widget.md", 24)));
    let only = find(Category::TypeOnlyInMetadata);
    assert_eq!(
        only.docs.as_ref().map(|l| l.file.as_str()),
        Some("resources/metadataonlytype.md"),
        "the page named after it"
    );
    // A near spelling is named on both sides; a far one (`legacyCode`) is not.
    let message = |p: &str| cmp.findings.iter().find(|f| f.property.as_deref() == Some(p)).unwrap().message.clone();
    assert!(message("color").ends_with(
        "the docs have `colour`, a near spelling the metadata lacks: the same property misspelt on one side?"
    ));
    assert!(message("colour").contains("the metadata has `color`, a near spelling the docs lack"));
    assert!(!message("legacyCode").contains("near spelling"));
    // The two `endpoint` types pair by namespace, so neither reports the other's properties.
    assert!(cmp.findings.iter().all(|f| !f.ty.ends_with("endpoint")));

    expect_file!["data/metadata/findings.txt"].assert_eq(&render(&cmp));
}

/// Without a docs type in its own namespace, a metadata type pairs with one of the same name in
/// another namespace, and its findings say so.
#[test]
fn pairs_across_namespaces_only_as_a_fallback() {
    let mut ir = fixture_ir();
    ir.types.retain(|t| !(t.name == "endpoint" && t.namespace == "microsoft.graph"));
    let cmp = compare(&ir, &fixture_csdl());
    let f = cmp.findings.iter().find(|f| f.ty == "microsoft.graph.endpoint").unwrap();
    assert_eq!(f.category, Category::PropertyMissingInDocs);
    assert_eq!(f.property.as_deref(), Some("graphOnly"));
    assert!(
        f.message
            .ends_with("(the docs type is in `microsoft.graph.callRecords`, the metadata type in `microsoft.graph`)"),
        "{}",
        f.message
    );
    assert_eq!(cmp.figures.types_found.count, 8, "found by name whatever the namespace");
}

#[test]
fn output_does_not_depend_on_input_order() {
    let csdl = fixture_csdl();
    let ir = fixture_ir();
    let mut reversed = ir.clone();
    reversed.types.reverse();
    reversed.enums.reverse();
    for t in &mut reversed.types {
        t.properties.reverse();
    }
    let a = compare(&ir, &csdl);
    assert_eq!(a, compare(&reversed, &csdl));
    assert_eq!(a, compare(&ir, &csdl));
}

#[test]
fn json_shape() {
    let cmp = compare(&fixture_ir(), &fixture_csdl());
    let v = serde_json::to_value(&cmp).unwrap();
    assert_eq!(v["figures"]["types_found"], json!({ "count": 8, "total": 9, "percent": 88.89 }));
    let first = &v["findings"][0];
    assert_eq!(first["category"], "type-only-in-docs");
    assert_eq!(first["type"], "microsoft.graph.docsOnlyType");
    assert_eq!(first["docs"], json!({ "file": "resources/docsonlytype.md", "line": 10, "column": 1 }));
    assert!(first.get("property").is_none(), "absent values are left out");
    let back: Comparison = serde_json::from_value(v).unwrap();
    assert_eq!(back, cmp);
}

/// The real metadata against the real corpus through the whole pipeline. No thresholds: the IR
/// is still improving; this only shows the comparison runs and prints its figures
/// (`cargo test --test metadata -- --nocapture` shows them).
#[test]
fn real_metadata_against_graph_v1_0() {
    let shared = root().parent().unwrap().join("shared");
    let xml = std::fs::read_to_string(shared.join("corpus/metadata/cleanMetadataWithDescriptionsv1.0.xml")).unwrap();
    let t = std::time::Instant::now();
    let csdl = parse_csdl(&xml).unwrap();
    let parse_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!((csdl.types.len(), csdl.enums.len()), (1022, 322), "the file's entity+complex and enum types");

    let sources = docgen::read_docs(&shared.join("corpus/graph-v1.0")).unwrap();
    let out = docgen::generate(&sources).expect("the generator must not fail on any docs");
    let cmp = compare(&out.ir, &csdl);
    assert_eq!(cmp.figures.types_found.total, csdl.types.len());
    assert_eq!(cmp.figures.enums_found.total, csdl.enums.len());
    println!("CSDL parsed in {parse_ms:.0} ms (unoptimised build)");
    for (cat, n) in cmp.counts() {
        println!("{n:>6} {cat}");
    }
    for (label, r) in cmp.figures.labelled() {
        println!("{label}: {r}");
    }
}
