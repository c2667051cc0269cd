//! The session token decoder (Auth.js v5 and NextAuth v4 JWE) on arbitrary input.
#![no_main]

use std::sync::OnceLock;

use authgate_core::{TokenCodec, TokenFormat};
use libfuzzer_sys::fuzz_target;

fn codecs() -> &'static [TokenCodec; 2] {
    static CODECS: OnceLock<[TokenCodec; 2]> = OnceLock::new();
    CODECS.get_or_init(|| {
        let secrets = ["fuzz-secret-0123456789abcdef0123456789"];
        [
            TokenCodec::new(TokenFormat::AuthJsV5, &secrets, "authjs.session-token").expect("v5"),
            TokenCodec::new(TokenFormat::NextAuthV4, &secrets, "").expect("v4"),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    for codec in codecs() {
        let _ = codec.decode(&input);
    }
});
