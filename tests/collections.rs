//! A directory that is a collection of unrelated examples (a vendored corpus, a flattened
//! export) is not one app: same-named resources there are not linked into errors.

mod common;

use common::*;

const INGRESS: &str = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: site\n  annotations:\n    kubernetes.io/ingress.class: gce\nspec:\n  defaultBackend:\n    service:\n      name: web\n      port:\n        number: 80\n";
const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n    - port: 80\n";

fn gke011(dir: &std::path::Path) -> bool {
    let (_, stdout, _) = run_in(dir, &["--format", "concise", "."]);
    stdout.contains("GKE011")
}

#[test]
fn an_app_directory_links_its_ingress_and_service() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("ingress.yaml"), INGRESS).unwrap();
    std::fs::write(tmp.path().join("service.yaml"), SERVICE).unwrap();
    assert!(gke011(tmp.path()));
}

#[test]
fn a_collection_of_unrelated_examples_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("project-a__ingress.yaml"), INGRESS).unwrap();
    std::fs::write(tmp.path().join("project-b__service.yaml"), SERVICE).unwrap();
    for i in 0..70 {
        let cm = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: filler-{i}\ndata:\n  a: b\n"
        );
        std::fs::write(tmp.path().join(format!("project-{i}__cm.yaml")), cm).unwrap();
    }
    assert!(!gke011(tmp.path()));
}
