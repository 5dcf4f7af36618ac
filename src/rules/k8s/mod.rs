//! Kubernetes link rules: Ingress and HTTPRoute backends, Service ports and selectors,
//! workload settings for realtime traffic.

pub mod ingress_backend_not_found;
pub mod service_selects_nothing;
pub mod target_port_mismatch;
pub mod websocket_grace_period_default;

#[cfg(test)]
mod tests {
    use crate::diagnostic::Level;
    use crate::lint::{lint, LintOptions};

    /// Lint `files` (name, text) in a temporary directory with `partial_repo` set as given;
    /// the findings of `rule` as (level, 1-based line).
    fn run(files: &[(&str, &str)], rule: &str, partial: bool) -> Vec<(Level, u32)> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let mut options =
            LintOptions::new(vec![dir.path().to_path_buf()], dir.path().to_path_buf());
        options.settings.partial_repo = partial;
        let result = lint(&options, &|id| id == rule);
        result
            .diagnostics
            .iter()
            .filter(|d| d.rule == rule)
            .map(|d| {
                let file = &result.files[d.primary.file.0 as usize];
                (d.level, file.line_col(d.primary.span.start).line)
            })
            .collect()
    }

    const INGRESS: &str = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: chat\nspec:\n  defaultBackend:\n    service:\n      name: chat-svc\n      port:\n        number: 80\n";
    const SERVICE: &str =
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: chat\nspec:\n  ports:\n    - port: 80\n";

    #[test]
    fn missing_backend_is_an_error_in_a_complete_repo_and_a_warning_in_a_partial_one() {
        let files = [("ingress.yaml", INGRESS), ("service.yaml", SERVICE)];
        let complete = run(&files, "K8S001", false);
        assert_eq!(complete.len(), 1);
        assert_eq!(complete[0].0, Level::Error);
        let partial = run(&files, "K8S001", true);
        assert_eq!(partial.len(), 1);
        assert_eq!(partial[0].0, Level::Warning);
    }

    #[test]
    fn missing_backend_with_nothing_alike_is_silent() {
        let other = SERVICE.replace("name: chat", "name: billing");
        assert!(run(
            &[("ingress.yaml", INGRESS), ("service.yaml", &other)],
            "K8S001",
            false
        )
        .is_empty());
    }
}
