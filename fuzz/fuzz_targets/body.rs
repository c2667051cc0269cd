//! The form and JSON body parsers and the query parser. The first byte picks the content
//! type; the rest up to 0xFF is the query, after it the body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let content_type = match kind % 4 {
        0 => "application/json",
        1 => "application/x-www-form-urlencoded",
        2 => "application/json; charset=utf-8",
        _ => "text/plain",
    };
    let (query, body) = match rest.iter().position(|&b| b == 0xFF) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (&rest[..0], rest),
    };
    let query = String::from_utf8_lossy(query);
    let _ = authgate_core::fuzzing::body_and_query(content_type, body, &query);
});
