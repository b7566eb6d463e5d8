//! Data-driven tests of parse → lower → validate: each case is a folder of pages with the IR and
//! the diagnostics it must give. Run with `UPDATE_EXPECT=1` to rewrite the expectations after an
//! intended change, then review the diff.
//!
//! Cases live in `tests/data/pages/<case>/docs/`; the cases built from the shared corpus read
//! `../shared` by path (its pages are never copied into this repository).

use docgen::Source;
use docgen::diagnostics::Severity;
use expect_test::expect_file;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn shared() -> PathBuf {
    let p = root().parent().unwrap().join("shared");
    assert!(p.is_dir(), "the shared corpus is expected at {}", p.display());
    p
}

/// Runs the front half of the pipeline and compares the IR and the diagnostics with the files
/// `data/pages/<case>/ir.json` and `data/pages/<case>/diagnostics.txt`.
fn check(case: &str, sources: &[Source]) {
    let out = docgen::generate(sources).expect("the generator must not fail on any docs");
    let ir = serde_json::to_string_pretty(&out.ir).unwrap() + "\n";
    let mut diags = String::new();
    for d in &out.diagnostics {
        diags.push_str(&format!("{}:{}:{}: {} {}: {}\n", d.file, d.line, d.column, d.severity, d.code, d.message));
    }
    expect_file![format!("data/pages/{case}/ir.json")].assert_eq(&ir);
    expect_file![format!("data/pages/{case}/diagnostics.txt")].assert_eq(&diags);
}

fn case_sources(case: &str) -> Vec<Source> {
    docgen::read_docs(&root().join("generator/tests/data/pages").join(case).join("docs")).unwrap()
}

fn from_shared(files: &[(&str, &str)]) -> Vec<Source> {
    files.iter().map(|(from, to)| Source::new(*to, std::fs::read_to_string(shared().join(from)).unwrap())).collect()
}

/// The default docs of this repository.
#[test]
fn default_docs() {
    let sources = docgen::read_docs(&root().join("docs")).unwrap();
    check("default-docs", &sources);
}

/// The seed page with the doc-stub resources around it and the real entity page: the folder the
/// end-to-end issue names.
#[test]
fn seed() {
    let s = from_shared(&[
        ("seeds/000_d0de68f014d3ec12.txt", "api/cancelmediaprocessingoperation-update.md"),
        (
            "corpus/comms-family/doc-stubs/resources/cancelmediaprocessingoperation.md",
            "resources/cancelmediaprocessingoperation.md",
        ),
        ("corpus/comms-family/doc-stubs/resources/commsoperation.md", "resources/commsoperation.md"),
        ("corpus/comms-family/doc-stubs/resources/resultinfo.md", "resources/resultinfo.md"),
        ("corpus/graph-v1.0/resources/entity.md", "resources/entity.md"),
    ]);
    check("seed", &s);
}

/// Every synthetic case folder under data/pages that has a `docs/` folder.
#[test]
fn synthetic_cases() {
    let dir = root().join("generator/tests/data/pages");
    let mut cases: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("docs").is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    for case in cases {
        check(&case, &case_sources(&case));
    }
}

/// Every page of the comms family: no panic, and every diagnostic is placed.
#[test]
fn comms_family_is_read_without_panics_and_every_diagnostic_is_placed() {
    let base = shared().join("corpus/comms-family");
    let sources = docgen::read_docs(&base).unwrap();
    assert!(sources.len() >= 30, "{} pages", sources.len());
    let out = docgen::generate(&sources).unwrap();
    for d in &out.diagnostics {
        assert!(!d.file.is_empty() && d.line >= 1 && d.column >= 1, "unplaced: {d:?}");
        let text = &sources.iter().find(|s| s.path == d.file).unwrap().text;
        assert!(d.line as usize <= text.lines().count() + 1, "line out of range: {d:?}");
    }
    assert!(out.diagnostics.iter().any(|d| d.severity == Severity::Error));
}

/// The result does not depend on the order in which pages are given.
#[test]
fn output_is_independent_of_page_order() {
    let mut sources = docgen::read_docs(&shared().join("corpus/comms-family")).unwrap();
    let a = docgen::generate(&sources).unwrap();
    sources.reverse();
    let b = docgen::generate(&sources).unwrap();
    assert_eq!(serde_json::to_string(&a.ir).unwrap(), serde_json::to_string(&b.ir).unwrap());
    assert_eq!(a.diagnostics, b.diagnostics);
    assert_eq!(a.files, b.files);
}

/// `generate` makes the emit plan while validation runs and writes validation's findings into
/// the IR only afterwards; its IR, diagnostics and files are those of `analyse` then `emit`,
/// on the whole Graph v1.0 reference.
#[test]
fn generate_gives_what_analyse_then_emit_gives() {
    let sources = docgen::read_docs(&shared().join("corpus/graph-v1.0")).unwrap();
    let together = docgen::generate(&sources).unwrap();
    let analysis = docgen::analyse(&sources);
    let files = docgen::emit::emit(&analysis.ir).unwrap();
    assert!(together.files == files, "generate and analyse + emit give different files");
    assert_eq!(together.diagnostics, analysis.diagnostics);
    assert_eq!(serde_json::to_string(&together.ir).unwrap(), serde_json::to_string(&analysis.ir).unwrap());
}

/// The whole Graph v1.0 reference gives byte-identical output when its pages are read in
/// another order.
#[test]
fn corpus_output_is_independent_of_page_order() {
    let mut sources = docgen::read_docs(&shared().join("corpus/graph-v1.0")).unwrap();
    assert_eq!(sources.len(), 3341);
    let a = docgen::generate(&sources).unwrap();
    sources.reverse();
    sources.rotate_left(1000);
    let b = docgen::generate(&sources).unwrap();
    assert!(a.files == b.files, "generated files differ with page order");
    assert_eq!(a.diagnostics, b.diagnostics);
    assert_eq!(serde_json::to_string(&a.ir).unwrap(), serde_json::to_string(&b.ir).unwrap());
}

/// Parts of the Graph v1.0 reference, as a corpus this project has not seen might be: the
/// operation pages alone, so that no type they name is defined, and the resource pages alone.
/// Every struct of the emitted crate gives each wire name to one field only: two serde renames
/// of one name make an unreachable match arm, and the crate would not build with warnings
/// denied (CI builds the first of these crates; this finds the fault without a build).
#[test]
fn corpus_parts_give_each_wire_name_to_one_field() {
    let sources = docgen::read_docs(&shared().join("corpus/graph-v1.0")).unwrap();
    for part in ["api/", "resources/"] {
        let subset: Vec<Source> = sources.iter().filter(|s| s.path.starts_with(part)).cloned().collect();
        assert!(!subset.is_empty(), "no pages under {part}");
        let out = docgen::generate(&subset).unwrap();
        let mut structs = 0;
        for f in out.files.iter().filter(|f| f.path.ends_with(".rs")) {
            let mut item: Option<(usize, Vec<&str>)> = None;
            for (n, line) in f.contents.lines().enumerate() {
                if line.starts_with("pub struct ") {
                    structs += 1;
                    item = Some((n + 1, Vec::new()));
                } else if !line.starts_with(' ') && !line.starts_with('#') && !line.starts_with("///") {
                    item = None;
                }
                let Some((start, wires)) = item.as_mut() else { continue };
                let Some(at) = line.find("rename = \"") else { continue };
                let wire = line[at + 10..].split('"').next().unwrap_or_default();
                assert!(
                    !wires.contains(&wire),
                    "{part} alone: the struct at {}:{start} renames two fields to `{wire}`",
                    f.path
                );
                wires.push(wire);
            }
        }
        assert!(structs > 100, "{part} alone gave only {structs} structs");
    }
}

/// Pages saved on Windows (a byte-order mark, CRLF line ends) give the same IR, the same
/// diagnostics at the same lines and columns, and the same files as the originals: checked on
/// the whole Graph v1.0 reference, rewritten that way in memory.
#[test]
fn corpus_with_crlf_and_byte_order_marks_reads_like_the_original() {
    let sources = docgen::read_docs(&shared().join("corpus/graph-v1.0")).unwrap();
    let windows: Vec<docgen::Source> = sources
        .iter()
        .map(|s| docgen::Source::new(s.path.clone(), format!("\u{feff}{}", s.text.replace('\n', "\r\n"))))
        .collect();
    let (a, b) = (docgen::generate(&sources).unwrap(), docgen::generate(&windows).unwrap());
    assert!(a.files == b.files, "generated files differ with CRLF line ends");
    let placed = |o: &docgen::Output| {
        o.diagnostics.iter().map(|d| (d.file.clone(), d.line, d.column, d.code.clone())).collect::<Vec<_>>()
    };
    assert_eq!(placed(&a), placed(&b));
    assert_eq!(serde_json::to_string(&a.ir).unwrap(), serde_json::to_string(&b.ir).unwrap());
}

/// The whole Graph v1.0 reference damaged the ways real edits damage pages (cut off anywhere,
/// lines lost, stray fences, comments, pipes and annotations, a page shouted in upper case,
/// runs of wide characters, pages saved twice under other names): the generator still never panics or fails, every
/// diagnostic points inside its page, and the crate it emits is valid Rust (every file went
/// through `syn`). The damage is pseudo-random with a fixed seed, so a failure reproduces.
#[test]
fn damaged_corpus_never_panics_and_still_emits_a_crate() {
    let sources = docgen::read_docs(&shared().join("corpus/graph-v1.0")).unwrap();
    // A fixed xorshift generator: the test needs reproducible damage, not good randomness.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n.max(1) as u64) as usize
    };
    const STRAY: &[&str] = &[
        "|",
        "| a | b |",
        "```",
        "<!--",
        "-->",
        r#"<!-- { "blockType": "request", "name": } -->"#,
        r#"<!-- { "blockType": "response", "@odata.type": "microsoft.graph." } -->"#,
        "---",
        "# ",
        "|---|---|\t",
        "{",
        r##""@odata.type": "#microsoft.graph."##,
    ];
    let mut damaged = Vec::new();
    for s in &sources {
        let mut text = s.text.clone();
        match next(20) {
            0 => {
                let mut cut = next(text.len() + 1);
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
            }
            1 => {
                let mut lines: Vec<&str> = text.lines().collect();
                for _ in 0..1 + next(5) {
                    if !lines.is_empty() {
                        lines.remove(next(lines.len()));
                    }
                }
                text = lines.join("\n");
            }
            2 | 3 => {
                let mut lines: Vec<&str> = text.lines().collect();
                lines.insert(next(lines.len() + 1), STRAY[next(STRAY.len())]);
                text = lines.join("\n");
            }
            4 => text = text.to_uppercase(),
            5 => text = text.replace("```", "~~~"),
            6 => text.clear(),
            // Wide characters where byte positions are computed (an annotation's JSON error,
            // a table cell): positions must stay on character boundaries.
            7 | 8 => {
                let mut at = next(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text.insert_str(at, &"\u{1F600}\u{e9}\u{a0}".repeat(1 + next(8)));
            }
            _ => {}
        }
        if next(50) == 0 {
            damaged.push(docgen::Source::new(s.path.replace(".md", "-copy.md"), text.clone()));
        }
        damaged.push(docgen::Source::new(s.path.clone(), text));
    }
    let out = docgen::generate(&damaged).expect("damaged docs are diagnosed, never a generator failure");
    assert!(out.ir.types.len() > 800 && out.ir.operations.len() > 1800, "most of the reference still reads");
    assert!(out.files.iter().any(|f| f.path == "src/lib.rs"));
    for d in &out.diagnostics {
        let text = &damaged.iter().find(|s| s.path == d.file).expect("a diagnostic names a page").text;
        assert!(d.line >= 1 && d.column >= 1, "unplaced: {d:?}");
        assert!(d.line as usize <= text.lines().count() + 1, "line out of range: {d:?}");
        // Renderers slice the page at the span: it must hold whole characters.
        assert!(
            d.span.start <= d.span.end && text.get(d.span.start..d.span.end).is_some(),
            "span off character boundaries: {d:?}"
        );
    }
}

/// Entity or complex, from how the pages use each type (keyed reads, relationships, property
/// types, annotations), and inheritance cycles.
#[test]
fn type_kinds() {
    check("type-kinds", &case_sources("type-kinds"));
}

/// Conventions of newer pages: permissions tables in include files, flags enums described only
/// in words or numbered with a zero `none`, and examples of derived types no page documents.
#[test]
fn newer_conventions() {
    check("newer-conventions", &case_sources("newer-conventions"));
}

/// A page that cannot be read (here, a link that leads nowhere) has one diagnostic, which says
/// why, and declares nothing; the other pages are unaffected.
#[test]
fn an_unreadable_page_says_why_and_nothing_else() {
    let mut sources = case_sources("encodings");
    let gone = std::io::Error::from(std::io::ErrorKind::NotFound);
    sources.push(Source::unreadable("api/gone-get.md", &gone));
    let out = docgen::generate(&sources).expect("the generator must not fail on any docs");
    let on_page: Vec<(&str, &str)> = out
        .diagnostics
        .iter()
        .filter(|d| d.file == "api/gone-get.md")
        .map(|d| (d.code.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(on_page, [("page-unreadable", "cannot read the page: entity not found")]);
    let (line, column) =
        out.diagnostics.iter().find(|d| d.file == "api/gone-get.md").map(|d| (d.line, d.column)).unwrap();
    assert_eq!((line, column), (1, 1));
    assert_eq!(out.ir.types.len(), 2, "the readable pages still count");
}
