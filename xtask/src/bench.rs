//! `cargo xtask bench`: times every stage of the pipeline against a floor, a bare markdown pass.
//!
//! One process reads the docs and runs, on the same pages in memory, first the floor (one
//! pulldown-cmark pass with tables over every page, single-threaded, no IR) and then our stages:
//! parse, lower, validate, emit (formatting included) and write, the last through the very
//! `plan`/`apply` code that `regenerate` uses, into a fresh folder under [`scratch`] (`TMPDIR`,
//! else the RAM-backed `/dev/shm`, else `/tmp`). Each run repeats all of it; the table shows
//! the median and the minimum of every figure, the ratio of our total to the floor, and the
//! process's peak resident memory.
//! `--build` then times `cargo build` of the generated crate.

use crate::args::Args;
use crate::regenerate;
use docgen::Source;
use pulldown_cmark::{Options, Parser};
use serde_json::{Value, json};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

/// What one figure of the table measures.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Wall-clock time of a stage.
    Wall,
    /// Time spent by the threads that rendered files in parallel, each file's time added up: CPU
    /// time when every thread has a core of its own, more when other processes compete.
    Summed,
    /// CPU time (user + system) of the whole process, every thread counted, from /proc.
    Cpu,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Wall => "wall",
            Kind::Summed => "summed over threads",
            Kind::Cpu => "process CPU, user+sys",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Kind::Wall => "wall",
            Kind::Summed => "summed_over_threads",
            Kind::Cpu => "process_cpu",
        }
    }
}

/// The rows of the table, in order: key (for JSON), label, kind, and depth (a row of depth 1 is
/// a part of the row of depth 0 above it, and so on).
const ROWS: &[(&str, &str, Kind, usize)] = &[
    ("read", "read (from disk)", Kind::Wall, 0),
    ("floor", "floor (pulldown-cmark, 1 thread)", Kind::Wall, 0),
    ("parse", "parse (and each page's declarations)", Kind::Wall, 0),
    ("cache_load", "format cache load (own thread, in parallel)", Kind::Wall, 1),
    ("ir", "ir (resolve; links checked alongside)", Kind::Wall, 0),
    ("validate", "validate (examples, bodies, names; emit plan alongside)", Kind::Wall, 0),
    ("emit_plan", "emit plan (names, types), alongside", Kind::Wall, 1),
    ("emit", "emit (pages freed, then render + format; diagnostics sorted alongside)", Kind::Wall, 0),
    ("emit_files", "files (parallel)", Kind::Wall, 1),
    ("emit_files_cpu", "files", Kind::Summed, 1),
    ("render_cpu", "render (views, askama)", Kind::Summed, 2),
    ("format_cpu", "format (syn + prettyplease)", Kind::Summed, 2),
    ("syn_parse_cpu", "syn::parse_file", Kind::Summed, 3),
    ("unparse_cpu", "prettyplease::unparse", Kind::Summed, 3),
    ("rest", "rest of generate (between the stages)", Kind::Wall, 0),
    ("cache", "format cache save", Kind::Wall, 0),
    ("write", "write (regenerate plan + apply)", Kind::Wall, 0),
    ("total", "total (parse..write)", Kind::Wall, 0),
    ("total_with_read", "total with read", Kind::Wall, 0),
    ("total_cpu", "total (parse..write)", Kind::Cpu, 0),
    ("again_read", "write again, up to date: every file read back", Kind::Wall, 0),
    ("again_stamped", "write again, up to date: stamps vouch, none read", Kind::Wall, 0),
];

/// Default number of runs: the first with an empty format cache, then enough warm ones for a
/// median that a few slow runs (a busy neighbour) do not move. On a two-core virtual machine one
/// run's ratio has been seen anywhere from 1.9x to 3.2x within one bench; two slow runs decide
/// the median of four warm runs, while it takes seven to decide that of fourteen. Fifteen runs
/// take about seven seconds on graph-v1.0.
const DEFAULT_RUNS: usize = 15;

pub fn run(args: &Args) -> Result<u8, String> {
    let root = crate::project_root();
    let docs = crate::docs_or_corpus(args);
    let runs = match args.value("runs") {
        None => DEFAULT_RUNS,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => return Err(format!("`--runs` needs a positive whole number, not `{v}`")),
        },
    };

    eprintln!("bench: {} run(s) over {}", runs, crate::render::display_path(&docs));
    // Other processes compete for the same cores; the load before the runs says how much.
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into());
    let mut samples: Vec<Vec<f64>> = Vec::with_capacity(runs);
    let mut counts = Counts::default();
    let mut written = Vec::new();
    let mut failure = None;
    // A format cache of the bench's own, empty at the start: the first run lays out every file
    // (as the first `regenerate` of a build does), later runs find them all (as a regenerate
    // after an edit finds all but the edited pages' files).
    let (scratch, scratch_why) = scratch();
    let cache_path = scratch.join(format!("docgen-bench-{}-format-cache.bin", std::process::id()));
    let _ = std::fs::remove_file(&cache_path);
    let mut first: Option<Vec<f64>> = None;
    let mut hits = (0, 0);
    for k in 0..runs {
        let out = scratch.join(format!("docgen-bench-{}-{k}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        written.push(out.clone());
        match one_run(&docs, &out, &cache_path) {
            Ok((sample, c, h)) => {
                if k == 0 && runs > 1 {
                    first = Some(sample);
                } else {
                    samples.push(sample);
                }
                counts = c;
                hits = h;
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    // The output folders go only now: ext4 without a journal skips inodes freed in the last 30
    // seconds when it creates files, so removing a run's 4,000 files just before the next run
    // creates as many would make every later `write` pay for the bench's own clean-up.
    for out in &written {
        let _ = std::fs::remove_dir_all(out);
    }
    let _ = std::fs::remove_file(&cache_path);
    if let Some(e) = failure {
        return Err(e);
    }
    // Read once every run has finished: VmHWM is the whole process's high-water mark, which is
    // the largest single run because each run frees what it allocated.
    let peak_mib = peak_memory_mib();

    let median: Vec<f64> = (0..ROWS.len()).map(|i| median(samples.iter().map(|s| s[i]).collect())).collect();
    let min: Vec<f64> = (0..ROWS.len()).map(|i| samples.iter().map(|s| s[i]).fold(f64::INFINITY, f64::min)).collect();
    let at = |key: &str| ROWS.iter().position(|r| r.0 == key).expect("a row of the table");
    let (total, floor, with_read) = (median[at("total")], median[at("floor")], median[at("total_with_read")]);
    let ratio = total / floor;

    print!("{}", table(&docs, samples.len(), &counts, &median, &min));
    println!();
    if let Some(first) = &first {
        println!(
            "first run, empty format cache: total {:.0} ms, ratio {:.2}x to the median floor (emit {:.0} ms, syn + prettyplease {:.0} ms CPU); not in the medians",
            first[at("total")],
            first[at("total")] / floor,
            first[at("emit")],
            first[at("format_cpu")]
        );
    }
    println!("format cache in the last run: {} file(s) from the cache, {} laid out", hits.0, hits.1);
    println!(
        "stamps in the last run, writing again the second time: {} of {} file(s) vouched for (those were not read)",
        counts.vouched, counts.files
    );
    println!(
        "ratio total/floor (medians): {ratio:.2}x (with read: {:.2}x, read is not in the floor)",
        with_read / floor
    );
    // Each run times its floor a moment before its pipeline, so the ratio of the two cancels
    // what a slow phase of the machine does to both; this machine's speed moves by tens of
    // percent from second to second, and the medians above may come from different phases.
    let paired: Vec<f64> = samples.iter().map(|s| s[at("total")] / s[at("floor")]).collect();
    let (lo, hi) = paired.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &r| (lo.min(r), hi.max(r)));
    let paired_median = self::median(paired);
    println!("ratio total/floor run by run: median {paired_median:.2}x (from {lo:.2}x to {hi:.2}x)");
    let cpu = median[at("total_cpu")];
    println!(
        "cores kept busy by parse..write: {:.2} (process CPU {cpu:.0} ms over {total:.0} ms wall; the floor keeps 1)",
        cpu / total
    );
    match peak_mib {
        Some(p) => println!("peak memory: {p:.1} MiB (VmHWM: the whole process's peak resident set, over all runs)"),
        None => println!("peak memory: unknown (no VmHWM in /proc/self/status)"),
    }
    println!("cpu: {}; load average before the runs: {load}", threads_note());
    println!("write: into {} ({scratch_why})", scratch.display());

    let outside = if args.flag("outside") { Some(outside(&docs, runs, &scratch)?) } else { None };
    let build = if args.flag("build") { Some(build(&root, &docs)?) } else { None };

    if let Some(path) = args.path("json") {
        let stages: serde_json::Map<String, Value> = ROWS
            .iter()
            .enumerate()
            .map(|(i, (key, _, kind, _))| {
                (key.to_string(), json!({ "median_ms": round(median[i]), "min_ms": round(min[i]), "kind": kind.key() }))
            })
            .collect();
        let report = json!({
            "docs": docs.display().to_string(),
            "runs": runs,
            "pages": counts.pages,
            "bytes": counts.bytes,
            "files": counts.files,
            "output_bytes": counts.output_bytes,
            "cores": cores(),
            "stages_ms": stages,
            "total_ms": round(total),
            "total_with_read_ms": round(with_read),
            "total_cpu_ms": round(median[at("total_cpu")]),
            "floor_ms": round(floor),
            "ratio": (ratio * 100.0).round() / 100.0,
            "ratio_run_by_run_median": (paired_median * 100.0).round() / 100.0,
            "first_run_total_ms": first.as_ref().map(|f| round(f[at("total")])),
            "first_run_ratio": first.as_ref().map(|f| (f[at("total")] / floor * 100.0).round() / 100.0),
            "peak_mib": peak_mib.map(|p| (p * 10.0).round() / 10.0),
            "outside": outside.as_ref().map(Outside::to_json),
            "build": build.as_ref().map(Build::to_json),
        });
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n";
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }

    let mut last = format!(
        "bench: total={total:.0}ms floor={floor:.0}ms ratio={ratio:.2}x peak={}MiB",
        peak_mib.map(|p| format!("{p:.0}")).unwrap_or_else(|| "?".into())
    );
    if let Some(o) = &outside {
        last.push_str(&format!(" outside_ratio={:.2}x", o.ratio()));
    }
    if let Some(b) = &build {
        last.push_str(&format!(" build={:.1}s crate={:.1}s", b.first.as_secs_f64(), b.crate_only.as_secs_f64()));
    }
    println!("{last}");
    Ok(0)
}

/// What the docs and the output hold, for the table's heading.
#[derive(Default)]
struct Counts {
    pages: usize,
    bytes: usize,
    files: usize,
    output_bytes: usize,
    /// Files the stamps vouched for when writing again the second time.
    vouched: usize,
}

/// One run's figures (one per row of [`ROWS`]), its counts, and the format cache's hits and misses.
type RunFigures = (Vec<f64>, Counts, (usize, usize));

/// One run: read, floor, our stages, write.
fn one_run(docs: &Path, out: &Path, cache_path: &Path) -> Result<RunFigures, String> {
    let t = Instant::now();
    let sources =
        docgen::read_docs(docs).map_err(|e| format!("cannot read the docs folder {}: {e}", docs.display()))?;
    let read = ms(t.elapsed());
    if sources.is_empty() {
        return Err(format!("no markdown pages found in {}", docs.display()));
    }

    let t = Instant::now();
    black_box(floor_pass(black_box(&sources)));
    let floor = ms(t.elapsed());

    let cpu_before = process_cpu_ms();
    // As in `regenerate`, the format cache is read on a thread of its own alongside parsing;
    // its time is shown, but it is inside `generate`'s wall time, not added to it.
    let load = std::sync::Mutex::new(0.0);
    let t = Instant::now();
    let (output, cache) = docgen::generate_loading(&sources, || {
        let t = Instant::now();
        let cache = docgen::emit::FormatCache::load(cache_path, crate::build_salt());
        *load.lock().unwrap_or_else(|p| p.into_inner()) = ms(t.elapsed());
        Some(cache)
    });
    let output = output.map_err(|e| format!("generator bug: {e}"))?;
    let cache = cache.unwrap_or_default();
    let generate = ms(t.elapsed());
    let load = load.into_inner().unwrap_or_else(|p| p.into_inner());
    let t = Instant::now();
    cache.save(cache_path).map_err(|e| format!("cannot save the format cache: {e}"))?;
    let cache_ms = ms(t.elapsed());

    // A fresh folder each run, so that every file is written, as on a first `regenerate`.
    let t = Instant::now();
    let plan = regenerate::plan(out, &output.files)?;
    plan.apply(out, &output.files)?;
    let write = ms(t.elapsed());
    let cpu = process_cpu_ms().zip(cpu_before).map(|(after, before)| after - before).unwrap_or(f64::NAN);
    let written = plan.writes.len();
    if written != output.files.len() {
        return Err(format!("wrote {written} of {} files into a fresh folder", output.files.len()));
    }
    // Not in the total: the same files again into the folder just written, as the next
    // `regenerate` after an edit finds it. The first time every file is read back and compared
    // (and stamped); the second time the stamps vouch for them (see `stamps`).
    let mut again = [0.0; 2];
    let mut vouched = 0;
    for a in &mut again {
        let t = Instant::now();
        let plan = regenerate::plan(out, &output.files)?;
        plan.apply(out, &output.files)?;
        *a = ms(t.elapsed());
        vouched = plan.vouched;
        if !plan.is_empty() {
            return Err(format!("{} file(s) differ right after they were written", plan.len()));
        }
    }

    let t = &output.timings;
    let e = &t.emit_detail;
    let format_cpu = e.syn_parse_cpu_ms + e.unparse_cpu_ms;
    // `generate` times its stages itself; whatever else its wall time holds (what lies between
    // them) shows as `rest`, so that the rows add up to the total.
    let rest = (generate - (t.parse + t.ir + t.validate + t.emit)).max(0.0);
    let total = generate + cache_ms + write;
    let figures = [
        ("read", read),
        ("floor", floor),
        ("parse", t.parse),
        ("cache_load", load),
        ("ir", t.ir),
        ("validate", t.validate),
        ("emit_plan", e.plan_ms),
        ("emit", t.emit),
        ("emit_files", e.files_ms),
        ("emit_files_cpu", e.files_cpu_ms),
        ("render_cpu", (e.files_cpu_ms - format_cpu).max(0.0)),
        ("format_cpu", format_cpu),
        ("syn_parse_cpu", e.syn_parse_cpu_ms),
        ("unparse_cpu", e.unparse_cpu_ms),
        ("rest", rest),
        ("cache", cache_ms),
        ("write", write),
        ("total", total),
        ("total_with_read", read + total),
        ("total_cpu", cpu),
        ("again_read", again[0]),
        ("again_stamped", again[1]),
    ];
    assert!(figures.iter().map(|f| f.0).eq(ROWS.iter().map(|r| r.0)));
    let counts = Counts {
        pages: sources.len(),
        bytes: sources.iter().map(|s| s.text.len()).sum(),
        files: output.files.len(),
        output_bytes: output.files.iter().map(|f| f.contents.len()).sum(),
        vouched,
    };
    eprintln!("  run: total {total:.0} ms, floor {floor:.0} ms, write {write:.0} ms");
    Ok((figures.iter().map(|f| f.1).collect(), counts, cache.hits_and_misses()))
}

/// `cargo xtask floor`: the bench's floor as a process of its own, for timing from outside: read
/// every page (as `regenerate` reads them) and run one bare pulldown-cmark pass with tables over
/// each, on one thread, with no IR and no output.
pub fn floor_command(args: &Args) -> Result<u8, String> {
    let docs = args.path("docs").unwrap_or_else(|| crate::project_root().join("docs"));
    let sources =
        docgen::read_docs(&docs).map_err(|e| format!("cannot read the docs folder {}: {e}", docs.display()))?;
    black_box(floor_pass(black_box(&sources)));
    Ok(0)
}

/// Whole processes timed from outside, as a user's shell would time them: `regenerate` of the
/// docs into a fresh folder (process start, reading, the format cache, writing: everything)
/// against `floor` over the same docs.
struct Outside {
    /// The first `regenerate`, which may find the format cache cold; not in the median.
    first_regenerate: Duration,
    regenerate: Vec<Duration>,
    /// `regenerate` into the first run's folder, which it finds up to date.
    update: Vec<Duration>,
    floor: Vec<Duration>,
}

impl Outside {
    fn regenerate_ms(&self) -> f64 {
        median(self.regenerate.iter().map(|d| ms(*d)).collect())
    }

    fn floor_ms(&self) -> f64 {
        median(self.floor.iter().map(|d| ms(*d)).collect())
    }

    fn ratio(&self) -> f64 {
        self.regenerate_ms() / self.floor_ms()
    }

    fn update_ms(&self) -> f64 {
        median(self.update.iter().map(|d| ms(*d)).collect())
    }

    fn to_json(&self) -> Value {
        json!({
            "runs": self.regenerate.len(),
            "first_regenerate_ms": round(ms(self.first_regenerate)),
            "regenerate_ms": round(self.regenerate_ms()),
            "floor_ms": round(self.floor_ms()),
            "ratio": (self.ratio() * 100.0).round() / 100.0,
            "update_ms": round(self.update_ms()),
            "update_ratio": (self.update_ms() / self.floor_ms() * 100.0).round() / 100.0,
        })
    }
}

/// Where the bench writes its output folders and its format cache, and why there: `TMPDIR` when
/// it is set; else `/dev/shm`, RAM-backed, when it is a folder the bench can write in; else the
/// system's temporary folder. Writing a fresh output folder is mostly the file system's work,
/// and a disk's can depend on what other processes did: on ext4 without a journal (this
/// machine's `/tmp`), creating a file skips every inode freed in the last 60 seconds (300 while
/// its block is not yet written back) and reads each from the inode table to learn so. After a
/// test run or an earlier bench had deleted some ten thousand files, writing the 4,587 files of
/// graph-v1.0 took 650 ms there, for minutes, against 12 ms in `/dev/shm`: the bench timed other
/// processes' deletions. Setting `TMPDIR` times writing to that file system instead.
fn scratch() -> (PathBuf, String) {
    if std::env::var_os("TMPDIR").is_some() {
        return (std::env::temp_dir(), "TMPDIR".to_owned());
    }
    let shm = Path::new("/dev/shm");
    let probe = shm.join(format!("docgen-bench-{}-probe", std::process::id()));
    if std::fs::create_dir(&probe).is_ok() {
        let _ = std::fs::remove_dir(&probe);
        return (shm.to_path_buf(), "RAM-backed; set TMPDIR to time writing to another file system".to_owned());
    }
    (std::env::temp_dir(), "the system's temporary folder".to_owned())
}

/// Runs `floor` and `regenerate` as processes of this same executable, alternately, `runs`
/// times each after one `regenerate` that warms the format cache, and prints the medians.
fn outside(docs: &Path, runs: usize, scratch: &Path) -> Result<Outside, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let base = scratch.join(format!("docgen-bench-{}-outside", std::process::id()));
    let time = |args: &[&std::ffi::OsStr]| -> Result<Duration, String> {
        let t = Instant::now();
        let status = Command::new(&exe)
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
        let spent = t.elapsed();
        // `regenerate` exits 0 when it wrote the crate, whatever the docs' diagnostics.
        if !status.success() {
            return Err(format!(
                "`{}` failed ({status})",
                args.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" ")
            ));
        }
        Ok(spent)
    };
    let docs = docs.as_os_str();
    let regenerate = |k: usize| {
        let out = base.join(format!("out-{k}"));
        time(&["regenerate".as_ref(), "--quiet".as_ref(), "--docs".as_ref(), docs, "--out".as_ref(), out.as_os_str()])
    };
    let floor = || time(&["floor".as_ref(), "--docs".as_ref(), docs]);
    let result = (|| -> Result<Outside, String> {
        let first_regenerate = regenerate(0)?;
        let mut o = Outside { first_regenerate, regenerate: Vec::new(), update: Vec::new(), floor: Vec::new() };
        for k in 1..=runs {
            o.floor.push(floor()?);
            o.regenerate.push(regenerate(k)?);
            // The first update reads every file back and stamps them; the later ones trust the
            // stamps, as a maintainer's repeated `regenerate` does.
            o.update.push(regenerate(0)?);
        }
        Ok(o)
    })();
    let _ = std::fs::remove_dir_all(&base);
    let o = result?;
    println!();
    println!(
        "outside, whole processes ({} runs each, alternating; a fresh output folder each time):",
        o.regenerate.len()
    );
    println!(
        "  `xtask regenerate --docs DIR --out NEW`: median {:.0} ms (first, which may find the format cache cold: {:.0} ms)",
        o.regenerate_ms(),
        ms(o.first_regenerate)
    );
    println!(
        "  `xtask floor --docs DIR` (read every page + one bare pulldown-cmark pass): median {:.0} ms",
        o.floor_ms()
    );
    println!("  ratio regenerate/floor: {:.2}x", o.ratio());
    println!(
        "  `xtask regenerate` again into the first run's folder, up to date: median {:.0} ms, ratio {:.2}x",
        o.update_ms(),
        o.update_ms() / o.floor_ms()
    );
    Ok(o)
}

/// The floor: what reading the markdown costs at the least. Every event and its range is
/// consumed and folded into a checksum the optimiser cannot see through.
fn floor_pass(sources: &[Source]) -> u64 {
    let mut acc: u64 = 0;
    for s in sources {
        for (event, range) in Parser::new_ext(&s.text, Options::ENABLE_TABLES).into_offset_iter() {
            black_box(&event);
            acc = acc.wrapping_mul(31).wrapping_add(range.start as u64).wrapping_add(range.end as u64);
        }
    }
    acc
}

fn table(docs: &Path, runs: usize, c: &Counts, median: &[f64], min: &[f64]) -> String {
    let mut s = format!(
        "docs: {} ({} pages, {:.1} MiB); output: {} files, {:.1} MiB; {} run(s)\n\n",
        crate::render::display_path(docs),
        c.pages,
        mib(c.bytes),
        c.files,
        mib(c.output_bytes),
        runs
    );
    let width = ROWS.iter().map(|r| r.1.len() + 2 * r.3).max().unwrap_or(0);
    s.push_str(&format!("{:<width$}  {:>10}  {:>10}  {}\n", "stage", "median ms", "min ms", "kind"));
    for (i, (_, label, kind, depth)) in ROWS.iter().enumerate() {
        let label = format!("{}{label}", "  ".repeat(*depth));
        s.push_str(&format!("{label:<width$}  {:>10.1}  {:>10.1}  {}\n", median[i], min[i], kind.label()));
    }
    s
}

/// The build of the generated crate.
struct Build {
    crate_dir: PathBuf,
    target_dir: PathBuf,
    /// Whether the dedicated target folder was empty before, so the first build built the
    /// dependencies too.
    cold: bool,
    first: Duration,
    crate_only: Duration,
    tests: Duration,
    tests_crate_only: Duration,
    /// The same without the `client` feature (models and enums only), in a target folder of
    /// its own: first build, and the crate alone.
    types_only: Duration,
    types_only_crate: Duration,
    types_only_cold: bool,
}

impl Build {
    fn to_json(&self) -> Value {
        json!({
            "crate_dir": self.crate_dir.display().to_string(),
            "target_dir": self.target_dir.display().to_string(),
            "cold": self.cold,
            "first_build_s": secs(self.first),
            "crate_build_s": secs(self.crate_only),
            "dependencies_s": if self.cold { Some(secs(self.first.saturating_sub(self.crate_only))) } else { None },
            "tests_build_s": secs(self.tests),
            "tests_crate_build_s": secs(self.tests_crate_only),
            "types_only_cold": self.types_only_cold,
            "types_only_first_build_s": secs(self.types_only),
            "types_only_crate_build_s": secs(self.types_only_crate),
        })
    }
}

/// Generates the crate into `target/bench/crate` (with `regenerate`'s writer) and times
/// `cargo build` with a target folder of its own, `target/bench/target`, so that repeated runs
/// are comparable and the workspace's builds do not disturb it. The second build follows a
/// `touch` of `src/lib.rs`, so it is the crate's own compile time, dependencies excluded.
fn build(root: &Path, docs: &Path) -> Result<Build, String> {
    let crate_dir = root.join("target/bench/crate");
    let target_dir = root.join("target/bench/target");
    let sources =
        docgen::read_docs(docs).map_err(|e| format!("cannot read the docs folder {}: {e}", docs.display()))?;
    let output = docgen::generate(&sources).map_err(|e| format!("generator bug: {e}"))?;
    regenerate::plan(&crate_dir, &output.files)?.apply(&crate_dir, &output.files)?;
    // The committed crate's lock file pins the same dependency versions every time and spares
    // the build a resolution against the registry.
    let lock = root.join("generated/Cargo.lock");
    if lock.is_file() {
        std::fs::copy(&lock, crate_dir.join("Cargo.lock"))
            .map_err(|e| format!("cannot copy {}: {e}", lock.display()))?;
    }
    let cold = !target_dir.join("debug").exists();
    let manifest = crate_dir.join("Cargo.toml");
    let lib = crate_dir.join("src/lib.rs");

    eprintln!("bench: building {} ({})", crate::render::display_path(&crate_dir), if cold { "cold" } else { "warm" });
    let first = cargo(&["build"], &manifest, &target_dir)?;
    touch(&lib)?;
    let crate_only = cargo(&["build"], &manifest, &target_dir)?;
    let tests = cargo(&["build", "--tests"], &manifest, &target_dir)?;
    touch(&lib)?;
    let tests_crate_only = cargo(&["build", "--tests"], &manifest, &target_dir)?;
    // What a user who wants the models alone builds: no reqwest, rustls or tokio.
    let types_target = root.join("target/bench/target-types-only");
    let types_only_cold = !types_target.join("debug").exists();
    let types_only = cargo(&["build", "--no-default-features"], &manifest, &types_target)?;
    touch(&lib)?;
    let types_only_crate = cargo(&["build", "--no-default-features"], &manifest, &types_target)?;

    println!();
    let (p, t) = (crate::render::display_path(&crate_dir), crate::render::display_path(&target_dir));
    println!("build of the generated crate ({p}, CARGO_TARGET_DIR={t}):");
    let first_label = if cold {
        "cargo build, first (dependencies + crate, cold)"
    } else {
        "cargo build, first (dependencies already built)"
    };
    let mut rows = vec![(first_label, first), ("cargo build, crate only (after touching src/lib.rs)", crate_only)];
    if cold {
        rows.push(("dependencies (first - crate only)", first.saturating_sub(crate_only)));
    }
    rows.push(("cargo build --tests, first (adds dev-dependencies and tests)", tests));
    rows.push(("cargo build --tests, crate only (after touching src/lib.rs)", tests_crate_only));
    rows.push((
        if types_only_cold {
            "cargo build --no-default-features (models and enums only), first, cold"
        } else {
            "cargo build --no-default-features (models and enums only), first"
        },
        types_only,
    ));
    rows.push(("cargo build --no-default-features, crate only (after touching src/lib.rs)", types_only_crate));
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    for (label, spent) in rows {
        println!("  {label:<width$}  {:>8.1} s", spent.as_secs_f64());
    }
    Ok(Build {
        crate_dir,
        target_dir,
        cold,
        first,
        crate_only,
        tests,
        tests_crate_only,
        types_only,
        types_only_crate,
        types_only_cold,
    })
}

/// Runs one cargo command on the generated crate and returns its wall time; its output is shown
/// only when it fails.
fn cargo(args: &[&str], manifest: &Path, target_dir: &Path) -> Result<Duration, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let t = Instant::now();
    let out = Command::new(&cargo)
        .args(args)
        .arg("--manifest-path")
        .arg(manifest)
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let spent = t.elapsed();
    if !out.status.success() {
        return Err(format!(
            "`cargo {} --manifest-path {}` failed:\n{}",
            args.join(" "),
            manifest.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    eprintln!("  cargo {}: {:.1} s", args.join(" "), spent.as_secs_f64());
    Ok(spent)
}

/// Marks a file as changed for cargo, without changing it.
fn touch(path: &Path) -> Result<(), String> {
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(SystemTime::now()))
        .map_err(|e| format!("cannot touch {}: {e}", path.display()))
}

/// The CPU time (user + system, all threads) the process has used so far, in ms; Linux only.
/// /proc counts in clock ticks of 10 ms (USER_HZ is 100 on every Linux architecture in use), so
/// this is exact to 10 ms.
fn process_cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name in parentheses may hold spaces; the fields after it are plain numbers.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) * 10.0)
}

/// The process's peak resident set size (VmHWM), in MiB; Linux only.
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// The cores the process may use; rayon's pool has as many threads unless RAYON_NUM_THREADS says
/// otherwise.
fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn threads_note() -> String {
    match std::env::var("RAYON_NUM_THREADS") {
        Ok(n) => format!("{} core(s), RAYON_NUM_THREADS={n}", cores()),
        Err(_) => format!("{} core(s), as many rayon threads", cores()),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 10.0).round() / 10.0
}

fn round(ms: f64) -> f64 {
    (ms * 10.0).round() / 10.0
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(vec![]), 0.0);
    }

    #[test]
    fn the_floor_sees_every_event() {
        let pages = [Source::new("a.md", "# T\n\n|a|b|\n|-|-|\n|1|2|\n")];
        assert_ne!(floor_pass(&pages), 0);
    }
}
