//! The README's first command lints `examples/socketio-gke/broken`: it must find the incident,
//! and the fixed version must be clean.

mod common;

use common::*;
use std::path::Path;

#[test]
fn broken_example_shows_the_incident() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, stdout, _) = run_in(
        root,
        &["--format", "concise", "examples/socketio-gke/broken"],
    );
    assert_eq!(code, 1);
    for rule in [
        "GKE002", "GKE005", "GKE013", "GKE016", "NGX001", "NGX003", "NGX009",
    ] {
        assert!(stdout.contains(rule), "{rule} missing from:\n{stdout}");
    }
}

#[test]
fn fixed_example_is_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, stdout, _) = run_in(
        root,
        &["--format", "concise", "examples/socketio-gke/fixed"],
    );
    assert_eq!(code, 0, "{stdout}");
}
