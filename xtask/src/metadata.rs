//! `cargo xtask check-metadata`: compares the documented API with the service's CSDL metadata and
//! reports where they disagree, as a grouped summary for people or as one JSON object.
//!
//! It is a report, not a gate: the exit status is 0 whatever the findings, and 2 only when the
//! docs or the metadata cannot be read.

use crate::args::Args;
use docgen::metadata::{self, Category, Comparison, Finding};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Findings shown per category in the human format unless `--limit` says otherwise.
const DEFAULT_LIMIT: usize = 20;

/// Where the metadata is expected when `--csdl` is not given: the shared corpus beside the
/// repository.
pub fn default_csdl(root: &Path) -> PathBuf {
    let shared = root.parent().map(Path::to_path_buf).unwrap_or_else(|| root.join(".."));
    shared.join("shared/corpus/metadata/cleanMetadataWithDescriptionsv1.0.xml")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Human,
    Json,
}

pub fn run(args: &Args) -> Result<u8, String> {
    let root = crate::project_root();
    let docs = args.path("docs").unwrap_or_else(|| root.join("docs"));
    let csdl_path = args.path("csdl").unwrap_or_else(|| default_csdl(&root));
    let format = match args.value("format").unwrap_or("human") {
        "human" => Format::Human,
        "json" => Format::Json,
        other => return Err(format!("unknown format `{other}` (expected `human` or `json`)")),
    };
    // The human report is capped by default so that it stays readable; JSON is for tools and
    // carries everything unless a limit is asked for. 0 means no limit.
    let limit = match args.value("limit") {
        Some(v) => match v.parse::<usize>() {
            Ok(0) => None,
            Ok(n) => Some(n),
            Err(_) => return Err(format!("`--limit` needs a number, not `{v}`")),
        },
        None if format == Format::Human => Some(DEFAULT_LIMIT),
        None => None,
    };

    let t0 = Instant::now();
    let xml = std::fs::read_to_string(&csdl_path)
        .map_err(|e| format!("cannot read the metadata {}: {e}", csdl_path.display()))?;
    let csdl = metadata::parse_csdl(&xml).map_err(|e| format!("{}: {e}", csdl_path.display()))?;
    let csdl_ms = t0.elapsed().as_secs_f64() * 1000.0;

    let t1 = Instant::now();
    let sources =
        docgen::read_docs(&docs).map_err(|e| format!("cannot read the docs folder {}: {e}", docs.display()))?;
    if sources.is_empty() {
        return Err(format!("no markdown pages found in {}", docs.display()));
    }
    // The front half of the pipeline is all the comparison needs: emission cannot change the IR.
    let ir = docgen::analyse(&sources).ir;
    let docs_ms = t1.elapsed().as_secs_f64() * 1000.0;

    let t2 = Instant::now();
    let cmp = metadata::compare(&ir, &csdl);
    let compare_ms = t2.elapsed().as_secs_f64() * 1000.0;

    let header = Header {
        docs: &docs,
        csdl: &csdl_path,
        pages: sources.len(),
        docs_types: ir.types.len(),
        docs_enums: ir.enums.len(),
        csdl_types: csdl.types.len(),
        csdl_enums: csdl.enums.len(),
    };
    match format {
        Format::Human => print!("{}", human(&header, &cmp, limit)),
        Format::Json => println!("{}", json(&header, &cmp, limit)),
    }
    eprintln!("metadata read in {csdl_ms:.0} ms, docs in {docs_ms:.0} ms, compared in {compare_ms:.0} ms");
    Ok(0)
}

/// What was compared, for the first line of the report.
struct Header<'a> {
    docs: &'a Path,
    csdl: &'a Path,
    pages: usize,
    docs_types: usize,
    docs_enums: usize,
    csdl_types: usize,
    csdl_enums: usize,
}

fn human(h: &Header, cmp: &Comparison, limit: Option<usize>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "check-metadata: {} ({} pages: {} types, {} enums) against {} ({} entity and complex types, {} enums)\n",
        h.docs.display(),
        h.pages,
        h.docs_types,
        h.docs_enums,
        h.csdl.display(),
        h.csdl_types,
        h.csdl_enums
    );
    let counts = cmp.counts();
    let _ = writeln!(s, "findings by category:");
    for (cat, n) in &counts {
        let _ = writeln!(s, "  {n:>6}  {:<32} {}", cat.as_str(), cat.description());
    }
    let _ = writeln!(s, "  {:>6}  total\n", cmp.findings.len());

    for (cat, n) in counts.iter().filter(|(_, n)| *n > 0) {
        let shown = limit.map_or(*n, |l| l.min(*n));
        let more =
            if shown < *n { format!(", first {shown}; --limit N shows more, --limit 0 all") } else { String::new() };
        let _ = writeln!(s, "{cat} ({n}{more}):");
        for f in cmp.findings.iter().filter(|f| f.category == *cat).take(shown) {
            let _ = writeln!(s, "  {}", finding_line(h, f));
        }
        s.push('\n');
    }

    let _ = writeln!(s, "agreement with the metadata:");
    for (label, ratio) in cmp.figures.labelled() {
        let _ = writeln!(s, "  {label}: {ratio}");
    }
    s
}

/// `docs/resources/user.md:12:3: microsoft.graph.user.aboutMe: message`, with the metadata line
/// instead when the docs side does not exist.
fn finding_line(h: &Header, f: &Finding) -> String {
    let place = match (&f.docs, f.metadata_line) {
        (Some(loc), _) => format!("{}:{}:{}", h.docs.join(&loc.file).display(), loc.line, loc.column),
        (None, Some(line)) => format!("{}:{line}", h.csdl.display()),
        (None, None) => String::from("?"),
    };
    let what = match &f.property {
        Some(p) => format!("{}.{p}", f.ty),
        None => f.ty.clone(),
    };
    format!("{place}: {what}: {}", f.message)
}

fn json(h: &Header, cmp: &Comparison, limit: Option<usize>) -> String {
    let counts: serde_json::Map<String, serde_json::Value> =
        cmp.counts().into_iter().map(|(c, n)| (c.as_str().to_string(), n.into())).collect();
    let mut summary = match serde_json::to_value(&cmp.figures) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    summary.insert("findings_by_category".into(), counts.into());
    summary.insert("findings".into(), cmp.findings.len().into());
    summary.insert("docs_pages".into(), h.pages.into());
    summary.insert("docs_types".into(), h.docs_types.into());
    summary.insert("docs_enums".into(), h.docs_enums.into());
    summary.insert("metadata_types".into(), h.csdl_types.into());
    summary.insert("metadata_enums".into(), h.csdl_enums.into());
    let findings: Vec<&Finding> = match limit {
        None => cmp.findings.iter().collect(),
        Some(l) => {
            Category::ALL.iter().flat_map(|c| cmp.findings.iter().filter(move |f| f.category == *c).take(l)).collect()
        }
    };
    let value = serde_json::json!({ "summary": summary, "findings": findings });
    serde_json::to_string_pretty(&value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Args {
        let v: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        Args::parse(&v, &[], &["docs", "csdl", "format", "limit"]).unwrap()
    }

    fn fixture_csdl() -> String {
        crate::project_root().join("generator/tests/data/metadata/metadata.xml").display().to_string()
    }

    #[test]
    fn cannot_run_is_an_error_and_findings_are_not() {
        let csdl = fixture_csdl();
        assert!(run(&args(&["--csdl", "/nonexistent/metadata.xml"])).unwrap_err().contains("cannot read the metadata"));
        assert!(
            run(&args(&["--csdl", &csdl, "--docs", "/nonexistent/docs"])).unwrap_err().contains("cannot read the docs")
        );
        assert!(run(&args(&["--csdl", &csdl, "--format", "xml"])).is_err());
        assert!(run(&args(&["--csdl", &csdl, "--limit", "many"])).is_err());
        let not_csdl = crate::project_root().join("Cargo.toml").display().to_string();
        assert!(run(&args(&["--csdl", &not_csdl])).is_err());
        assert_eq!(run(&args(&["--csdl", &csdl, "--format", "json"])), Ok(0));
    }

    #[test]
    fn human_report_is_grouped_capped_and_ends_with_the_figures() {
        let root = crate::project_root();
        let xml = std::fs::read_to_string(fixture_csdl()).unwrap();
        let csdl = metadata::parse_csdl(&xml).unwrap();
        let sources = docgen::read_docs(&root.join("docs")).unwrap();
        let ir = docgen::analyse(&sources).ir;
        let cmp = metadata::compare(&ir, &csdl);
        let h = Header {
            docs: Path::new("docs"),
            csdl: Path::new("m.xml"),
            pages: 1,
            docs_types: 2,
            docs_enums: 3,
            csdl_types: 4,
            csdl_enums: 5,
        };
        let text = human(&h, &cmp, Some(1));
        assert!(text.starts_with(
            "check-metadata: docs (1 pages: 2 types, 3 enums) against m.xml (4 entity and complex types, 5 enums)\n"
        ));
        assert!(text.contains("findings by category:\n"));
        let tail: Vec<&str> = text.lines().rev().take(9).collect();
        assert!(tail[0].starts_with("  enum member recall: "), "{text}");
        assert!(tail[8].starts_with("  types found: "), "{text}");
        // Each category section shows at most one finding under `--limit 1`.
        for block in text.split("\n\n").filter(|b| b.contains(" (") && b.contains("):\n")) {
            assert!(block.lines().count() <= 2, "{block}");
        }
        let v: serde_json::Value = serde_json::from_str(&json(&h, &cmp, None)).unwrap();
        assert_eq!(v["findings"].as_array().map(Vec::len), Some(cmp.findings.len()));
        assert_eq!(v["summary"]["types_found"]["total"], 9);
        assert!(v["summary"]["findings_by_category"]["string-vs-enum"].is_number());
    }
}
