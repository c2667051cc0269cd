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

#[path = "../benches/common/claims.rs"]
mod claims;

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
    let claims = claims::sample_claims(now);
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
