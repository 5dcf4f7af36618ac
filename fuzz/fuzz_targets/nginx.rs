//! The nginx parser and everything after it: any bytes as an nginx config file.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        fuzz_common::check_nginx(text);
    }
    fuzz_common::lint_one("fuzz.conf", data);
});
