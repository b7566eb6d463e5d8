//! Rendering for people and tools: rustc-style diagnostics, the summary line, the JSON report
//! and the table of codes.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use docgen::Output;
use docgen::diagnostics::{Code, Diagnostic, LineIndex, Severity, Span, ceil_boundary, floor_boundary};
use docgen::ir::Verdict;
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Prints every diagnostic, rustc-style: code, severity, file:line:col, the source line with the
/// span underlined, and the help. Colour only on a terminal.
///
/// The whole reference has thousands of diagnostics, so they are rendered in parallel, a page's
/// run at a time (one line index each), and then written in their sorted order.
pub fn print_diagnostics(items: &[Diagnostic], sources: &HashMap<&str, &str>, docs: &Path) {
    let stderr = std::io::stderr();
    let renderer = if stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    // The folder as the user would type it, worked out once rather than once per diagnostic.
    let shown_docs = PathBuf::from(display_path(docs));
    let runs: Vec<&[Diagnostic]> = items.chunk_by(|a, b| a.file == b.file).collect();
    let rendered: Vec<String> = runs
        .par_iter()
        .with_max_len(docgen::PIECE)
        .map(|run| {
            let text = sources.get(run[0].file.as_str()).copied().unwrap_or("");
            let index = LineIndex::new(text);
            let mut s = String::new();
            for d in *run {
                s.push_str(&render_one(&renderer, d, text, &index, &shown_docs));
                s.push_str("\n\n");
            }
            s
        })
        .collect();
    let mut out = stderr.lock();
    for s in rendered {
        let _ = out.write_all(s.as_bytes());
    }
}

/// One diagnostic as rustc would print it. The snippet shows the lines the span covers.
pub fn render_one(renderer: &Renderer, d: &Diagnostic, text: &str, index: &LineIndex, docs: &Path) -> String {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    };
    // `docs` is already shown as the user would type it (see `print_diagnostics`).
    let path = docs.join(&d.file).display().to_string();
    // Show whole lines from the span's first to its last (at most 6), so the snippet stays small.
    let (first, last) = (d.line, d.end_line.max(d.line).min(d.line + 5));
    let range = index.line_range(text, first).zip(index.line_range(text, last));
    let title = level.primary_title(d.message.as_str()).id(d.code.as_str());
    let group: Group = if let Some(((s, _), (_, e))) = range {
        let snippet_text = &text[s..e];
        // A span is meant to lie on character boundaries; a bug that breaks that must not
        // make the renderer panic, so its ends are moved out to the nearest boundaries.
        let span_start = floor_boundary(snippet_text, d.span.start.clamp(s, e) - s);
        let mut span_end = ceil_boundary(snippet_text, d.span.end.clamp(s, e) - s);
        if span_end <= span_start {
            span_end = Span::char_at(snippet_text, span_start).end;
        }
        title.element(
            Snippet::source(snippet_text)
                .line_start(first as usize)
                .path(path.clone())
                .annotation(AnnotationKind::Primary.span(span_start..span_end)),
        )
    } else {
        title.element(Level::NOTE.message(format!("at {path}:{}:{}", d.line, d.column)))
    };
    let mut report: Vec<Group> = vec![group];
    if let Some(h) = &d.help {
        report.push(Group::with_title(Level::HELP.secondary_title(h.as_str())));
    }
    renderer.render(&report).to_string()
}

/// A path as the user would type it: relative to the working folder when it is below it.
pub fn display_path(p: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    match cwd.as_deref().and_then(|c| p.strip_prefix(c).ok()) {
        Some(rel) => rel.display().to_string(),
        None => p.display().to_string(),
    }
}

/// The one-line summary printed after the diagnostics.
pub fn summary(o: &Output, pages: usize) -> String {
    let errors = docgen::diagnostics::count(&o.diagnostics, Severity::Error);
    let warnings = docgen::diagnostics::count(&o.diagnostics, Severity::Warning);
    let tested = o.ir.examples.iter().filter(|e| e.verdict == Verdict::Tested).count();
    format!(
        "{pages} pages: {} types, {} enums, {} operations, {tested}/{} examples tested; {errors} error(s), {warnings} warning(s); {} files generated in {:.0} ms",
        o.ir.types.len(),
        o.ir.enums.len(),
        o.ir.operations.len(),
        o.ir.examples.len(),
        o.files.len(),
        o.timings.total
    )
}

/// The `--report` JSON.
pub fn report(o: &Output, pages: usize, write_ms: f64) -> Value {
    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &o.diagnostics {
        *by_code.entry(d.code.as_str()).or_default() += 1;
    }
    let tested = o.ir.examples.iter().filter(|e| e.verdict == Verdict::Tested).count();
    let rejected = o.ir.examples.iter().filter(|e| matches!(e.verdict, Verdict::Rejected(_))).count();
    // `Diagnostic` serialises to exactly the documented item fields (its byte span is skipped).
    let items = serde_json::to_value(&o.diagnostics).unwrap_or(Value::Null);
    let t = &o.timings;
    let c = docgen::emit::coverage(&o.ir);
    json!({
        "pages": pages,
        "types": o.ir.types.len(),
        "enums": o.ir.enums.len(),
        "operations": o.ir.operations.len(),
        "files": o.files.len(),
        "examples": { "total": o.ir.examples.len(), "tested": tested, "rejected": rejected },
        // The figures: examples whose body is JSON that became passing tests (a round
        // trip and a client test against a local server), and paths that became methods.
        "coverage": {
            "responses": {
                "json_bodies": c.response_bodies,
                "round_trip": c.response_round_trips,
                "round_trip_and_client": c.responses_tested,
                "percent": percent(c.responses_tested, c.response_bodies),
            },
            "requests": {
                "json_bodies": c.request_bodies,
                "round_trip": c.request_round_trips,
                "round_trip_and_client": c.requests_tested,
                "percent": percent(c.requests_tested, c.request_bodies),
            },
            "client": {
                "operation_paths": c.operation_paths,
                "methods": c.client_methods,
                "percent": percent(c.client_methods, c.operation_paths),
                "tests": c.client_tests,
            },
        },
        "diagnostics": {
            "errors": docgen::diagnostics::count(&o.diagnostics, Severity::Error),
            "warnings": docgen::diagnostics::count(&o.diagnostics, Severity::Warning),
            "notes": docgen::diagnostics::count(&o.diagnostics, Severity::Note),
            "by_code": by_code,
            "items": items,
        },
        "timings_ms": {
            "read": round(t.read), "parse": round(t.parse), "ir": round(t.ir), "validate": round(t.validate),
            "emit": round(t.emit), "write": round(write_ms), "total": round(t.total),
        },
    })
}

/// `part` of `whole` in percent, two decimals; 100 for an empty whole.
fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 { 100.0 } else { (part as f64 * 10000.0 / whole as f64).round() / 100.0 }
}

fn round(ms: f64) -> f64 {
    (ms * 10.0).round() / 10.0
}

/// The table of codes, as markdown; DIAGNOSTICS.md holds its output.
pub fn codes_markdown() -> String {
    let mut s = String::from(
        "# Diagnostic codes\n\n<!-- Generated by `cargo xtask codes > DIAGNOSTICS.md` from generator/src/diagnostics.rs. -->\n\n\
         | Code | Severity | Meaning | How to fix |\n|---|---|---|---|\n",
    );
    for c in Code::ALL {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            c.as_str(),
            c.severity(),
            c.summary().replace('|', "\\|"),
            c.fix().replace('|', "\\|")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    /// DIAGNOSTICS.md is the documented table of codes; it must match the code table.
    #[test]
    fn diagnostics_md_is_up_to_date() {
        let path = crate::project_root().join("DIAGNOSTICS.md");
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == super::codes_markdown(),
            "DIAGNOSTICS.md is stale: run `cargo xtask codes > DIAGNOSTICS.md`"
        );
    }
}
