//! NGX005 ip-hash-behind-google-lb: see `rules/NGX005.md`.

use crate::diagnostic::Diagnostic;
use crate::model::Workspace;
use crate::rules::support::{behind_google_lb, diagnostic, nginx_identity};
use crate::rules::Rule;

pub struct IpHashBehindGoogleLb;

/// Google front ends and health checkers connect from these ranges.
const GOOGLE_RANGES: [&str; 2] = ["35.191.0.0/16", "130.211.0.0/22"];

impl Rule for IpHashBehindGoogleLb {
    fn id(&self) -> &'static str {
        "NGX005"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for conf in &ws.nginx.confs {
            let by_address: Vec<_> = conf
                .all("ip_hash")
                .into_iter()
                .chain(conf.all("hash").into_iter().filter(|&h| {
                    conf.dir(h).arg(0).is_some_and(|a| {
                        a.contains("$remote_addr") || a.contains("$binary_remote_addr")
                    })
                }))
                .collect();
            if by_address.is_empty() {
                continue;
            }
            let Some((service, lb_at)) = behind_google_lb(ws, conf) else {
                continue;
            };
            let trusted: Vec<String> = conf
                .all("set_real_ip_from")
                .into_iter()
                .filter_map(|s| conf.dir(s).arg(0).map(String::from))
                .collect();
            let header = conf.all("real_ip_header").into_iter().any(|h| {
                conf.dir(h)
                    .arg(0)
                    .is_some_and(|a| a.eq_ignore_ascii_case("X-Forwarded-For"))
            });
            let missing: Vec<&str> = GOOGLE_RANGES
                .iter()
                .copied()
                .filter(|r| !trusted.iter().any(|t| cidr_covers(t, r)))
                .collect();
            if missing.is_empty() && header {
                continue;
            }
            for h in by_address {
                let dir = conf.dir(h);
                let upstream = dir
                    .parent
                    .and_then(|p| conf.dir(p).arg(0))
                    .unwrap_or("")
                    .to_string();
                let mut lacking: Vec<String> = missing
                    .iter()
                    .map(|r| format!("`set_real_ip_from {r}`"))
                    .collect();
                if !header {
                    lacking.push("`real_ip_header X-Forwarded-For`".into());
                }
                let d = diagnostic(
                    self.id(),
                    dir.location(),
                    format!(
                        "upstream `{upstream}` balances by client address behind Google's load balancer without {}: every client hashes to a few Google proxy addresses",
                        lacking.join(", ")
                    ),
                )
                .with_label("`$remote_addr` is a Google proxy here")
                .with_related(lb_at, format!("Service `{}` is a GKE load balancer backend", service.name))
                .with_note("behind an Application Load Balancer, connections come from Google's proxies (35.191.0.0/16, 130.211.0.0/22); unless nginx restores the client address from `X-Forwarded-For`, address hashing pins all clients to one or two upstream servers")
                .with_help("add `set_real_ip_from 35.191.0.0/16;`, `set_real_ip_from 130.211.0.0/22;`, the load balancer's address, `real_ip_header X-Forwarded-For;` and `real_ip_recursive on;` to `http`, or use the load balancer's cookie affinity instead")
                .with_identity(nginx_identity(ws, conf, h));
                out.push(d);
            }
        }
    }
}

/// Whether the trusted address or CIDR `outer` covers the CIDR `inner` (IPv4).
fn cidr_covers(outer: &str, inner: &str) -> bool {
    fn parse(cidr: &str) -> Option<(u32, u32)> {
        let (addr, bits) = cidr.split_once('/').unwrap_or((cidr, "32"));
        let addr: std::net::Ipv4Addr = addr.parse().ok()?;
        let bits: u32 = bits.parse().ok().filter(|b| *b <= 32)?;
        Some((u32::from(addr), bits))
    }
    let (Some((oa, ob)), Some((ia, ib))) = (parse(outer), parse(inner)) else {
        return false;
    };
    let mask = if ob == 0 { 0 } else { u32::MAX << (32 - ob) };
    ob <= ib && (oa & mask) == (ia & mask)
}

#[cfg(test)]
mod tests {
    use super::cidr_covers;

    #[test]
    fn cidrs() {
        assert!(cidr_covers("35.191.0.0/16", "35.191.0.0/16"));
        assert!(cidr_covers("0.0.0.0/0", "130.211.0.0/22"));
        assert!(cidr_covers("35.0.0.0/8", "35.191.0.0/16"));
        assert!(!cidr_covers("35.191.1.0/24", "35.191.0.0/16"));
        assert!(!cidr_covers("10.0.0.0/8", "35.191.0.0/16"));
        assert!(!cidr_covers("unix:", "35.191.0.0/16"));
    }
}
