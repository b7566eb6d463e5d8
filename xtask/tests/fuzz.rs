//! `cargo xtask fuzz` end to end: a short seeded run over the default docs finds nothing, and
//! bad options are usage errors. (Longer runs are for people: `cargo xtask fuzz --runs 100000`.)

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn fuzz(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("fuzz")
        .args(args)
        .current_dir(root())
        .output()
        .expect("the xtask binary runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_short_seeded_run_over_the_docs_finds_nothing() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-cases");
    let (status, stderr) = fuzz(&["--docs", "docs", "--runs", "40", "--seed", "3", "--out", out.to_str().unwrap()]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stderr.contains("40 damaged page set(s)") && stderr.contains("seed 3: no panic"), "{stderr}");
    assert!(!out.exists(), "nothing to report, nothing written");
}

#[test]
fn bad_options_are_usage_errors() {
    for args in [vec!["--runs", "many"], vec!["--seed", "-1"], vec!["--docs", "no/such/folder"], vec!["--stray"]] {
        let (status, stderr) = fuzz(&args);
        assert_eq!(status, 2, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
}
