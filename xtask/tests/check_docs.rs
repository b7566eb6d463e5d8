//! End-to-end tests of `cargo xtask check-docs`: the binary is run on the fixture in
//! `generator/tests/data/check-docs/docs` (or a copy of it) and its exit status and output are
//! checked: suppressions, the baseline round trip, and the three machine formats. The SARIF output
//! is validated against the published SARIF 2.1.0 schema, the JSON output against its documented
//! shape.

use regex::Regex;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const UPDATE_PAGE: &str = "api/cancelmediaprocessingoperation-update.md";
const RESULT_INFO: &str = "resources/resultinfo.md";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The fixture, relative to the repository root (the folder every run starts in), so that the
/// paths the formats report can be checked.
const FIXTURE: &str = "generator/tests/data/check-docs/docs";

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

fn check_docs(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("check-docs")
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .output()
        .expect("the xtask binary runs");
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json_items(run: &Run) -> Vec<Value> {
    match serde_json::from_str::<Value>(&run.stdout) {
        Ok(Value::Array(items)) => items,
        other => panic!("stdout is not a JSON array: {other:?}\nstdout: {}\nstderr: {}", run.stdout, run.stderr),
    }
}

/// A fresh copy of the fixture in a folder of its own, named after the test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("check-docs-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&root().join(FIXTURE), &dir.join("docs"));
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in std::fs::read_dir(from).expect("read the fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a page");
        }
    }
}

fn edit(path: &Path, f: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).expect("read a page");
    let new = f(text.clone());
    assert_ne!(new, text, "the edit of {} changed nothing", path.display());
    std::fs::write(path, new).expect("write a page");
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn of<'a>(items: &'a [Value], file: &str, code: &str) -> Vec<&'a Value> {
    items.iter().filter(|d| d["file"] == file && d["code"] == code).collect()
}

#[test]
fn baseline_round_trip_reports_only_new_defects() {
    let dir = scratch("baseline");
    let docs = dir.join("docs");
    let baseline = dir.join("baseline.json");

    let before = json_items(&check_docs(&["--docs", s(&docs), "--format", "json"]));
    assert!(before.len() >= 10, "the fixture has several defects: {before:#?}");

    let written = check_docs(&["--docs", s(&docs), "--write-baseline", s(&baseline)]);
    assert_eq!(written.status, 0, "{}", written.stderr);
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&baseline).expect("baseline written"))
        .expect("the baseline is JSON");
    assert_eq!(file["version"], 1);
    let entries = file["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), before.len());
    let keys: Vec<(String, String, String, String)> = entries
        .iter()
        .map(|e| {
            let f = |k: &str| e[k].as_str().unwrap_or_else(|| panic!("entry without {k}: {e}")).to_string();
            (f("file"), f("code"), f("fingerprint"), f("message"))
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "baseline entries are sorted");

    let clean = check_docs(&["--docs", s(&docs), "--baseline", s(&baseline), "--format", "json"]);
    assert_eq!(clean.status, 0, "{}", clean.stderr);
    assert!(json_items(&clean).is_empty(), "{}", clean.stdout);
    let clean = check_docs(&["--docs", s(&docs), "--baseline", s(&baseline), "--deny", "warnings"]);
    assert_eq!(clean.status, 0, "{}", clean.stderr);

    // One new defect: a property row with a cell too many (an unescaped `|`).
    edit(&docs.join(RESULT_INFO), |t| {
        t.replacen(
            "|message|String|Human-readable text that explains the result.|",
            "|message|String|Human-readable text | that explains the result.|",
            1,
        )
    });
    // And an edit that moves every line of another page without changing its defects.
    edit(&docs.join(UPDATE_PAGE), |t| t.replacen("---\n\n# Update", "---\n\n\n\n\n# Update", 1));

    let after = json_items(&check_docs(&["--docs", s(&docs), "--format", "json"]));
    let moved = |items: &[Value]| {
        items.iter().filter(|d| d["file"] == UPDATE_PAGE).map(|d| d["line"].as_u64().unwrap_or(0)).collect::<Vec<_>>()
    };
    let (old, new) = (moved(&before), moved(&after));
    assert!(!old.is_empty() && old.iter().zip(&new).all(|(a, b)| a + 3 == *b), "lines moved: {old:?} -> {new:?}");

    let run = check_docs(&["--docs", s(&docs), "--baseline", s(&baseline), "--format", "json", "--deny", "warnings"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let left = json_items(&run);
    assert_eq!(left.len(), 1, "only the new defect is reported: {left:#?}");
    assert_eq!(left[0]["code"], "table-cell-count");
    assert_eq!(left[0]["file"], RESULT_INFO);
    // A warning alone does not fail the check unless warnings are denied.
    let run = check_docs(&["--docs", s(&docs), "--baseline", s(&baseline)]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.stderr.contains("warning[table-cell-count]"), "{}", run.stderr);
    assert!(run.stderr.contains("0 error(s), 1 warning(s)"), "{}", run.stderr);

    // Fixing a baselined defect leaves a stale entry, which is pointed out.
    edit(&docs.join(UPDATE_PAGE), |t| t.replacen("Content-Length: 333", "Content-Length: 330", 1));
    let run = check_docs(&["--docs", s(&docs), "--baseline", s(&baseline)]);
    assert!(run.stderr.contains("1 baseline entry matches nothing any more"), "{}", run.stderr);
}

#[test]
fn suppressions_silence_their_page_and_unused_ones_are_reported() {
    let items = json_items(&check_docs(&["--docs", FIXTURE, "--format", "json"]));
    assert!(of(&items, UPDATE_PAGE, "link-case").is_empty(), "{items:#?}");
    let lengths = of(&items, UPDATE_PAGE, "content-length-mismatch");
    assert_eq!(lengths.len(), 1, "{lengths:#?}");
    assert!(lengths[0]["message"].as_str().unwrap_or("").contains("333"));
    // The ApiDoctor entry names no code of ours: it neither suppresses nor is reported.
    let unused = of(&items, UPDATE_PAGE, "unused-suppression");
    assert_eq!(unused.len(), 1, "{unused:#?}");
    assert!(unused[0]["message"].as_str().unwrap_or("").contains("`todo-text`"));
    let text = std::fs::read_to_string(root().join(FIXTURE).join(UPDATE_PAGE)).expect("fixture page");
    let line = text.lines().position(|l| l.trim() == "\"todo-text\"").map(|i| i as u64 + 1);
    assert_eq!(unused[0]["line"].as_u64(), line);
    assert_eq!(unused[0]["column"], 5);
    // The suppressions are per page: the conceptual page keeps its TODO.
    assert_eq!(of(&items, "concepts/overview.md", "todo-text").len(), 1);

    // Without the annotation, what it silenced comes back.
    let dir = scratch("no-suppressions");
    let docs = dir.join("docs");
    edit(&docs.join(UPDATE_PAGE), |t| {
        t.split("\n<!-- {\n  \"type\": \"#page.annotation\"").next().unwrap_or("").to_string()
    });
    let bare = json_items(&check_docs(&["--docs", s(&docs), "--format", "json"]));
    assert_eq!(of(&bare, UPDATE_PAGE, "link-case").len(), 5);
    assert_eq!(of(&bare, UPDATE_PAGE, "content-length-mismatch").len(), 2);
    assert!(of(&bare, UPDATE_PAGE, "unused-suppression").is_empty());
}

/// The documented shape of `--format json`: an array of objects with exactly the nine fields of a
/// diagnostic, 1-based positions, and a help that may be absent (`null`).
fn json_format_schema() -> Value {
    let position = json!({ "type": "integer", "minimum": 1 });
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "array",
        "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["code", "severity", "file", "line", "column", "end_line", "end_column", "message", "help"],
            "properties": {
                "code": { "type": "string", "pattern": "^[a-z]+(-[a-z]+)*$" },
                "severity": { "enum": ["error", "warning", "note"] },
                "file": { "type": "string", "minLength": 1, "pattern": "^[^\\\\]+$" },
                "line": position,
                "column": position,
                "end_line": position,
                "end_column": position,
                "message": { "type": "string", "minLength": 1 },
                "help": { "type": ["string", "null"] },
            },
        },
    })
}

/// A draft-07 validator for `schema` that also asserts formats (`uri`, `uri-reference`, ...),
/// which draft 7 leaves to the implementation.
fn validator(schema: &Value, what: &str) -> jsonschema::Validator {
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("the schema for {what} does not compile: {e}"))
}

/// Fails with every error of `instance` and where it is: a JSON pointer into the instance, and the
/// schema keyword that rejected it.
fn assert_valid(validator: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| {
            let path = e.instance_path().to_string();
            let at = if path.is_empty() { "/" } else { path.as_str() };
            format!("  at {at}: {e}\n    (schema: {})", e.schema_path())
        })
        .collect();
    assert!(errors.is_empty(), "{what} does not validate ({} error(s)):\n{}", errors.len(), errors.join("\n"));
}

/// The doc sets whose output the schema tests validate: the fixture (relative, as the other tests
/// give it) and, when the shared corpora sit next to the repository, two real doc sets given by
/// absolute path, so that both kinds of SARIF artifact location are covered.
fn schema_doc_sets() -> Vec<String> {
    let mut sets = vec![FIXTURE.to_string()];
    for corpus in ["comms-family", "graph-v1.0"] {
        match root().join("../shared/corpus").join(corpus).canonicalize() {
            Ok(dir) => sets.push(s(&dir).to_string()),
            Err(_) => eprintln!("note: ../shared/corpus/{corpus} is absent; its output is not validated"),
        }
    }
    sets
}

#[test]
fn json_format_lists_every_field() {
    let run = check_docs(&["--docs", FIXTURE, "--format", "json"]);
    assert_eq!(run.status, 1, "the fixture has errors: {}", run.stderr);
    let items = json_items(&run);
    let expected: BTreeSet<&str> =
        ["code", "severity", "file", "line", "column", "end_line", "end_column", "message", "help"].into();
    for d in &items {
        let keys: BTreeSet<&str> = d.as_object().expect("object").keys().map(String::as_str).collect();
        assert_eq!(keys, expected, "{d}");
        assert!(["error", "warning", "note"].contains(&d["severity"].as_str().unwrap_or("")), "{d}");
        assert!(d["line"].as_u64().unwrap_or(0) >= 1 && d["column"].as_u64().unwrap_or(0) >= 1, "{d}");
    }
}

#[test]
fn json_format_validates_against_its_schema() {
    let schema = validator(&json_format_schema(), "the JSON format");
    // The schema rejects what it should, so that a lax schema cannot pass everything.
    let good = json!([{
        "code": "todo-text", "severity": "warning", "file": "api/a.md", "line": 1, "column": 1,
        "end_line": 1, "end_column": 5, "message": "m", "help": null,
    }]);
    assert_valid(&schema, &good, "a well-formed item");
    for (field, bad) in [
        ("line", json!(0)),
        ("severity", json!("fatal")),
        ("help", json!(3)),
        ("end_column", json!("5")),
        ("file", json!("api\\a.md")),
        ("extra", json!(true)),
    ] {
        let mut item = good.clone();
        item[0][field] = bad;
        assert!(!schema.is_valid(&item), "the schema accepts {field} = {}", item[0][field]);
    }
    let mut item = good.clone();
    item[0].as_object_mut().expect("object").remove("help");
    assert!(!schema.is_valid(&item), "the schema accepts an item without help");

    for docs in schema_doc_sets() {
        let run = check_docs(&["--docs", &docs, "--format", "json"]);
        assert!(run.status == 0 || run.status == 1, "{docs}: {}", run.stderr);
        let out: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{docs}: not JSON: {e}"));
        assert!(out.as_array().is_some_and(|a| !a.is_empty()), "{docs}: no diagnostics to check");
        assert_valid(&schema, &out, &format!("the JSON output for {docs}"));
    }
}

/// The `$id` of the official SARIF 2.1.0 schema, as OASIS publishes it.
const SARIF_SCHEMA_ID: &str =
    "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json";

/// The one defect of the published 2.1.0 schema that a draft-07 validator rejects: the `language`
/// pattern of `run` and `toolComponent` has a stray `]`, which is not a valid ECMA-262 regex in
/// unicode mode. SARIF 2.1.0 Errata 01 replaced it with the second pattern (oasis-tcs/sarif-spec
/// issue 488). Our logs carry no `language`, so the repair does not change their verdict.
const LANGUAGE_PATTERN_ERRATUM: (&str, &str) =
    ("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$", "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");

/// The cargo running the tests (`CARGO`), else the one on the `PATH`.
fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The published SARIF 2.1.0 schema, read from the `serde-sarif` package (a dev-dependency kept
/// for this file alone) wherever cargo unpacked it: `cargo metadata` gives its manifest path. The
/// metadata is limited to the host platform, so that it needs no package a build of the tests has
/// not already downloaded and works offline after one.
fn sarif_schema() -> Value {
    let version = Command::new(cargo()).arg("-vV").output().expect("cargo runs");
    let version = String::from_utf8_lossy(&version.stdout);
    let host = version
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .unwrap_or_else(|| panic!("`cargo -vV` names no host:\n{version}"))
        .trim()
        .to_string();
    let out = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--filter-platform", &host])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "cargo metadata failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let metadata: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let package = metadata["packages"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "serde-sarif"))
        .expect("cargo metadata lists serde-sarif, a dev-dependency of xtask");
    let manifest = Path::new(package["manifest_path"].as_str().expect("a manifest path"));
    let path = manifest.parent().expect("the package folder").join("src/schema.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut schema: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(schema["$id"], SARIF_SCHEMA_ID, "{} is not the published SARIF 2.1.0 schema", path.display());
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");

    // The schema is checked against the draft-07 meta-schema; the known erratum is the only
    // violation allowed, and is repaired as the errata did.
    let defects: Vec<(String, String)> = jsonschema::draft7::meta::validator()
        .iter_errors(&schema)
        .map(|e| (e.instance_path().to_string(), e.to_string()))
        .collect();
    for (pointer, error) in defects {
        let (published, fixed) = LANGUAGE_PATTERN_ERRATUM;
        match schema.pointer_mut(&pointer) {
            Some(at) if pointer.ends_with("/language/pattern") && at == published => *at = Value::from(fixed),
            _ => panic!("{} breaks the draft-07 meta-schema at {pointer}: {error}", path.display()),
        }
    }
    if let Err(e) = jsonschema::draft7::meta::validate(&schema) {
        panic!("{} breaks the draft-07 meta-schema at {}: {e}", path.display(), e.instance_path());
    }
    schema
}

#[test]
fn sarif_format_validates_against_the_published_schema() {
    let schema = validator(&sarif_schema(), "SARIF 2.1.0");
    // The schema is strict enough to catch a mistake of ours: an unknown property, a bad level, a
    // URI that is not one.
    let minimal = json!({ "version": "2.1.0", "runs": [{ "tool": { "driver": { "name": "docgen" } } }] });
    assert_valid(&schema, &minimal, "a minimal SARIF log");
    let mut bad = minimal.clone();
    bad["runs"][0]["tool"]["driver"]["rule"] = json!([]);
    assert!(!schema.is_valid(&bad), "the schema accepts an unknown property");
    let result = |level: &str, uri: &str| {
        json!([{
            "message": { "text": "m" },
            "level": level,
            "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri } } }],
        }])
    };
    let mut good = minimal.clone();
    good["runs"][0]["results"] = result("note", "docs/a%20b.md");
    assert_valid(&schema, &good, "a log with one result");
    let mut bad = minimal.clone();
    bad["runs"][0]["results"] = result("fatal", "docs/a%20b.md");
    assert!(!schema.is_valid(&bad), "the schema accepts an unknown level");
    bad["runs"][0]["results"] = result("note", "docs/a b.md");
    assert!(!schema.is_valid(&bad), "the schema accepts a URI with a space");

    let mut kinds = BTreeSet::new();
    let mut codes = BTreeSet::new();
    for docs in schema_doc_sets() {
        let run = check_docs(&["--docs", &docs, "--format", "sarif"]);
        assert!(run.status == 0 || run.status == 1, "{docs}: {}", run.stderr);
        let log: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{docs}: not JSON: {e}"));
        assert_valid(&schema, &log, &format!("the SARIF output for {docs}"));
        for r in log["runs"][0]["results"].as_array().expect("results") {
            kinds.insert(r["level"].as_str().unwrap_or("").to_string());
            codes.insert(r["ruleId"].as_str().unwrap_or("").to_string());
        }
    }
    // What was validated covers every level and a good number of codes.
    assert_eq!(kinds, ["error", "note", "warning"].into_iter().map(String::from).collect());
    assert!(codes.len() >= 10, "only {} codes: {codes:?}", codes.len());
}

#[test]
fn github_format_follows_the_workflow_command_syntax() {
    let run = check_docs(&["--docs", FIXTURE, "--format", "github"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let count = json_items(&check_docs(&["--docs", FIXTURE, "--format", "json"])).len();
    // `::command key=value,...::message`, with `,` `:` `%` CR and LF escaped in values and `%` CR
    // and LF in the message.
    let line = Regex::new(
        r"^::(error|warning|notice) file=((?:[^,:%\r\n]|%25|%2C|%3A|%0D|%0A)+),line=(\d+),col=(\d+),endLine=(\d+),endColumn=(\d+),title=([a-z]+(?:-[a-z]+)*)::((?:[^%\r\n]|%25|%0D|%0A)*)$",
    )
    .expect("regex");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), count);
    let mut kinds = BTreeSet::new();
    for l in &lines {
        let c = line.captures(l).unwrap_or_else(|| panic!("not a workflow command: {l}"));
        kinds.insert(c[1].to_string());
        assert!(c[2].starts_with(&format!("{FIXTURE}/")), "{l}");
        assert!(std::path::Path::new(&root()).join(&c[2]).is_file(), "{l}");
        let (start, end): (u32, u32) = (c[3].parse().unwrap_or(0), c[5].parse().unwrap_or(0));
        assert!(start >= 1 && end >= start, "{l}");
        assert!(c[8].contains("%0Ahelp: "), "{l}");
    }
    assert_eq!(kinds, ["error", "notice", "warning"].into_iter().map(String::from).collect());
}

#[test]
fn sarif_format_has_the_required_structure() {
    let dir = scratch("sarif");
    let baseline = dir.join("baseline.json");
    let run = check_docs(&["--docs", FIXTURE, "--format", "sarif"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let log: Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");
    assert_eq!(log["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "docgen");
    let rules = driver["rules"].as_array().expect("rules");
    let levels = ["error", "warning", "note"];
    let mut rule_ids = Vec::new();
    for r in rules {
        let id = r["id"].as_str().expect("rule id");
        assert!(r["shortDescription"]["text"].as_str().is_some_and(|t| !t.is_empty()), "{r}");
        assert!(r["help"]["text"].as_str().is_some_and(|t| !t.is_empty()), "{r}");
        assert!(levels.contains(&r["defaultConfiguration"]["level"].as_str().unwrap_or("")), "{r}");
        rule_ids.push(id.to_string());
    }
    let unique: BTreeSet<&String> = rule_ids.iter().collect();
    assert_eq!(unique.len(), rule_ids.len(), "one rule per code");

    let results = runs[0]["results"].as_array().expect("results");
    let count = json_items(&check_docs(&["--docs", FIXTURE, "--format", "json"])).len();
    assert_eq!(results.len(), count);
    let mut used = BTreeSet::new();
    let mut fingerprints = Vec::new();
    for r in results {
        let id = r["ruleId"].as_str().expect("ruleId");
        used.insert(id.to_string());
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rule_ids.get(index).map(String::as_str), Some(id), "{r}");
        assert!(levels.contains(&r["level"].as_str().unwrap_or("")), "{r}");
        assert!(r["message"]["text"].as_str().is_some_and(|t| !t.is_empty()), "{r}");
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(uri.starts_with(&format!("{FIXTURE}/")) && !uri.contains('\\'), "{uri}");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "SRCROOT");
        let region = &loc["region"];
        let n = |k: &str| region[k].as_u64().unwrap_or_else(|| panic!("region without {k}: {region}"));
        assert!(n("startLine") >= 1 && n("startColumn") >= 1 && n("endLine") >= n("startLine") && n("endColumn") >= 1);
        let fp = r["partialFingerprints"]["docgenSpanHash/v1"].as_str().expect("fingerprint");
        assert!(fp.len() == 16 && fp.bytes().all(|b| b.is_ascii_hexdigit()), "{fp}");
        fingerprints.push((uri.trim_start_matches(&format!("{FIXTURE}/")).to_string(), id.to_string(), fp.to_string()));
    }
    assert_eq!(used, unique.into_iter().cloned().collect(), "rules are exactly the codes used");

    // The SARIF fingerprints are the baseline's.
    let written = check_docs(&["--docs", FIXTURE, "--write-baseline", s(&baseline)]);
    assert_eq!(written.status, 0, "{}", written.stderr);
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&baseline).expect("baseline")).expect("JSON");
    let mut from_baseline: Vec<(String, String, String)> = file["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            let f = |k: &str| e[k].as_str().unwrap_or("").to_string();
            (f("file"), f("code"), f("fingerprint"))
        })
        .collect();
    from_baseline.sort();
    fingerprints.sort();
    assert_eq!(fingerprints, from_baseline);
}

#[test]
fn human_format_is_rustc_style_on_stderr() {
    let run = check_docs(&["--docs", FIXTURE]);
    assert_eq!(run.status, 1);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("error[example-enum-value]: `String` is not a member"), "{}", run.stderr);
    assert!(run.stderr.contains(&format!("--> {FIXTURE}/{UPDATE_PAGE}:")), "{}", run.stderr);
    assert!(run.stderr.contains("help: Use one of the enum's members."), "{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "no colour when not on a terminal");
    let summary = run.stderr.lines().find(|l| l.starts_with("check-docs: ")).expect("summary line");
    assert!(
        summary.contains("11 page(s): 3 error(s)") && summary.contains("top codes: ") && summary.contains("failed"),
        "{summary}"
    );
}

#[test]
fn exit_status_follows_severities_and_usage_errors() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-docs-exit");
    let _ = std::fs::remove_dir_all(&dir);
    let docs = dir.join("docs");
    std::fs::create_dir_all(&docs).expect("mkdir");
    std::fs::copy(root().join(FIXTURE).join("concepts/overview.md"), docs.join("overview.md")).expect("copy");
    // A TODO (a warning) and a conceptual page (a note).
    let run = check_docs(&["--docs", s(&docs)]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(check_docs(&["--docs", s(&docs), "--deny", "warnings"]).status, 1);
    edit(&docs.join("overview.md"), |t| {
        t.replace("TODO: describe the lifetime of an operation.", "")
            .replace(" See also the [media guide](media-guide.md).", "")
    });
    let run = check_docs(&["--docs", s(&docs), "--deny", "warnings", "--format", "json"]);
    assert_eq!(run.status, 0, "notes never fail: {}", run.stdout);
    assert!(json_items(&run).iter().all(|d| d["severity"] == "note"), "{}", run.stdout);

    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"version\": 7, \"entries\": []}").expect("write");
    for args in [
        vec!["--docs", "no/such/folder"],
        vec!["--docs", s(&docs), "--format", "xml"],
        vec!["--docs", s(&docs), "--deny", "errors"],
        vec!["--docs", s(&docs), "--baseline", "no/such/baseline.json"],
        vec!["--docs", s(&docs), "--baseline", s(&bad)],
        vec!["--docs", s(&docs), "--stray"],
    ] {
        let run = check_docs(&args);
        assert_eq!(run.status, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.starts_with("error: "), "{args:?}: {}", run.stderr);
    }
}

/// Pages named on the command line: only their diagnostics are reported (the whole folder is
/// still read, so cross-page findings stay right), whether named as the shell sees them or as
/// diagnostics print them; a name that is no page is a usage error, not a clean check.
#[test]
fn named_pages_narrow_the_report() {
    let all = json_items(&check_docs(&["--docs", FIXTURE, "--format", "json"]));
    let on_page: Vec<&Value> = all.iter().filter(|d| d["file"] == UPDATE_PAGE).collect();
    assert!(!on_page.is_empty() && on_page.len() < all.len(), "the fixture has findings on several pages");

    let shell_path = format!("{FIXTURE}/{UPDATE_PAGE}");
    for name in [shell_path.as_str(), UPDATE_PAGE] {
        let run = check_docs(&["--docs", FIXTURE, "--format", "json", name]);
        let items = json_items(&run);
        assert_eq!(items.iter().collect::<Vec<_>>(), on_page, "{name}");
        assert!(run.stderr.contains("check-docs: 1 of "), "{name}: {}", run.stderr);
    }
    // With a baseline of the whole folder, the page's entries silence it and the other pages'
    // entries are not reported as stale.
    let baseline = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-docs-named-baseline.json");
    assert_eq!(check_docs(&["--docs", FIXTURE, "--write-baseline", s(&baseline)]).status, 0);
    let run = check_docs(&["--docs", FIXTURE, "--format", "json", "--baseline", s(&baseline), UPDATE_PAGE]);
    assert!(json_items(&run).is_empty(), "{}", run.stdout);
    assert!(!run.stderr.contains("match nothing") && !run.stderr.contains("matches nothing"), "{}", run.stderr);
    assert!(run.stderr.contains(&format!("{} in the baseline", on_page.len())), "{}", run.stderr);
    // A file of the docs folder that is not a page (an image) is skipped, not an error.
    let dir = scratch("named-image");
    std::fs::write(dir.join("docs/resources/diagram.png"), b"png").expect("write");
    let image = dir.join("docs/resources/diagram.png");
    let run = check_docs(&["--docs", s(&dir.join("docs")), s(&image)]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.stderr.contains("is not a markdown page; skipped") && run.stderr.contains("0 of "), "{}", run.stderr);
    for args in [
        vec!["--docs", FIXTURE, "api/no-such-page.md"],
        vec!["--docs", FIXTURE, "Cargo.toml"],
        vec!["--docs", FIXTURE, "--write-baseline", "target/never.json", UPDATE_PAGE],
    ] {
        let run = check_docs(&args);
        assert_eq!(run.status, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.starts_with("error: "), "{args:?}: {}", run.stderr);
    }
}

/// A file as `--docs` is checked as the only page: the seed page, a `.txt` outside any docs
/// folder, gets its own defects reported (the TODO permissions, the missing entity URI).
#[test]
fn a_single_file_is_checked_on_its_own() {
    let seed = root().join("../shared/seeds/000_d0de68f014d3ec12.txt");
    let run = check_docs(&["--docs", s(&seed), "--format", "json"]);
    assert_eq!(run.status, 1, "the seed has errors: {}", run.stderr);
    let items = json_items(&run);
    let codes: BTreeSet<&str> = items.iter().filter_map(|d| d["code"].as_str()).collect();
    assert!(codes.contains("permissions-undetermined") && codes.contains("unresolvable-path"), "{codes:?}");
    assert!(items.iter().all(|d| d["file"] == "000_d0de68f014d3ec12.txt"), "{}", run.stdout);
    assert!(run.stderr.contains("check-docs: 1 page(s)"), "{}", run.stderr);
}

/// `--help` after a command prints that command's usage and succeeds.
#[test]
fn help_for_each_command() {
    for command in ["regenerate", "check-docs", "check-metadata", "bench", "floor", "codes", "test"] {
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args([command, "--help"])
            .output()
            .expect("the xtask binary runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{command}");
        assert!(stdout.starts_with(&format!("usage: cargo xtask {command}")), "{command}: {stdout}");
        assert!(!stdout.contains("\n  check-metadata") || command == "check-metadata", "{command}: one command only");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_xtask")).args(["nope", "--help"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
}
