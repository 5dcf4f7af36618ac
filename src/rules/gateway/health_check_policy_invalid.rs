//! GKE103 health-check-policy-invalid: see `rules/GKE103.md`.

use crate::diagnostic::Diagnostic;
use crate::model::Workspace;
use crate::parse::yaml::Node;
use crate::rules::support::diagnostic;
use crate::rules::Rule;

pub struct HealthCheckPolicyInvalid;

/// `config.type` -> the block that configures it (F-41).
const BLOCKS: &[(&str, &str)] = &[
    ("HTTP", "httpHealthCheck"),
    ("HTTPS", "httpsHealthCheck"),
    ("HTTP2", "http2HealthCheck"),
    ("GRPC", "grpcHealthCheck"),
    ("TCP", "tcpHealthCheck"),
];

impl Rule for HealthCheckPolicyInvalid {
    fn id(&self) -> &'static str {
        "GKE103"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for policy in ws.of_kind("HealthCheckPolicy") {
            let Some(default) = policy.node().at(&["spec", "default"]) else {
                continue;
            };
            let id = policy.identity();
            let interval = default.get("checkIntervalSec");
            let timeout = default.get("timeoutSec");
            for (name, node) in [("checkIntervalSec", interval), ("timeoutSec", timeout)] {
                let Some(n) = node else { continue };
                if let Some(v) = n.as_i64().filter(|v| !(1..=300).contains(v)) {
                    out.push(
                        diagnostic(
                            self.id(),
                            policy.location(n.span),
                            format!(
                                "HealthCheckPolicy `{}` sets `{name}: {v}`, outside 1..300",
                                policy.name
                            ),
                        )
                        .with_label("out of range")
                        .with_note(
                            "GKE rejects the policy, so the backend keeps its default health check",
                        )
                        .with_help(format!("set `{name}` between 1 and 300"))
                        .with_identity(format!("{id}/spec/default/{name}")),
                    );
                }
            }
            if let (Some(i), Some(t)) = (
                interval.and_then(Node::as_i64),
                timeout.and_then(Node::as_i64),
            ) {
                if t > i {
                    let at = timeout.expect("read above");
                    out.push(
                        diagnostic(
                            self.id(),
                            policy.location(at.span),
                            format!("HealthCheckPolicy `{}` waits `timeoutSec: {t}` for a probe sent every `checkIntervalSec: {i}`", policy.name),
                        )
                        .with_label("longer than the interval")
                        .with_related(policy.location(interval.expect("read above").span), "the check interval")
                        .with_note("a health check's timeout must not exceed its interval; GKE rejects the policy and the backend keeps its default health check")
                        .with_help("make `timeoutSec` at most `checkIntervalSec`")
                        .with_identity(format!("{id}/spec/default/timeoutSec")),
                    );
                }
            }
            let Some(config) = default.get("config") else {
                continue;
            };
            if let Some(kind) = config.get("type") {
                if let Some(value) = kind.as_str() {
                    if let Some((_, block)) = BLOCKS.iter().find(|(t, _)| *t == value) {
                        if config.get(block).is_none() {
                            out.push(
                                diagnostic(
                                    self.id(),
                                    policy.location(kind.span),
                                    format!("HealthCheckPolicy `{}` has `config.type: {value}` without a `{block}` block", policy.name),
                                )
                                .with_label(format!("needs `config.{block}`"))
                                .with_note("the type's block says where to probe (`port` or `portSpecification`, `requestPath`); without it the policy does not describe a usable check")
                                .with_help(format!("add `{block}:` with `portSpecification` and `requestPath` (for HTTP types)"))
                                .with_identity(format!("{id}/spec/default/config/{block}")),
                            );
                        }
                    }
                }
            }
            for (_, block) in BLOCKS {
                let Some(b) = config.get(block) else { continue };
                let Some(port) = b.get("port") else { continue };
                // Unset, the check follows `port` (Compute Engine API: "If not specified, the
                // health check follows behavior specified in port and portName fields").
                let Some(spec) = b.get("portSpecification").and_then(Node::as_str) else {
                    continue;
                };
                if spec == "USE_FIXED_PORT" {
                    continue;
                }
                out.push(
                    diagnostic(
                        self.id(),
                        policy.location(port.span),
                        format!(
                            "HealthCheckPolicy `{}` sets `{block}.port` with `portSpecification: {spec}`: the port is ignored",
                            policy.name
                        ),
                    )
                    .with_label("this port is not used")
                    .with_note("the port applies only with `USE_FIXED_PORT`; otherwise the check probes the serving port, not the one written here")
                    .with_help("set `portSpecification: USE_FIXED_PORT`, or remove `port`")
                    .with_identity(format!("{id}/spec/default/config/{block}/port")),
                );
            }
        }
    }
}
