//! Output safety end to end, through the binary, with real manifests: a value from a linted
//! file can neither start a GitHub workflow command nor reach the terminal as a raw control
//! sequence.

mod common;

use std::path::Path;

use common::*;

/// A Service whose backend-config annotation names a BackendConfig that does not exist, with
/// a name crafted to break out of the annotation: a `%0A::error::pwned` (what the runner would
/// decode to a line break if `%` were not escaped) and a real line break followed by another
/// workflow command.
const INJECTION: &str = r#"apiVersion: v1
kind: Service
metadata:
  name: chat
  annotations:
    cloud.google.com/neg: '{"ingress": true}'
    cloud.google.com/backend-config: '{"default": "evil%0A::error::pwned\n::warning file=x,line=1::pwned too\r::set-output name=x::y"}'
spec:
  type: ClusterIP
  selector:
    app: chat
  ports:
    - name: http
      port: 80
      targetPort: 3000
"#;

fn repo(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = tmp.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    tmp
}

fn github(dir: &Path) -> String {
    let (code, stdout, stderr) = run_in(dir, &["--format", "github", "."]);
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    stdout
}

/// Every line is one of our annotations (the runner reads a command only at the start of a
/// line, and everything after the second `::` as its message), one line per finding.
fn assert_one_command_per_finding(dir: &Path, stdout: &str) {
    for line in stdout.lines() {
        assert!(
            line.starts_with("::error file=")
                || line.starts_with("::warning file=")
                || line.starts_with("::notice file="),
            "not one of our workflow commands: {line:?}\n{stdout}"
        );
        assert!(!line.contains('\r'), "raw CR in {line:?}");
    }
    let (_, json, _) = run_in(dir, &["--format", "json", "."]);
    let findings: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(stdout.lines().count(), findings.len(), "{stdout}");
}

#[test]
fn an_annotation_cannot_inject_a_workflow_command() {
    let tmp = repo(&[("k8s/service.yaml", INJECTION.as_bytes())]);
    let stdout = github(tmp.path());
    let injected: Vec<&str> = stdout.lines().filter(|l| l.contains("pwned")).collect();
    assert_eq!(
        injected.len(),
        1,
        "the crafted name should show up in exactly one finding line:\n{stdout}"
    );
    let line = injected[0];
    assert!(line.starts_with("::"), "{line}");
    assert!(line.contains("title=GKE008::"), "{line}");
    // `%` escaped first, so the literal `%0A` reaches the log as text, not as a line break.
    assert!(line.contains("evil%250A::error::pwned"), "{line}");
    // The real line break is escaped too; the carriage return, a control character, is
    // dropped before escaping (the log is rendered as a terminal).
    assert!(
        line.contains("%0A::warning file=x,line=1::pwned too"),
        "{line}"
    );
    assert!(
        line.contains("pwned too::set-output") || line.contains("pwned too%0D::set-output"),
        "{line}"
    );
    assert!(!stdout.lines().any(|l| l.starts_with("::error::pwned")));
    assert!(!stdout.lines().any(|l| l.starts_with("::warning file=x")));
    assert!(!stdout.lines().any(|l| l.starts_with("::set-output")));
    assert_one_command_per_finding(tmp.path(), &stdout);
}

#[test]
fn a_real_line_break_in_a_value_cannot_inject_a_workflow_command() {
    // The annotation value itself holds a line break (a double-quoted YAML scalar with `\n`)
    // and a `%0A`; the finding quotes the BackendConfig name it names.
    let manifest = INJECTION.replace(
        r#"'{"default": "evil%0A::error::pwned\n::warning file=x,line=1::pwned too\r::set-output name=x::y"}'"#,
        r#""{\"default\": \"x\"}\n%0A::error::pwned\n::error::pwned again""#,
    );
    let manifest = manifest.replace(
        "name: chat\n",
        "name: \"chat%0A::error::pwned\\n::error::pwned\"\n",
    );
    assert!(manifest.contains("%0A::error::pwned\\n"), "{manifest}");
    let tmp = repo(&[("k8s/service.yaml", manifest.as_bytes())]);
    let stdout = github(tmp.path());
    assert!(
        stdout.contains("pwned"),
        "the crafted values are not quoted:\n{stdout}"
    );
    assert!(
        stdout.contains("chat%250A::error::pwned%0A::error::pwned"),
        "{stdout}"
    );
    assert!(!stdout.lines().any(|l| l.starts_with("::error::")));
    assert_one_command_per_finding(tmp.path(), &stdout);
}

#[test]
fn a_file_name_cannot_inject_workflow_command_properties() {
    // `:` and `,` in a property value are escaped: a file name cannot add properties or end
    // them.
    let tmp = repo(&[(
        "k8s/a,line=999,title=x::y%0A::error::z.yaml",
        INJECTION.as_bytes(),
    )]);
    let stdout = github(tmp.path());
    assert!(!stdout.is_empty());
    for line in stdout.lines() {
        let props = line.split("::").nth(1).unwrap();
        assert!(
            props.contains("a%2Cline=999%2Ctitle=x%3A%3Ay%250A%3A%3Aerror%3A%3Az.yaml"),
            "{line}"
        );
        assert_eq!(props.matches("line=").count(), 2, "{line}"); // line= and endLine=
    }
    assert_one_command_per_finding(tmp.path(), &stdout);
}

/// A manifest with terminal escape sequences: an OSC 8 hyperlink and a screen clear in a
/// value that findings quote, raw ESC and BEL bytes in a comment, a C1 CSI, and a
/// right-to-left override.
fn ansi_manifest() -> Vec<u8> {
    let text = INJECTION.replace(
        "evil%0A::error::pwned\\n::warning file=x,line=1::pwned too\\r::set-output name=x::y",
        "red\\u001b[31mRED\\u001b]8;;http://evil.example\\u0007click\\u001b]8;;\\u0007\\u001b[2J\\u009b1m\\u202etxt",
    );
    // Raw bytes on the line the finding's snippet shows, in a trailing comment.
    let text = text.replace(
        "\\u202etxt\"}'\n",
        "\\u202etxt\"}' # raw: \x1b[2J\x1b]0;title\x07 \u{9b}31m \u{202e}done\n",
    );
    assert!(text.contains('\x1b'));
    text.into_bytes()
}

fn assert_no_raw_control(text: &str) {
    for c in text.chars() {
        assert!(
            c == '\n' || c == '\t' || !(c.is_control() || c == '\u{202e}'),
            "raw control character {:?} reached the output:\n{text}",
            c
        );
    }
}

#[test]
fn ansi_escapes_from_a_manifest_never_reach_the_terminal_raw() {
    let tmp = repo(&[("k8s/service.yaml", &ansi_manifest())]);
    for format in ["human", "concise", "github"] {
        let (code, stdout, stderr) = run_in(tmp.path(), &["--format", format, "."]);
        assert!(code == 0 || code == 1, "{format}: exit {code}: {stderr}");
        assert!(stdout.contains("GKE008"), "{format}: no finding:\n{stdout}");
        assert!(
            stdout.contains("red"),
            "{format}: value not shown:\n{stdout}"
        );
        assert_no_raw_control(&stdout);
        assert_no_raw_control(&stderr);
    }
    // With colour forced, our own SGR sequences are there but none from the file.
    let (_, stdout, _) = run_in(tmp.path(), &["--color", "always", "."]);
    assert!(stdout.contains("\x1b["), "colour was asked for");
    assert!(!stdout.contains("\x1b[2J"));
    assert!(!stdout.contains("\x1b]8;;http://evil"));
    assert!(!stdout.contains("\x1b]0;"));
    assert!(!stdout.contains('\u{9b}'));
    assert!(!stdout.contains('\u{7}'));
}

#[test]
fn a_raw_escape_in_an_unparseable_file_is_stripped_from_the_snippet() {
    // YAML does not allow raw ESC in a plain scalar: the file is a parse finding whose snippet
    // shows the offending line.
    let tmp = repo(&[(
        "k8s/broken.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \x1b[2Jx\x1b]8;;http://evil.example\x07y\n  : [\n",
    )]);
    for format in ["human", "concise", "github"] {
        let (code, stdout, stderr) = run_in(tmp.path(), &["--format", format, "."]);
        assert!(code == 0 || code == 1, "{format}: exit {code}: {stderr}");
        assert!(
            stdout.contains("LM001"),
            "{format}: no parse finding:\n{stdout}"
        );
        assert_no_raw_control(&stdout);
        assert_no_raw_control(&stderr);
    }
}
