//! `cargo xtask`: the commands SDK maintainers and CI run on the generator.
//!
//! - `regenerate`: docs → `generated/` (or `--out DIR`), with `--check` for drift, `--report`
//!   and `--ir` for machine-readable output;
//! - `check-metadata`: where the docs and the service's CSDL metadata disagree, with agreement
//!   figures (a report: exit 0 whatever it finds);
//! - `bench`: times every stage on the same pages against a bare markdown pass (the floor), with
//!   `--outside` whole `regenerate` and `floor` processes, and with `--build` the generated
//!   crate's `cargo build`;
//! - `floor`: the bare markdown pass as a process, for timing from outside;
//! - `fuzz`: random damage to pages, run through the pipeline, until a panic, failure or hang;
//! - `check-docs`: the doc writers' checker: diagnostics after suppressions and a baseline, for
//!   people or tools (JSON, GitHub annotations, SARIF), of every page or of the pages named;
//!   exit 1 when errors remain;
//! - `codes`: the table of diagnostic codes (DIAGNOSTICS.md is made from it);
//! - `test`: the README's test command: the workspace's tests, then the generated crate's.
//!
//! Exit status: 0 when the command did its job, 1 for drift (or failing tests), 2 when it could
//! not run at all.

mod alloc;
mod args;
mod bench;
mod check_docs;
mod fuzz;
mod metadata;
mod regenerate;
mod render;
mod stamps;

use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: see the note on the dependency in Cargo.toml,
/// and `alloc` for how it is called.
#[global_allocator]
static GLOBAL: alloc::Mimalloc = alloc::Mimalloc;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  regenerate [--docs DIR] [--out DIR] [--check] [--report FILE] [--ir FILE] [--quiet]
             [--no-format-cache]
      Turn the docs (default: docs/) into the SDK crate (default: generated/).
      --check    write nothing; exit 1 with a diff when the output is stale
      --no-format-cache
                 lay out every file with syn + prettyplease, ignoring the files this
                 build laid out before (target/docgen/format-cache.bin); same output
      --report   write a JSON summary (counts, diagnostics, timings)
      --ir       write the intermediate representation as JSON
      --quiet    print only the summary line, not each diagnostic
  check-metadata [--docs DIR] [--csdl FILE] [--format human|json] [--limit N]
      Compare the docs with the service's CSDL metadata (default:
      ../shared/corpus/metadata/cleanMetadataWithDescriptionsv1.0.xml): findings by
      category, then agreement figures. Exit 0 whatever it finds.
      --format   human (default) or json
      --limit    findings shown per category (human default 20; json all; 0 = all)
  bench [--docs DIR] [--runs N] [--json FILE] [--outside] [--build]
      Time each stage (read, parse, ir, validate, emit with format, write) against a bare
      pulldown-cmark pass over the same pages (the floor); print medians and minimums, the
      ratio total/floor and the peak memory (default docs: ../shared/corpus/graph-v1.0,
      else docs/). The first run starts with an empty format cache and is shown apart;
      the medians are of the later runs, which find every file laid out (as a
      regenerate after an edit finds all but the changed ones).
      --runs     how many runs (default 15)
      --json     also write the figures as JSON
      --outside  then time whole processes from outside, N times each: `regenerate`
                 into a fresh folder against `floor` over the same docs
      --build    then time `cargo build` (and --tests, and --no-default-features) of
                 the generated crate, in target/bench/ with its own target folders
  floor [--docs DIR]
      The bench's floor as a process: read every page and run one bare pulldown-cmark
      pass (tables on) over each, on one thread; no IR, no output.
  check-docs [--docs DIR|FILE] [--format human|json|github|sarif] [--deny warnings]
             [--baseline FILE] [--write-baseline FILE] [PAGE ...]
      Check the docs (default: docs/) and report their diagnostics, after the pages'
      suppressions and the baseline. Exit 1 when an error remains (or a warning,
      under --deny warnings), 0 otherwise. With PAGEs (paths of pages of the docs
      folder, as the shell sees them or relative to it), only their diagnostics are
      reported, though the whole folder is read for links and types. A FILE as --docs
      is checked as the only page.
      --format          human (default, on stderr), json, github (workflow
                        commands) or sarif (SARIF 2.1.0); machine formats on stdout
      --baseline        ignore the diagnostics listed in FILE
      --write-baseline  write every current diagnostic to FILE and exit 0
  fuzz [--docs DIR] [--seed N] [--runs N] [--out DIR]
      Damage one to six random pages at a time (seeded) and run parsing, lowering,
      validation, emission, suppressions and baselines on them, --runs times (default
      10000; default docs: ../shared/corpus/graph-v1.0, else docs/). Exit 1 on the first
      panic, generator error or hang, with the damaged pages written to --out (default
      target/fuzz/) to reproduce with check-docs or regenerate.
  codes           print the table of diagnostic codes as markdown
  test            run the workspace's tests, then the generated crate's
";

fn main() -> ExitCode {
    alloc::configure();
    let mut argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.is_empty() || argv[0] == "--help" || argv[0] == "-h" || argv[0] == "help" {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let command = argv.remove(0);
    if argv.iter().any(|a| a == "--help" || a == "-h") {
        return match usage_of(&command) {
            Some(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: unknown command `{command}`\n\n{USAGE}");
                ExitCode::from(2)
            }
        };
    }
    let result = match command.as_str() {
        "regenerate" => {
            args::Args::parse(&argv, &["check", "quiet", "no-format-cache"], &["docs", "out", "report", "ir"])
                .and_then(|a| regenerate::run(&a))
        }
        "check-metadata" => {
            args::Args::parse(&argv, &[], &["docs", "csdl", "format", "limit"]).and_then(|a| metadata::run(&a))
        }
        "bench" => {
            args::Args::parse(&argv, &["build", "outside"], &["docs", "runs", "json"]).and_then(|a| bench::run(&a))
        }
        "floor" => args::Args::parse(&argv, &[], &["docs"]).and_then(|a| bench::floor_command(&a)),
        "fuzz" => args::Args::parse(&argv, &[], &["docs", "seed", "runs", "out"]).and_then(|a| fuzz::run(&a)),
        "check-docs" => {
            args::Args::parse_with_operands(&argv, &[], &["docs", "format", "deny", "baseline", "write-baseline"])
                .and_then(|a| check_docs::run(&a))
        }
        "codes" => {
            print!("{}", render::codes_markdown());
            Ok(0)
        }
        "test" => run_tests(),
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

/// The part of [`USAGE`] about one command: its line and the indented lines below it.
fn usage_of(command: &str) -> Option<String> {
    let lines: Vec<&str> = USAGE.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.strip_prefix("  ").is_some_and(|rest| rest.split_whitespace().next() == Some(command)))?;
    let mut out = format!("usage: cargo xtask {}\n", lines[start].trim_start());
    for l in &lines[start + 1..] {
        // The next command's line is indented by two spaces and starts with a letter.
        if l.strip_prefix("  ").is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_alphabetic())) {
            break;
        }
        out.push_str(l);
        out.push('\n');
    }
    Some(out)
}

/// `--docs`, or else the Graph v1.0 corpus beside the project, or else `docs/`: the default of
/// the commands that want many pages (`bench`, `fuzz`).
pub fn docs_or_corpus(args: &args::Args) -> PathBuf {
    args.path("docs").unwrap_or_else(|| {
        let corpus = project_root().join("../shared/corpus/graph-v1.0");
        if corpus.is_dir() { corpus } else { project_root().join("docs") }
    })
}

/// The repository root: the parent of this crate's folder.
pub fn project_root() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    dir.parent().map(PathBuf::from).unwrap_or(dir)
}

/// The salt that ties format-cache entries to this build of the generator: a rebuilt `xtask`
/// (new generator code, a new `prettyplease`) has another size or modification time, so it never
/// takes files laid out by an older build.
pub fn build_salt() -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    if let Ok(meta) = std::env::current_exe().and_then(std::fs::metadata) {
        meta.len().hash(&mut h);
        if let Ok(modified) = meta.modified() {
            modified.hash(&mut h);
        }
    }
    h.finish()
}

/// Where `regenerate` keeps laid-out files between runs.
pub fn format_cache_path() -> PathBuf {
    project_root().join("target/docgen/format-cache.bin")
}

/// Runs `cargo test` on the workspace, then on the generated crate, each crate that has a
/// `client` feature also without it, sharing one target folder so that their common
/// dependencies build once.
fn run_tests() -> Result<u8, String> {
    let root = project_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = root.join("target");
    let runs: [(&str, Vec<&str>); 4] = [
        ("workspace", vec!["test", "--workspace"]),
        ("runtime without its client", vec!["test", "-p", "docgen-runtime", "--no-default-features"]),
        ("generated crate", vec!["test", "--manifest-path", "generated/Cargo.toml"]),
        (
            "generated crate without its client",
            vec!["test", "--manifest-path", "generated/Cargo.toml", "--no-default-features"],
        ),
    ];
    for (what, args) in runs {
        eprintln!("==> cargo {} ({what})", args.join(" "));
        let status = std::process::Command::new(&cargo)
            .args(&args)
            .current_dir(&root)
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            eprintln!("error: the tests of the {what} failed");
            return Ok(1);
        }
    }
    Ok(0)
}
