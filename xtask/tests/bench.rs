//! The bench's command-line contract on the small default docs: every figure is printed, and
//! `--outside` times whole `regenerate` and `floor` processes.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

#[test]
fn outside_timing_runs_both_processes_and_prints_their_ratio() {
    let docs = root().join("docs");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["bench", "--runs", "2", "--outside", "--docs"])
        .arg(&docs)
        .output()
        .expect("the bench runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "bench failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("outside, whole processes (2 runs each"), "{stdout}");
    assert!(stdout.contains("ratio regenerate/floor: "), "{stdout}");
    let last = stdout.lines().last().unwrap_or("");
    assert!(last.starts_with("bench: total=") && last.contains(" outside_ratio="), "{last}");
}

#[test]
fn floor_reads_the_docs_and_fails_cleanly_without_them() {
    let ok = Command::new(env!("CARGO_BIN_EXE_xtask")).arg("floor").arg("--docs").arg(root().join("docs")).status();
    assert_eq!(ok.expect("floor runs").code(), Some(0));
    let missing = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["floor", "--docs", "no/such/folder"])
        .output()
        .expect("floor runs");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read the docs folder"));
}
