//! The callbackUrl / redirect check: whatever the input, the answer is a URL of the
//! app's own origin with no whitespace, control characters or backslashes.
#![no_main]

use libfuzzer_sys::fuzz_target;

const BASE: &str = "http://localhost:3000";

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let out = authgate_core::default_redirect(&input, BASE);
    let parsed = url::Url::parse(&out).expect("the redirect target is a URL");
    let base = url::Url::parse(BASE).expect("base");
    assert_eq!(parsed.origin(), base.origin(), "{input:?} -> {out:?}");
    assert!(
        !out.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\'),
        "{out:?}"
    );
});
