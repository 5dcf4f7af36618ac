//! The fix pipeline: a manifest and an nginx config (split at the first NUL byte), every fix
//! applied; the results must parse and a second run must change nothing.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (manifest, conf) = fuzz_common::split_pair(data);
    fuzz_common::check_fix_pipeline(&manifest, &conf);
});
