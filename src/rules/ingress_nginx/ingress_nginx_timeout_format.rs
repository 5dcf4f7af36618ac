//! ING002 ingress-nginx-timeout-format: see `rules/ING002.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::Workspace;
use crate::parse::yaml::ScalarStyle;
use crate::rules::support::diagnostic;
use crate::rules::Rule;

use super::{controller, Controller, PREFIX};
use crate::model::k8s;

pub struct IngressNginxTimeoutFormat;

impl Rule for IngressNginxTimeoutFormat {
    fn id(&self) -> &'static str {
        "ING002"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for ingress in ws.of_kind("Ingress") {
            // Read by another controller: ING005 says the annotation is ignored altogether.
            match controller(ws, ingress) {
                Controller::F5 => continue,
                Controller::Gke if k8s::ingress_class(ingress).annotation.is_some() => continue,
                _ => {}
            }
            for entry in ingress.annotations() {
                let Some(key) = entry.key.as_str() else {
                    continue;
                };
                let Some(name) = key.strip_prefix(PREFIX) else {
                    continue;
                };
                if !name.ends_with("-timeout") {
                    continue;
                }
                let Some(scalar) = entry.value.scalar() else {
                    continue;
                };
                let text = scalar.text.trim();
                let plain = scalar.style == ScalarStyle::Plain;
                let numeric = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
                let identity = format!("{}/metadata/annotations/{key}", ingress.identity());
                if plain && entry.value.as_i64().is_some() {
                    // A YAML number: annotations are strings, the API server
                    // rejects the object.
                    let d = diagnostic(
                        self.id(),
                        ingress.location(entry.value.span),
                        format!("annotation `{key}` is the number `{text}`, not a string: the API server rejects the Ingress"),
                    )
                    .with_label("unquoted: a YAML number")
                    .with_note("annotation values must be strings; a number fails validation when the Ingress is applied")
                    .with_help(format!("quote it: `\"{text}\"`"))
                    .with_identity(identity);
                    out.push(d);
                    continue;
                }
                if numeric || text.is_empty() || text.starts_with('{') || text.contains("{{") {
                    continue;
                }
                let digits = text.trim_end_matches('s');
                let fix = (text.ends_with('s')
                    && !text.ends_with("ms")
                    && !digits.is_empty()
                    && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| digits.to_string());
                let mut d = diagnostic(
                    self.id(),
                    ingress.location(entry.value.span),
                    format!("annotation `{key}` is `\"{text}\"`, not a number of seconds: ingress-nginx ignores it and keeps its default"),
                )
                .with_label("ingress-nginx reads a plain number of seconds")
                .with_note("ingress-nginx parses timeout annotations as an integer number of seconds; a value with a unit fails to parse and the default (60 s for read and send) applies, silently")
                .with_help(match &fix {
                    Some(n) => format!("write `\"{n}\"`"),
                    None => "write the number of seconds as a quoted string, e.g. `\"3600\"`".to_string(),
                })
                .with_identity(identity);
                if let Some(n) = fix {
                    let quoted = match scalar.style {
                        ScalarStyle::SingleQuoted => format!("'{n}'"),
                        ScalarStyle::DoubleQuoted => format!("\"{n}\""),
                        _ => format!("\"{n}\""),
                    };
                    if matches!(
                        scalar.style,
                        ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
                    ) {
                        d = d.with_fix(Fix::new(
                            format!("write `\"{n}\"`"),
                            Applicability::Safe,
                            vec![Edit::replace(ingress.file, entry.value.span, quoted)],
                        ));
                    }
                }
                out.push(d);
            }
        }
    }
}
