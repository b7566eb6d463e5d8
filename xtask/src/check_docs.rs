//! `cargo xtask check-docs`: the doc writers' checker. Reports the defects of a docs folder and
//! fails when errors remain, in a form for people (rustc-style) or for tools (JSON, GitHub
//! workflow commands, SARIF).
//!
//! It runs only the front half of the pipeline (read, parse, lower, validate): emission is the slow
//! part and adds no diagnostic about the docs. Diagnostics then pass through the pages'
//! suppressions and an optional baseline (see `docgen::suppress`) before they are printed.
//!
//! Exit status: 0 when no error remains (no warning either under `--deny warnings`; notes never
//! fail), 1 otherwise, 2 when it cannot run. `--write-baseline` exits 0 once the file is written.

use crate::args::Args;
use crate::render;
use docgen::diagnostics::{Code, Diagnostic, Severity};
use docgen::suppress::{self, Baseline};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Component, Path};
use std::time::Instant;

/// How many codes the summary line names.
const TOP_CODES: usize = 5;

/// The key under which SARIF results carry their baseline fingerprint. Versioned, as SARIF
/// recommends, so that a change in how fingerprints are made can be told apart.
const FINGERPRINT_KEY: &str = "docgenSpanHash/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Human,
    Json,
    Github,
    Sarif,
}

pub fn run(args: &Args) -> Result<u8, String> {
    let root = crate::project_root();
    let docs = args.path("docs").unwrap_or_else(|| root.join("docs"));
    let format = match args.value("format").unwrap_or("human") {
        "human" => Format::Human,
        "json" => Format::Json,
        "github" => Format::Github,
        "sarif" => Format::Sarif,
        other => return Err(format!("unknown format `{other}` (expected human, json, github or sarif)")),
    };
    let deny_warnings = match args.value("deny") {
        None => false,
        Some("warnings") => true,
        Some(other) => return Err(format!("`--deny` takes `warnings`, not `{other}`")),
    };
    // The baseline is read before the docs so that a bad path fails fast.
    let baseline = match args.path("baseline") {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
            Some(Baseline::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        None => None,
    };

    let t0 = Instant::now();
    let sources =
        docgen::read_docs(&docs).map_err(|e| format!("cannot read the docs folder {}: {e}", docs.display()))?;
    if sources.is_empty() {
        return Err(format!("no markdown pages found in {}", docs.display()));
    }
    // The pages asked for, as paths of the docs folder; none means every page.
    let selection = select_pages(&docs, &args.operands, &sources)?;
    let selected = |file: &str| selection.as_ref().is_none_or(|s| s.contains(file));
    if selection.is_some() && args.path("write-baseline").is_some() {
        return Err("`--write-baseline` records the whole docs folder; give it no pages".into());
    }
    let docgen::Analysis { pages, diagnostics, .. } = docgen::analyse(&sources);
    let found = diagnostics.iter().filter(|d| selected(&d.file)).count();

    let (mut diagnostics, unused) = suppress::apply(&pages, diagnostics);
    diagnostics.retain(|d| selected(&d.file));
    let suppressed = found - diagnostics.len();
    diagnostics.extend(unused.into_iter().filter(|d| selected(&d.file)));
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let texts: HashMap<&str, &str> = sources.iter().map(|s| (s.path.as_str(), s.text.as_str())).collect();
    // A baseline's entries for pages not asked about are neither used nor stale.
    let baseline = baseline.map(|mut b| {
        b.entries.retain(|e| selected(&e.file));
        b
    });

    if let Some(path) = args.path("write-baseline") {
        let b = Baseline::from_diagnostics(&diagnostics, &texts);
        std::fs::write(&path, b.to_json()).map_err(|e| format!("cannot write the baseline {}: {e}", path.display()))?;
        eprintln!(
            "wrote {} baseline entries for {} pages to {} ({suppressed} diagnostic(s) suppressed in the pages)",
            b.entries.len(),
            sources.len(),
            render::display_path(&path)
        );
        return Ok(0);
    }
    let (diagnostics, baselined, stale) = match &baseline {
        Some(b) => {
            let before = diagnostics.len();
            let (kept, stale) = b.filter(diagnostics, &texts);
            let baselined = before - kept.len();
            (kept, baselined, stale)
        }
        None => (diagnostics, 0, 0),
    };
    let elapsed_ms = t0.elapsed().as_secs_f64() * 1000.0;

    match format {
        Format::Human => render::print_diagnostics(&diagnostics, &texts, &docs),
        Format::Json => write_stdout(&(to_json(&diagnostics) + "\n")),
        Format::Github => write_stdout(&to_github(&diagnostics, |f| report_path(&docs, f))),
        Format::Sarif => {
            let fingerprints: Vec<String> = diagnostics
                .iter()
                .map(|d| suppress::fingerprint(d, texts.get(d.file.as_str()).copied().unwrap_or("")))
                .collect();
            write_stdout(&(to_sarif(&diagnostics, &fingerprints, |f| report_path(&docs, f)) + "\n"));
        }
    }
    let counts = Counts::of(&diagnostics);
    let failed = counts.errors > 0 || (deny_warnings && counts.warnings > 0);
    let checked = selection.as_ref().map_or(sources.len(), |s| s.len());
    let stats = Stats { pages: checked, of: sources.len(), suppressed, baselined, stale, elapsed_ms };
    eprintln!("{}", summary(&diagnostics, &counts, &stats, failed));
    if stale > 0 {
        eprintln!(
            "note: {stale} baseline {} nothing any more (fixed, or the text changed); \
             refresh the baseline with `--write-baseline FILE`",
            if stale == 1 { "entry matches" } else { "entries match" }
        );
    }
    Ok(u8::from(failed))
}

/// The docs paths of the pages named on the command line, or `None` when none is named. A name
/// is a path as the shell sees it (below the docs folder) or a path inside the docs folder.
/// Other files of the folder are skipped; anything else is an error, so that a typo does not
/// pass as a clean check.
fn select_pages(
    docs: &Path,
    names: &[String],
    sources: &[docgen::Source],
) -> Result<Option<std::collections::BTreeSet<String>>, String> {
    if names.is_empty() {
        return Ok(None);
    }
    let known: std::collections::BTreeSet<&str> = sources.iter().map(|s| s.path.as_str()).collect();
    let root = docs.canonicalize().ok().filter(|r| r.is_dir());
    let mut out = std::collections::BTreeSet::new();
    for name in names {
        let given = Path::new(name);
        // As the shell sees it: a file below the docs folder.
        let from_shell = given.canonicalize().ok().zip(root.as_ref()).and_then(|(abs, root)| {
            let rel = abs.strip_prefix(root).ok()?;
            Some(rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"))
        });
        // Or a path inside the docs folder, as diagnostics print it.
        let inside = name.replace('\\', "/").trim_start_matches("./").to_string();
        let below_docs = from_shell.is_some();
        let page = [from_shell, Some(inside)].into_iter().flatten().find(|p| known.contains(p.as_str()));
        match page {
            Some(p) => {
                out.insert(p);
            }
            // Another file of the docs folder (an image, an include): nothing to check, as when
            // a change's file list is passed whole.
            None if below_docs && given.extension().is_none_or(|e| e != "md") => {
                eprintln!("note: `{name}` is not a markdown page; skipped");
            }
            None => {
                return Err(format!(
                    "`{name}` is not a page of {}: give the path of a markdown page below it",
                    render::display_path(docs)
                ));
            }
        }
    }
    Ok(Some(out))
}

/// Writes the machine-readable output. A reader that stops early (`| head`) closes the pipe;
/// that is not worth a panic, and the exit status still tells the verdict.
fn write_stdout(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes()).and_then(|()| out.flush());
}

/// Diagnostics by severity.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    errors: usize,
    warnings: usize,
    notes: usize,
}

impl Counts {
    fn of(items: &[Diagnostic]) -> Counts {
        let mut c = Counts::default();
        for d in items {
            match d.severity {
                Severity::Error => c.errors += 1,
                Severity::Warning => c.warnings += 1,
                Severity::Note => c.notes += 1,
            }
        }
        c
    }
}

/// What the summary line says besides the counts.
struct Stats {
    /// Pages whose diagnostics are reported.
    pages: usize,
    /// Pages read.
    of: usize,
    suppressed: usize,
    baselined: usize,
    stale: usize,
    elapsed_ms: f64,
}

/// The one-line summary: pages, counts by severity, what was silenced, and the most frequent
/// codes (ties by name, so the line is stable).
fn summary(items: &[Diagnostic], c: &Counts, s: &Stats, failed: bool) -> String {
    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    for d in items {
        *by_code.entry(d.code.as_str()).or_default() += 1;
    }
    let mut top: Vec<(&str, usize)> = by_code.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let pages =
        if s.pages == s.of { format!("{} page(s)", s.pages) } else { format!("{} of {} page(s)", s.pages, s.of) };
    let mut line =
        format!("check-docs: {pages}: {} error(s), {} warning(s), {} note(s)", c.errors, c.warnings, c.notes);
    let mut silenced = Vec::new();
    if s.suppressed > 0 {
        silenced.push(format!("{} suppressed", s.suppressed));
    }
    if s.baselined > 0 || s.stale > 0 {
        silenced.push(format!("{} in the baseline", s.baselined));
    }
    if !silenced.is_empty() {
        line.push_str(&format!(" ({})", silenced.join(", ")));
    }
    if !top.is_empty() {
        let names: Vec<String> = top.iter().take(TOP_CODES).map(|(code, n)| format!("{code} ({n})")).collect();
        line.push_str(&format!("; top codes: {}", names.join(", ")));
    }
    line.push_str(&format!("; {} in {:.0} ms", if failed { "failed" } else { "passed" }, s.elapsed_ms));
    line
}

/// The path tools should see for a page: the docs folder as given joined with the page's path,
/// relative to the working folder when it is below it, with `/` separators and no `./` prefix.
fn report_path(docs: &Path, file: &str) -> String {
    let shown = render::display_path(&docs.join(file));
    let shown = shown.replace('\\', "/");
    let mut s = shown.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_string()
}

/// The JSON format: one array of every diagnostic.
fn to_json(items: &[Diagnostic]) -> String {
    // `Diagnostic` serialises to exactly the documented fields (its byte span is skipped).
    serde_json::to_string_pretty(items).unwrap_or_else(|_| "[]".into())
}

/// Escapes the message of a workflow command, as `@actions/core` does (`escapeData`).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value of a workflow command (`escapeProperty`): also `:` and `,`, which
/// would otherwise end the value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The GitHub format: one workflow command per diagnostic, which GitHub Actions turns into an
/// annotation on the line. The help goes on a second line of the message.
fn to_github(items: &[Diagnostic], path: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    for d in items {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&path(&d.file)),
            d.line,
            d.column,
            d.end_line,
            d.end_column,
            escape_property(&d.code),
            escape_data(&message)
        ));
    }
    out
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// A SARIF artifact location: relative paths are given against `SRCROOT` (the folder the check
/// ran in); an absolute path becomes a `file://` URI, which needs no base.
fn artifact_location(path: &str) -> Value {
    let p = Path::new(path);
    let absolute = p.is_absolute() || p.components().next().is_some_and(|c| matches!(c, Component::Prefix(_)));
    if absolute {
        let slashed = path.replace('\\', "/");
        let uri = if slashed.starts_with('/') { format!("file://{slashed}") } else { format!("file:///{slashed}") };
        json!({ "uri": uri_escape(&uri) })
    } else {
        json!({ "uri": uri_escape(path), "uriBaseId": "SRCROOT" })
    }
}

/// Percent-encodes what may not appear in a URI reference; `/` and the usual path characters stay.
fn uri_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~/:@!$&'()*+,;=".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The SARIF 2.1.0 log: one run of the `docgen` tool, one rule per code that occurs, and one
/// result per diagnostic with its region and baseline fingerprint.
fn to_sarif(items: &[Diagnostic], fingerprints: &[String], path: impl Fn(&str) -> String) -> String {
    let mut codes: Vec<&str> = items.iter().map(|d| d.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let rule_index: HashMap<&str, usize> = codes.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let rules: Vec<Value> = codes
        .iter()
        .map(|id| match Code::parse(id) {
            Some(c) => json!({
                "id": id,
                "shortDescription": { "text": c.summary() },
                "help": { "text": c.fix() },
                "defaultConfiguration": { "level": sarif_level(c.severity()) },
            }),
            // Every code comes from the table; this only keeps an unknown one from vanishing.
            None => json!({ "id": id, "shortDescription": { "text": id } }),
        })
        .collect();
    let results: Vec<Value> = items
        .iter()
        .zip(fingerprints.iter().map(String::as_str).chain(std::iter::repeat("")))
        .map(|(d, fp)| {
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(h);
            }
            json!({
                "ruleId": d.code,
                "ruleIndex": rule_index.get(d.code.as_str()).copied().unwrap_or(0),
                "level": sarif_level(d.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact_location(&path(&d.file)),
                        "region": {
                            "startLine": d.line.max(1),
                            "startColumn": d.column.max(1),
                            "endLine": d.end_line.max(d.line).max(1),
                            "endColumn": d.end_column.max(1),
                        },
                    },
                }],
                "partialFingerprints": { FINGERPRINT_KEY: fp },
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "docgen",
                    "rules": rules,
                },
            },
            // Our columns count characters (LineIndex), not UTF-16 code units.
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use docgen::diagnostics::Span;

    fn diag(code: Code, message: &str) -> Diagnostic {
        Diagnostic {
            code: code.as_str().into(),
            severity: code.severity(),
            file: "api/a, b.md".into(),
            line: 3,
            column: 5,
            end_line: 3,
            end_column: 9,
            span: Span::new(10, 14),
            message: message.into(),
            help: Some(code.fix().into()),
        }
    }

    #[test]
    fn github_lines_escape_data_and_properties() {
        let items = [diag(Code::TodoText, "100% done:\r\nnot, really"), diag(Code::ConceptualPage, "x")];
        let out = to_github(&items, |f| format!("docs/{f}"));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(
            lines[0].starts_with(
                "::warning file=docs/api/a%2C b.md,line=3,col=5,endLine=3,endColumn=9,title=todo-text::100%25 done:%0D%0Anot, really%0Ahelp: "
            ),
            "{}",
            lines[0]
        );
        assert!(lines[1].starts_with("::notice "), "{}", lines[1]);
    }

    #[test]
    fn summary_names_the_top_codes() {
        let items = [diag(Code::TodoText, "a"), diag(Code::TodoText, "b"), diag(Code::UnresolvedType, "c")];
        let c = Counts::of(&items);
        assert_eq!(c, Counts { errors: 1, warnings: 2, notes: 0 });
        let s = Stats { pages: 2, of: 2, suppressed: 1, baselined: 0, stale: 0, elapsed_ms: 3.0 };
        let line = summary(&items, &c, &s, true);
        assert!(
            line.starts_with(
                "check-docs: 2 page(s): 1 error(s), 2 warning(s), 0 note(s) (1 suppressed); top codes: todo-text (2), unresolved-type (1); failed"
            ),
            "{line}"
        );
        // Pages named on the command line are counted against those read.
        let s = Stats { pages: 1, of: 9, ..s };
        assert!(summary(&items, &c, &s, true).starts_with("check-docs: 1 of 9 page(s): "));
    }

    #[test]
    fn sarif_locations_are_relative_to_srcroot() {
        assert_eq!(artifact_location("docs/a b.md"), json!({"uri": "docs/a%20b.md", "uriBaseId": "SRCROOT"}));
        assert_eq!(artifact_location("/tmp/x.md"), json!({"uri": "file:///tmp/x.md"}));
    }
}
