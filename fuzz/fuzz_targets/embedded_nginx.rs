//! nginx embedded in a ConfigMap: the input (after a style byte) becomes `data.nginx.conf` in
//! a literal, strip, double-quoted or single-quoted scalar; the offset map must keep every
//! finding inside the YAML file.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&style, rest)) = data.split_first() else {
        return;
    };
    let conf = String::from_utf8_lossy(rest);
    let manifest = fuzz_common::configmap_with(&conf, style);
    fuzz_common::check_yaml(&manifest);
    fuzz_common::lint_one("configmap.yaml", manifest.as_bytes());
});
