//! `cargo xtask regenerate`: runs the pipeline and brings the output folder up to date, or, under
//! `--check`, tells how it is out of date.
//!
//! Writing follows rust-analyzer's `ensure_file_contents`: only files whose content changed are
//! written, generated files that are no longer produced are removed, and nothing is ever written
//! outside the output folder. All new contents are first written to temporary files beside
//! their targets; only when every one of them is written are they renamed into place, so a
//! failure (a full disk, a read-only folder) leaves the previous output as it was. Files the
//! folder's stamps vouch for are not read back (see [`crate::stamps`]).

use crate::args::Args;
use crate::render;
use crate::stamps::{self, Stamps, Stat};
use docgen::GeneratedFile;
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

/// What a generated file's first line contains; only such files are ever removed as stale.
pub const MARKER: &str = docgen::GENERATED_MARKER;

pub fn run(args: &Args) -> Result<u8, String> {
    let root = crate::project_root();
    let docs = args.path("docs").unwrap_or_else(|| root.join("docs"));
    let out = args.path("out").unwrap_or_else(|| root.join("generated"));
    let check = args.flag("check");

    let t0 = Instant::now();
    let sources =
        docgen::read_docs(&docs).map_err(|e| format!("cannot read the docs folder {}: {e}", docs.display()))?;
    if sources.is_empty() {
        return Err(format!("no markdown pages found in {}", docs.display()));
    }
    let read_ms = t0.elapsed().as_secs_f64() * 1000.0;
    // Laid-out files of earlier runs: with them only changed files go through syn and
    // prettyplease again. `--no-format-cache` lays out everything.
    let use_cache = !args.flag("no-format-cache");
    let (output, cache) = docgen::generate_loading(&sources, || {
        use_cache.then(|| docgen::emit::FormatCache::load(&crate::format_cache_path(), crate::build_salt()))
    });
    let mut output = output.map_err(|e| format!("generator bug: {e}"))?;
    output.timings.read = read_ms;
    if let Some(cache) = &cache {
        // A cache that cannot be saved only makes the next run slower.
        if let Err(e) = cache.save(&crate::format_cache_path()) {
            eprintln!("warning: cannot save the format cache: {e}");
        }
    }
    for f in &output.files {
        safe_relative(&f.path).map_err(|e| format!("generator bug: refusing to write `{}`: {e}", f.path))?;
    }

    let t_write = Instant::now();
    let plan = plan(&out, &output.files)?;
    let mut exit = 0;
    if check {
        if plan.is_empty() {
            eprintln!("{} is up to date with {}", render::display_path(&out), render::display_path(&docs));
        } else {
            print!("{}", plan.diff(&output.files));
            let how = fix_command(&root, &docs, &out);
            eprintln!(
                "error: {} is out of date with {}: {} file(s) differ",
                render::display_path(&out),
                render::display_path(&docs),
                plan.len()
            );
            eprintln!("help: run `{how}` and commit the result");
            exit = 1;
        }
    } else {
        plan.apply(&out, &output.files)?;
    }
    let write_ms = t_write.elapsed().as_secs_f64() * 1000.0;
    output.timings.total = t0.elapsed().as_secs_f64() * 1000.0;

    if let Some(path) = args.path("ir") {
        let json = serde_json::to_string_pretty(&output.ir).map_err(|e| e.to_string())?;
        write_whole(&path, &(json + "\n"))?;
    }
    if let Some(path) = args.path("report") {
        let report = render::report(&output, sources.len(), write_ms);
        write_whole(&path, &(serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n"))?;
    }
    if !args.flag("quiet") {
        let sources_by_path = sources.iter().map(|s| (s.path.as_str(), s.text.as_str())).collect();
        render::print_diagnostics(&output.diagnostics, &sources_by_path, &docs);
    }
    let summary = render::summary(&output, sources.len());
    let changed = if check {
        String::new()
    } else {
        format!("; {} file(s) written, {} removed", plan.writes.len(), plan.removals.len())
    };
    eprintln!("{summary}{changed}");
    // The process ends when this returns. Freeing the crate's files, the IR, the pages and the
    // cache one allocation at a time would only delay the exit (about 5 ms on graph-v1.0), so
    // they are left to the operating system, as compilers do with their arenas.
    std::mem::forget((output, sources, cache, plan));
    Ok(exit)
}

/// The command that brings `out` up to date, spelled with the options the user gave.
fn fix_command(root: &Path, docs: &Path, out: &Path) -> String {
    let mut cmd = String::from("cargo xtask regenerate");
    if docs != root.join("docs") {
        cmd.push_str(&format!(" --docs {}", docs.display()));
    }
    if out != root.join("generated") {
        cmd.push_str(&format!(" --out {}", out.display()));
    }
    cmd
}

/// Rejects absolute paths and `..`: the generator only ever writes below the output folder.
fn safe_relative(p: &str) -> Result<(), String> {
    let path = Path::new(p);
    if p.is_empty() || path.is_absolute() {
        return Err("not a relative path".into());
    }
    for c in path.components() {
        if !matches!(c, Component::Normal(_)) {
            return Err("the path leaves the output folder".into());
        }
    }
    Ok(())
}

/// A generated file to write: its index among the generated files, and the contents it replaces
/// (`None` when it is new).
pub type Write = (usize, Option<String>);

/// The difference between the output folder and what the generator produced.
#[derive(Debug, Default)]
pub struct Plan {
    /// Indexes into the generated files that are missing or differ, with the old contents.
    pub writes: Vec<Write>,
    /// Generated files on disk that are no longer produced, with their contents.
    pub removals: Vec<(String, String)>,
    /// Per generated file: the hash of its contents, and its metadata when the file on disk
    /// already holds them. [`Plan::apply`] records both as the folder's new stamps.
    known: Vec<(u128, Option<Stat>)>,
    /// Whether the stamps need writing again.
    restamp: bool,
    /// How many files the stamps vouched for, so that they were not read.
    pub vouched: usize,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty() && self.removals.is_empty()
    }

    pub fn len(&self) -> usize {
        self.writes.len() + self.removals.len()
    }

    /// A unified diff per stale, missing or extra file, paths relative to the output folder.
    pub fn diff(&self, files: &[GeneratedFile]) -> String {
        let mut s = String::new();
        for (i, old) in &self.writes {
            let f = &files[*i];
            let old_text = old.as_deref().unwrap_or("");
            let a = if old.is_some() { format!("a/{}", f.path) } else { "/dev/null".to_string() };
            s.push_str(&unified(old_text, &f.contents, &a, &format!("b/{}", f.path)));
        }
        for (path, old) in &self.removals {
            s.push_str(&unified(old, "", &format!("a/{path}"), "/dev/null"));
        }
        s
    }

    /// Writes every changed file through a temporary file, renames them all into place, then
    /// removes stale files. Into a folder that does not exist yet, everything is written into a
    /// temporary sibling folder that is renamed into place at the end: one rename instead of one
    /// per file, and still nothing half-written if a write fails.
    pub fn apply(&self, out: &Path, files: &[GeneratedFile]) -> Result<(), String> {
        if !out.exists() && self.removals.is_empty() {
            // No stamps for a new folder: looking up every file just written would slow the
            // first run for the second's sake. The second run reads every file, as it would
            // have without stamps, and records them then.
            return self.apply_fresh(out, files);
        }
        self.apply_in_place(out, files)?;
        self.stamp(out, files);
        Ok(())
    }

    /// Records what the folder now holds, for the next run to trust without reading.
    fn stamp(&self, out: &Path, files: &[GeneratedFile]) {
        if !self.restamp && self.is_empty() {
            return;
        }
        // Only files read and found equal, or vouched for, are recorded, with the metadata taken
        // before their contents were read: a change after that moves their change time. A file
        // just written is left for the next run to read and record, rather than looked up now,
        // after every write, when something else (a formatter watching the folder) could have
        // changed it since. A file that holds other bytes than ours (CRLF line ends) has no
        // metadata here either.
        let entries: Vec<(&str, u128, Stat)> = files
            .iter()
            .zip(&self.known)
            .filter_map(|(f, &(hash, stat))| stat.map(|s| (f.path.as_str(), hash, s)))
            .collect();
        // Stamps that cannot be written only make the next run read every file; old ones
        // cannot vouch for the files just replaced, whose inodes and times are new.
        if let Err(e) = stamps::save(out, &entries) {
            stamps::clear(out);
            eprintln!("warning: cannot record the output's stamps in {}: {e}", out.display());
        }
    }

    fn apply_in_place(&self, out: &Path, files: &[GeneratedFile]) -> Result<(), String> {
        std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        let targets: Vec<PathBuf> = self.writes.iter().map(|(i, _)| out.join(&files[*i].path)).collect();
        create_parents(&targets)?;
        // Files are written on every core: on the Graph corpus that is 4,600 files, and the
        // file system's own work per file is most of the time.
        let results: Vec<Result<PathBuf, String>> = self
            .writes
            .par_iter()
            .with_max_len(docgen::PIECE)
            .zip(&targets)
            .map(|((i, _), target)| {
                let tmp = temp_name(target);
                match std::fs::write(&tmp, &files[*i].contents) {
                    Ok(()) => Ok(tmp),
                    Err(e) => {
                        let _ = std::fs::remove_file(&tmp);
                        Err(format!("cannot write {}: {e}; nothing was changed", target.display()))
                    }
                }
            })
            .collect();
        let staged: Vec<(PathBuf, PathBuf)> = results
            .iter()
            .zip(&targets)
            .filter_map(|(r, t)| r.as_ref().ok().map(|tmp| (tmp.clone(), t.clone())))
            .collect();
        if let Some(Err(e)) = results.into_iter().find(|r| r.is_err()) {
            for (tmp, _) in &staged {
                let _ = std::fs::remove_file(tmp);
            }
            return Err(e);
        }
        for (k, (tmp, target)) in staged.iter().enumerate() {
            if let Err(e) = std::fs::rename(tmp, target) {
                for (tmp, _) in &staged[k..] {
                    let _ = std::fs::remove_file(tmp);
                }
                return Err(format!("cannot replace {}: {e}", target.display()));
            }
        }
        let mut dirs = BTreeSet::new();
        for (path, _) in &self.removals {
            let p = out.join(path);
            std::fs::remove_file(&p).map_err(|e| format!("cannot remove stale {}: {e}", p.display()))?;
            if let Some(d) = p.parent() {
                dirs.insert(d.to_path_buf());
            }
        }
        // Folders emptied by removals go too (deepest first); `remove_dir` keeps non-empty ones.
        for d in dirs.into_iter().rev() {
            if d.starts_with(out) && d != out {
                let _ = std::fs::remove_dir(&d);
            }
        }
        Ok(())
    }

    /// [`Plan::apply`] into a folder that does not exist: all files go into a temporary sibling
    /// folder, renamed to `out` once every file is written.
    fn apply_fresh(&self, out: &Path, files: &[GeneratedFile]) -> Result<(), String> {
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let staging = out.with_file_name(format!(".{name}.regenerate-tmp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        let targets: Vec<PathBuf> = self.writes.iter().map(|(i, _)| staging.join(&files[*i].path)).collect();
        let written = create_parents(&targets).and_then(|()| {
            self.writes.par_iter().with_max_len(docgen::PIECE).zip(&targets).try_for_each(|((i, _), target)| {
                std::fs::write(target, &files[*i].contents)
                    .map_err(|e| format!("cannot write {}: {e}; nothing was changed", target.display()))
            })
        });
        let renamed = written.and_then(|()| {
            std::fs::rename(&staging, out).map_err(|e| format!("cannot move the output into {}: {e}", out.display()))
        });
        if renamed.is_err() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        renamed
    }
}

/// Creates the folders the files go into, each once.
fn create_parents(targets: &[PathBuf]) -> Result<(), String> {
    let dirs: BTreeSet<&Path> = targets.iter().filter_map(|t| t.parent()).collect();
    for d in dirs {
        std::fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }
    Ok(())
}

fn temp_name(target: &Path) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    target.with_file_name(format!(".{name}.regenerate-tmp"))
}

/// Compares the output folder with the generated files. A file whose stamp (see
/// [`crate::stamps`]) vouches for it is not read back; every other one is.
pub fn plan(out: &Path, files: &[GeneratedFile]) -> Result<Plan, String> {
    let mut plan = Plan::default();
    // A folder that does not exist yet holds nothing to compare with.
    if !out.exists() {
        plan.writes = (0..files.len()).map(|i| (i, None)).collect();
        return Ok(plan);
    }
    let stamps = Stamps::load(out);
    // Reading back thousands of files is system-call bound, as writing them is: both cores
    // share it, and listing the folder for stale files goes alongside. The result keeps the
    // files' order, so the plan does not depend on scheduling.
    let (compared, removals) = rayon::join(
        || {
            files
                .par_iter()
                .with_max_len(docgen::PIECE)
                .enumerate()
                .map(|(i, f)| compare(out, &stamps, i, f))
                .collect::<Vec<_>>()
        },
        || stale_files(out, files),
    );
    for c in compared {
        let c = c?;
        plan.writes.extend(c.write);
        plan.known.push((c.hash, c.stat));
        plan.vouched += usize::from(c.vouched);
    }
    // The stamps are rewritten unless they vouched for exactly the files of this run.
    plan.restamp = plan.vouched != files.len() || stamps.len() != files.len();
    plan.removals = removals?;
    Ok(plan)
}

/// What [`plan`] learns of one generated file.
struct Compared {
    write: Option<Write>,
    hash: u128,
    /// The file's metadata, when the file on disk holds exactly the generated contents.
    stat: Option<Stat>,
    /// Whether its stamp vouched for it, so that it was not read.
    vouched: bool,
}

fn compare(out: &Path, stamps: &Stamps, i: usize, f: &GeneratedFile) -> Result<Compared, String> {
    let path = out.join(&f.path);
    let hash = stamps::hash(&f.contents);
    // The usual case after an earlier run: one `stat`, no reading.
    if stamps.has(&f.path)
        && let Some(now) = std::fs::metadata(&path).ok().and_then(|m| Stat::of(&m))
        && stamps.vouch(&f.path, &now) == Some(hash)
    {
        return Ok(Compared { write: None, hash, stat: Some(now), vouched: true });
    }
    let read = std::fs::File::open(&path).and_then(|mut file| {
        use std::io::Read;
        let meta = file.metadata()?;
        let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
        file.read_to_end(&mut bytes)?;
        Ok((bytes, Stat::of(&meta)))
    });
    let (write, stat) = match read {
        // The common case, compared without copying.
        Ok((bytes, stat)) if bytes == f.contents.as_bytes() => (None, stat),
        Ok((bytes, _)) => {
            let old = String::from_utf8_lossy(&bytes).into_owned();
            // Line endings are normalised so a checkout with CRLF does not count as drift. Such
            // a file holds other bytes than ours, so it gets no stamp.
            ((old.replace("\r\n", "\n") != f.contents).then_some((i, Some(old))), None)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Some((i, None)), None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    Ok(Compared { write, hash, stat, vouched: false })
}

/// Generated files in `out` that are not among `files`, sorted, with their contents. Files
/// without the generated marker are someone's own and never listed.
fn stale_files(out: &Path, files: &[GeneratedFile]) -> Result<Vec<(String, String)>, String> {
    let wanted: FxHashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut existing = Vec::new();
    walk(out, "", &mut existing).map_err(|e| format!("cannot list {}: {e}", out.display()))?;
    existing.retain(|rel| !wanted.contains(rel.as_str()));
    existing.sort();
    let mut stale = Vec::new();
    for rel in existing {
        let Ok(text) = std::fs::read_to_string(out.join(&rel)) else { continue };
        if text.lines().next().is_some_and(|l| l.contains(MARKER)) {
            stale.push((rel, text));
        }
    }
    Ok(stale)
}

/// Every file below `dir` except build output and VCS folders, as `/`-separated relative paths.
fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if entry.file_type()?.is_dir() {
            if name == "target" || name.starts_with('.') {
                continue;
            }
            walk(&entry.path(), &format!("{prefix}{name}/"), out)?;
        } else {
            out.push(format!("{prefix}{name}"));
        }
    }
    Ok(())
}

fn unified(old: &str, new: &str, a: &str, b: &str) -> String {
    similar::TextDiff::from_lines(old, new).unified_diff().context_radius(3).header(a, b).to_string()
}

/// Writes a file that is not part of the generated tree (a report, the IR).
fn write_whole(path: &Path, text: &str) -> Result<(), String> {
    if let Some(d) = path.parent()
        && !d.as_os_str().is_empty()
    {
        std::fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str) -> GeneratedFile {
        GeneratedFile { path: path.into(), contents: contents.into() }
    }

    fn tmpdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("xtask-regen-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn writes_only_changes_and_removes_only_generated_stale_files() {
        let out = tmpdir("apply");
        let header = format!("// {MARKER} from x.md\n");
        let files = vec![file("src/a.rs", &format!("{header}a\n")), file("src/b.rs", &format!("{header}b\n"))];
        let p = plan(&out, &files).unwrap();
        assert_eq!(p.writes.len(), 2);
        p.apply(&out, &files).unwrap();
        assert!(plan(&out, &files).unwrap().is_empty());

        // A hand-written file and a stale generated one.
        std::fs::write(out.join("src/keep.rs"), "mine\n").unwrap();
        std::fs::create_dir_all(out.join("src/old")).unwrap();
        std::fs::write(out.join("src/old/stale.rs"), format!("{header}old\n")).unwrap();
        let files2 = vec![file("src/a.rs", &format!("{header}a2\n"))];
        let p = plan(&out, &files2).unwrap();
        assert_eq!(p.writes.len(), 1);
        let removed: Vec<&str> = p.removals.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(removed, ["src/b.rs", "src/old/stale.rs"]);
        let diff = p.diff(&files2);
        assert!(diff.contains("--- a/src/a.rs") && diff.contains("+++ b/src/a.rs") && diff.contains("+a2"));
        assert!(diff.contains("--- a/src/old/stale.rs"));
        p.apply(&out, &files2).unwrap();
        assert!(out.join("src/keep.rs").exists());
        assert!(!out.join("src/old").exists());
        assert!(plan(&out, &files2).unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&out);
    }

    #[test]
    fn stamps_spare_reading_unchanged_files_but_never_hide_an_edit() {
        use std::io::{Seek, Write as _};
        let out = tmpdir("stamps");
        let header = format!("// {MARKER} from x.md\n");
        let files = vec![file("src/a.rs", &format!("{header}a\n")), file("src/b.rs", &format!("{header}b\n"))];
        plan(&out, &files).unwrap().apply(&out, &files).unwrap();
        // Files written in the same clock tick as their stamps are racy and read again, so the
        // stamps are written again a little later, after which they vouch for both.
        for _ in 0..3 {
            std::thread::sleep(std::time::Duration::from_millis(30));
            let p = plan(&out, &files).unwrap();
            assert!(p.is_empty());
            p.apply(&out, &files).unwrap();
        }
        assert_eq!(plan(&out, &files).unwrap().vouched, 2);
        assert!(out.join(".docgen/stamps").exists(), "the stamps are in the output folder");

        // An edit in place that keeps the size and puts the modification time back still
        // changes the file's change time, so the stamp no longer vouches and the edit is seen.
        let path = out.join("src/a.rs");
        let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
        let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.seek(std::io::SeekFrom::End(-2)).unwrap();
        f.write_all(b"z\n").unwrap();
        f.set_modified(mtime).unwrap();
        drop(f);
        let p = plan(&out, &files).unwrap();
        assert_eq!(p.vouched, 1);
        assert_eq!(p.writes.len(), 1, "the edited file is rewritten");
        assert_eq!(p.diff(&files).matches("+a").count(), 1);
        p.apply(&out, &files).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), files[0].contents);
        // The file just written has no stamp yet: the next run reads it and records it.
        std::thread::sleep(std::time::Duration::from_millis(30));
        let p = plan(&out, &files).unwrap();
        assert!(p.is_empty() && p.vouched == 1);
        p.apply(&out, &files).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(30));
        assert_eq!(plan(&out, &files).unwrap().vouched, 2);

        // A stamps file that is damaged only means reading again; the stamps folder is never
        // taken for a stale generated file.
        std::fs::write(out.join(".docgen/stamps"), "docgen-stamps 1\nnonsense\n").unwrap();
        let p = plan(&out, &files).unwrap();
        assert!(p.is_empty() && p.vouched == 0);
        let _ = std::fs::remove_dir_all(&out);
    }

    #[test]
    fn a_new_folder_gets_its_stamps_on_the_next_run() {
        let out = tmpdir("fresh").join("new");
        let files = vec![file("src/a.rs", &format!("// {MARKER} from x.md\na\n"))];
        plan(&out, &files).unwrap().apply(&out, &files).unwrap();
        assert!(!out.join(".docgen").exists(), "writing a new folder looks nothing up");
        let p = plan(&out, &files).unwrap();
        assert!(p.is_empty() && p.vouched == 0);
        p.apply(&out, &files).unwrap();
        assert!(out.join(".docgen/stamps").exists());
        let _ = std::fs::remove_dir_all(out.parent().unwrap());
    }

    #[test]
    fn refuses_paths_outside_the_output() {
        assert!(safe_relative("src/a.rs").is_ok());
        assert!(safe_relative("../a.rs").is_err());
        assert!(safe_relative("/etc/passwd").is_err());
        assert!(safe_relative("src/../../a").is_err());
        assert!(safe_relative("").is_err());
    }
}
