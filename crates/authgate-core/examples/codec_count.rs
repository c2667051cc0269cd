//! Runs one token operation N times, for counting instructions per operation with
//! callgrind (wall-clock benchmarks swing too much on shared machines):
//!
//! ```sh
//! cargo build --release -p authgate-core --example codec_count
//! for n in 1000 11000; do valgrind --tool=callgrind --callgrind-out-file=/tmp/c.$n \
//!   target/release/examples/codec_count decode_token $n; done
//! # per operation = (Ir(11000) - Ir(1000)) / 10000
//! ```
//!
//! Operations: `decode_token` (straight into a `Token`), `decode_map` (claims map, then
//! `Token::from_claims`: the path before), `encode_token`, `encode_map` (`to_claims`,
//! then `encode`: the path before). The token is the 734-byte one of `benches/token.rs`.

use std::hint::black_box;

use authgate_core::{Token, TokenCodec, TokenFormat};
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let op = args.next().unwrap_or_else(|| "decode_token".into());
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let codec = TokenCodec::new(
        TokenFormat::AuthJsV5,
        &["authgate-bench-secret-0123456789-abcdefghijklmnop"],
        "authjs.session-token",
    )?;
    let now = 1_800_000_000_i64;
    let claims = json!({
        "name": "Alice Liddell",
        "email": "alice@example.com",
        "picture": "https://avatars.example.com/u/123456?v=4",
        "sub": "8c3f2b1e-5d6a-4f7e-9b0c-1a2d3e4f5a6b",
        "id": "8c3f2b1e-5d6a-4f7e-9b0c-1a2d3e4f5a6b",
        "role": "admin",
        "provider": "github",
        "access_token": "gho_16C7e42F292c6912E7710c838347Ae178B4a",
        "iat": now,
        "exp": now + 30 * 24 * 3600,
        "jti": "1272c684-f12e-4953-90aa-0fc8007884d6",
    });
    let serde_json::Value::Object(claims) = claims else {
        return Err("claims".into());
    };
    let token = Token::from_claims(claims.clone())?;
    let cookie = codec.encode(&claims)?;
    for _ in 0..n {
        match op.as_str() {
            "decode_token" => drop(black_box(codec.decode_token_at(black_box(&cookie), now)?)),
            "decode_map" => drop(black_box(Token::from_claims(
                codec.decode_at(black_box(&cookie), now)?,
            )?)),
            "encode_token" => drop(black_box(codec.encode_token(black_box(&token))?)),
            "encode_map" => drop(black_box(codec.encode(&black_box(&token).to_claims()?)?)),
            other => return Err(format!("unknown operation {other}").into()),
        }
    }
    Ok(())
}
