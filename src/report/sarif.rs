//! SARIF 2.1.0 (<https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>), with our
//! own serde structs: one run, every registry rule in `tool.driver.rules`, relative URIs under
//! `%SRCROOT%` with `originalUriBaseIds`, related locations, fixes, suppressions and
//! `partialFingerprints`.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use super::{fingerprint, relative_path, ReportContext};
use crate::diagnostic::{Diagnostic, Level, Location};
use crate::registry::{RuleMeta, RULES};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/lint-manifests/lint-manifests";
const SRCROOT: &str = "%SRCROOT%";
/// Key of our entry in `partialFingerprints`.
pub(crate) const FINGERPRINT_KEY: &str = "lintManifests/v1";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text<'a>,
    full_description: Text<'a>,
    help: Help<'a>,
    help_uri: String,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct OwnedText {
    text: String,
}

#[derive(Serialize)]
struct Help<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    tags: [&'a str; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: OwnedText,
    locations: [ResultLocation; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<ResultLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<OwnedText>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: OwnedText,
    artifact_changes: Vec<ArtifactChange>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: OwnedText,
}

#[derive(Serialize)]
struct Suppression<'a> {
    kind: &'static str,
    justification: &'a str,
}

fn level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "note",
    }
}

fn rule(meta: &RuleMeta) -> Rule<'_> {
    Rule {
        id: meta.id,
        name: meta.name,
        short_description: Text {
            text: meta.summary(),
        },
        full_description: Text {
            text: meta.section("What it does").unwrap_or(meta.summary()),
        },
        help: Help {
            text: meta.doc,
            markdown: meta.doc,
        },
        help_uri: format!("{INFORMATION_URI}/blob/main/rules/{}.md", meta.id),
        default_configuration: Configuration {
            level: level(meta.level),
        },
        properties: RuleProperties {
            tags: [meta.category.as_str()],
        },
    }
}

fn artifact_location(location: Location, ctx: &ReportContext) -> ArtifactLocation {
    match ctx.file(location) {
        Some(file) => {
            let path = relative_path(&file.path, ctx.base_dir);
            if Path::new(&path).is_absolute() || path.starts_with("../") || path == ".." {
                // Outside the base directory: an absolute file URI.
                match std::path::absolute(&file.path) {
                    Ok(absolute) => ArtifactLocation {
                        uri: file_uri(&absolute, false),
                        uri_base_id: None,
                    },
                    Err(_) => ArtifactLocation {
                        uri: percent_encode_path(&path),
                        uri_base_id: None,
                    },
                }
            } else {
                ArtifactLocation {
                    uri: percent_encode_path(&path),
                    uri_base_id: Some(SRCROOT),
                }
            }
        }
        None => ArtifactLocation {
            uri: format!("unknown-file-{}", location.file.0),
            uri_base_id: Some(SRCROOT),
        },
    }
}

fn region(location: Location, ctx: &ReportContext) -> Region {
    let (start, end) = ctx.range(location);
    Region {
        start_line: start.line,
        start_column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

fn physical_location(location: Location, ctx: &ReportContext) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: artifact_location(location, ctx),
        region: region(location, ctx),
    }
}

fn result<'a>(diagnostic: &'a Diagnostic, ctx: &ReportContext) -> SarifResult<'a> {
    let related_locations = diagnostic
        .related
        .iter()
        .enumerate()
        .map(|(index, related)| ResultLocation {
            id: Some(index + 1),
            physical_location: physical_location(related.location, ctx),
            message: Some(OwnedText {
                text: related.message.clone(),
            }),
        })
        .collect();
    let fixes = diagnostic
        .fix
        .iter()
        .map(|fix| {
            // One artifactChange per file, in the order the files first appear.
            let mut changes: Vec<(u32, ArtifactChange)> = Vec::new();
            for edit in &fix.edits {
                let location = Location::new(edit.file, edit.span);
                let replacement = Replacement {
                    deleted_region: region(location, ctx),
                    inserted_content: OwnedText {
                        text: edit.replacement.clone(),
                    },
                };
                match changes.iter_mut().find(|(file, _)| *file == edit.file.0) {
                    Some((_, change)) => change.replacements.push(replacement),
                    None => changes.push((
                        edit.file.0,
                        ArtifactChange {
                            artifact_location: artifact_location(location, ctx),
                            replacements: vec![replacement],
                        },
                    )),
                }
            }
            SarifFix {
                description: OwnedText {
                    text: format!("{} ({})", fix.title, fix.applicability.as_str()),
                },
                artifact_changes: changes.into_iter().map(|(_, change)| change).collect(),
            }
        })
        .collect();
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\n\nhelp: ");
        message.push_str(help);
    }
    SarifResult {
        rule_id: diagnostic.rule,
        rule_index: RULES.iter().position(|meta| meta.id == diagnostic.rule),
        level: level(diagnostic.level),
        message: OwnedText { text: message },
        locations: [ResultLocation {
            id: None,
            physical_location: physical_location(diagnostic.primary, ctx),
            message: diagnostic.label.clone().map(|text| OwnedText { text }),
        }],
        related_locations,
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint(diagnostic, ctx))]),
        fixes,
        suppressions: diagnostic
            .suppressed
            .iter()
            .map(|justification| Suppression {
                kind: "inSource",
                justification,
            })
            .collect(),
    }
}

pub(super) fn emit(
    diagnostics: &[Diagnostic],
    ctx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let base = std::path::absolute(ctx.base_dir).unwrap_or_else(|_| ctx.base_dir.to_path_buf());
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "lint-manifests",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: RULES.iter().map(rule).collect(),
                },
            },
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                ArtifactLocation {
                    uri: file_uri(&base, true),
                    uri_base_id: None,
                },
            )]),
            column_kind: "unicodeCodePoints",
            results: ctx.visible(diagnostics).map(|d| result(d, ctx)).collect(),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// A `file://` URI for an absolute path (`file:///C:/...` on Windows), with a trailing slash
/// for directories.
pub(crate) fn file_uri(path: &Path, directory: bool) -> String {
    let mut text = path.to_string_lossy().into_owned();
    if cfg!(windows) {
        text = text.replace('\\', "/");
    }
    let mut uri = String::from("file://");
    if !text.starts_with('/') {
        uri.push('/');
    }
    // Keep a drive letter's colon (`C:`) readable; everything else is encoded.
    let (drive, rest) = match text.as_bytes() {
        [letter, b':', ..] if letter.is_ascii_alphabetic() => text.split_at(2),
        _ => ("", text.as_str()),
    };
    uri.push_str(drive);
    uri.push_str(&percent_encode_path(rest));
    if directory && !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Percent-encode everything in a path except unreserved characters and `/` (RFC 3986).
pub(crate) fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &byte in path.as_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
