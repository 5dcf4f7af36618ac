//! The YAML loader and everything after it: any bytes as a manifest file.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        fuzz_common::check_yaml(text);
    }
    fuzz_common::lint_one("fuzz.yaml", data);
});
