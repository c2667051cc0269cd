//! The Cookie header parser with session chunk reassembly: up to four header values
//! (split at 0xFF), any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let values: Vec<&[u8]> = data.split(|&b| b == 0xFF).take(4).collect();
    let _ = authgate_core::fuzzing::cookie_header(&values, "authjs.session-token", 8);
});
