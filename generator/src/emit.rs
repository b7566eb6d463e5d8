//! Emit: turns the IR into the files of a standalone SDK crate.
//!
//! Two phases. The plan (`plan::Plan::new`) takes every decision that needs the whole IR (names,
//! type resolution, inherited properties, boxing of recursive fields) before any file is
//! rendered; names that share a scope are claimed in one fixed order. Then each file is
//! rendered by a pure function of the plan, in parallel; templates in `templates/` give each
//! file its shape, and every Rust file is parsed and laid out by `syn` and `prettyplease`
//! (`render::rust_file`), so a template that renders invalid Rust is an [`EmitError`] naming
//! it. Output does not depend on thread scheduling: files are sorted by path, and the first
//! error in that order is the one returned.
//!
//! Emitting never fails on odd docs: unknown types become `serde_json::Value`, unnamed things
//! get fallback names, and examples that do not fit are simply not turned into tests.

mod client;
mod crate_files;
mod cycles;
mod enums;
mod examples;
mod format_cache;
mod models;
mod paths;
mod plan;
mod render;
mod types;

use crate::GeneratedFile;
use crate::ir::Ir;
use crate::validate::Checked;
use rayon::prelude::*;
use std::time::{Duration, Instant};

pub use format_cache::FormatCache;
pub use render::EmitError;

/// Where emitting spends its time, for `cargo xtask bench`.
///
/// `plan_ms` and `files_ms` are wall-clock times of the two phases. The `*_cpu_ms` figures are
/// CPU time summed over the threads that rendered files in parallel, so on a machine with several
/// cores they can add up to more than `files_ms`.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct EmitTimings {
    /// Wall time of the plan (`plan::Plan::new`; its independent parts run side by side). In
    /// `generate` it is made alongside validation, so this time is inside validation's, not
    /// emit's.
    pub plan_ms: f64,
    /// Wall time of rendering every file (parallel), after adding the tested examples to the plan.
    pub files_ms: f64,
    /// Summed over threads: rendering every file, from template to finished text.
    pub files_cpu_ms: f64,
    /// Summed over threads: the part of `files_cpu_ms` spent in `syn::parse_file`.
    pub syn_parse_cpu_ms: f64,
    /// Summed over threads: the part of `files_cpu_ms` spent in `prettyplease::unparse`.
    pub unparse_cpu_ms: f64,
}

/// What the generated tests and client cover, for `regenerate --report`. Every count follows
/// the rules that decide which tests are emitted, so it is the number of tests in the crate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Coverage {
    /// Examples whose response has a JSON body (a body that is not JSON has a diagnostic).
    pub response_bodies: usize,
    /// Of those, the ones with a round-trip test of the body.
    pub response_round_trips: usize,
    /// Of those, the ones whose client test also reads the body from a local server.
    pub responses_tested: usize,
    /// Examples whose request has a JSON body.
    pub request_bodies: usize,
    /// Of those, the ones with a round-trip test of the body.
    pub request_round_trips: usize,
    /// Of those, the ones whose client test also sends the body to a local server.
    pub requests_tested: usize,
    /// Tests that call a client method against a local server.
    pub client_tests: usize,
    /// Documented (operation, path) pairs.
    pub operation_paths: usize,
    /// Of those, the ones that are a client method.
    pub client_methods: usize,
}

/// Counts what [`emit`] would make tests and methods of, without rendering anything.
pub fn coverage(ir: &Ir) -> Coverage {
    let checked = checked_of(ir);
    examples::coverage(&plan::Plan::new(ir, crate_files::RUNTIME_HTTP_SOURCE).with_checked(&checked))
}

/// What validation settled about the examples of an IR it has validated.
fn checked_of(ir: &Ir) -> Vec<Checked> {
    ir.examples.iter().map(Checked::of).collect()
}

/// The emit plan of an IR short of its examples, which need validation's verdicts: it can be
/// made while validation runs (see `generate_cached`).
pub(crate) struct Planned<'ir> {
    plan: plan::Plan<'ir>,
    ms: f64,
}

pub(crate) fn make_plan(ir: &Ir) -> Planned<'_> {
    let t0 = Instant::now();
    let plan = plan::Plan::new(ir, crate_files::RUNTIME_HTTP_SOURCE);
    Planned { plan, ms: t0.elapsed().as_secs_f64() * 1000.0 }
}

/// One file to render.
#[derive(Debug, Clone, Copy)]
enum Job {
    CargoToml,
    LibRs,
    Runtime,
    RuntimeFormats,
    RuntimeHttp,
    RuntimeBatch,
    ModelsMod,
    Model(usize),
    EnumsMod,
    Enum(usize),
    ClientMod,
    ClientPage(usize),
    ExamplesMain,
    ExamplesPage(usize),
}

impl Job {
    fn render(self, plan: &plan::Plan<'_>) -> Result<GeneratedFile, EmitError> {
        match self {
            Job::CargoToml => crate_files::cargo_toml(),
            Job::LibRs => crate_files::lib_rs(),
            Job::Runtime => Ok(crate_files::runtime_rs()),
            Job::RuntimeFormats => Ok(crate_files::runtime_formats_rs()),
            Job::RuntimeHttp => Ok(crate_files::runtime_http_rs()),
            Job::RuntimeBatch => Ok(crate_files::runtime_batch_rs()),
            Job::ModelsMod => crate_files::models_mod(plan),
            Job::Model(i) => models::model_file(plan, i),
            Job::EnumsMod => crate_files::enums_mod(plan),
            Job::Enum(i) => enums::enum_file(plan, i),
            Job::ClientMod => crate_files::client_mod(plan),
            Job::ClientPage(i) => client::client_file(plan, &plan.client_pages[i]),
            Job::ExamplesMain => examples::main_file(plan),
            Job::ExamplesPage(i) => examples::page_file(plan, &plan.example_pages[i]),
        }
    }
}

/// Emits the SDK crate for `ir`: every file with its path relative to the output folder,
/// sorted by path.
pub fn emit(ir: &Ir) -> Result<Vec<GeneratedFile>, EmitError> {
    emit_timed(ir, None).map(|(files, _)| files)
}

/// [`emit`], with a cache of laid-out files, also telling where the time went.
pub fn emit_timed(ir: &Ir, cache: Option<&FormatCache>) -> Result<(Vec<GeneratedFile>, EmitTimings), EmitError> {
    let checked = checked_of(ir);
    let tested = plan_tests(ir, &checked);
    emit_planned(make_plan(ir), &checked, tested, cache)
}

/// The examples that become tests, named and grouped into test files: the part of the plan that
/// needs validation's findings, and only those and the IR.
pub(crate) fn plan_tests(ir: &Ir, checked: &[Checked]) -> plan::TestedExamples {
    plan::TestedExamples::of(ir, checked)
}

/// Renders every file of a plan made by [`make_plan`], given what validation settled about each
/// example of its IR (in the IR's order) and the tests [`plan_tests`] made of them.
pub(crate) fn emit_planned<'ir>(
    planned: Planned<'ir>,
    checked: &'ir [Checked],
    tested: plan::TestedExamples,
    cache: Option<&FormatCache>,
) -> Result<(Vec<GeneratedFile>, EmitTimings), EmitError> {
    let t0 = Instant::now();
    let mut plan = planned.plan.with_examples(checked, tested);
    plan.cache = cache;
    let mut jobs = vec![
        Job::CargoToml,
        Job::LibRs,
        Job::Runtime,
        Job::RuntimeFormats,
        Job::RuntimeHttp,
        Job::RuntimeBatch,
        Job::ModelsMod,
        Job::EnumsMod,
        Job::ClientMod,
        Job::ExamplesMain,
    ];
    jobs.extend((0..plan.structs.len()).map(Job::Model));
    jobs.extend((0..plan.enums.len()).map(Job::Enum));
    jobs.extend((0..plan.client_pages.len()).map(Job::ClientPage));
    jobs.extend((0..plan.example_pages.len()).map(Job::ExamplesPage));

    // Each job runs wholly on one thread (rendering a file never waits on rayon), so the
    // thread-local format time read after a job is that job's own.
    let rendered: Vec<(Result<GeneratedFile, EmitError>, Duration, render::FormatTime)> = jobs
        .par_iter()
        .with_max_len(crate::PIECE)
        .map(|job| {
            let start = Instant::now();
            render::take_format_time();
            let file = job.render(&plan);
            (file, start.elapsed(), render::take_format_time())
        })
        .collect();
    let t2 = Instant::now();
    let mut files = Vec::with_capacity(rendered.len());
    let mut errors = Vec::new();
    let (mut cpu, mut parse, mut unparse) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for (r, spent, format) in rendered {
        cpu += spent;
        parse += format.parse;
        unparse += format.unparse;
        match r {
            Ok(file) => files.push(file),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        errors.sort_by(|a, b| (&a.file, &a.template).cmp(&(&b.file, &b.template)));
        return Err(errors.swap_remove(0));
    }
    // The plan is freed beside the sort: about 1 ms each, on one thread each.
    rayon::join(|| files.sort_by(|a, b| a.path.cmp(&b.path)), move || drop(plan));
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let timings = EmitTimings {
        plan_ms: planned.ms,
        files_ms: ms(t2 - t0),
        files_cpu_ms: ms(cpu),
        syn_parse_cpu_ms: ms(parse),
        unparse_cpu_ms: ms(unparse),
    };
    Ok((files, timings))
}
