//! Session token codec and session resolution.
//!
//! `cargo bench -p authgate-core --bench token`
#![allow(missing_docs)]

use std::hint::black_box;

use authgate_core::{http, Auth, AuthConfig, Token, TokenCodec, TokenFormat};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{Map, Value};

const SECRET: &str = "authgate-bench-secret-0123456789-abcdefghijklmnop";

#[path = "common/claims.rs"]
mod claims;

/// A typical session payload, issued now (`common/claims.rs`).
fn claims() -> Map<String, Value> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    claims::sample_claims(now)
}

fn codec(c: &mut Criterion) {
    let codec =
        TokenCodec::new(TokenFormat::AuthJsV5, &[SECRET], "authjs.session-token").expect("codec");
    let claims = claims();
    let token = codec.encode(&claims).expect("encode");
    eprintln!(
        "token length: {} bytes (claims JSON {} bytes)",
        token.len(),
        serde_json::to_vec(&claims).map_or(0, |v| v.len())
    );
    c.bench_function("token/decode_v5", |b| {
        b.iter(|| codec.decode(black_box(&token)).expect("decode"))
    });
    c.bench_function("token/encode_v5", |b| {
        b.iter(|| codec.encode(black_box(&claims)).expect("encode"))
    });
    // What a session read that misses the cache and a re-issue do: straight to and from
    // a `Token`, no claims map.
    let typed = Token::from_claims(claims.clone()).expect("token");
    c.bench_function("token/decode_v5_token", |b| {
        b.iter(|| codec.decode_token(black_box(&token)).expect("decode"))
    });
    c.bench_function("token/encode_v5_token", |b| {
        b.iter(|| codec.encode_token(black_box(&typed)).expect("encode"))
    });
    let v4 = TokenCodec::new(TokenFormat::NextAuthV4, &[SECRET], "").expect("codec");
    let v4_token = v4.encode(&claims).expect("encode");
    c.bench_function("token/decode_v4", |b| {
        b.iter(|| v4.decode(black_box(&v4_token)).expect("decode"))
    });
}

fn session(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    for (name, cache) in [
        ("session/resolve_cached", 10_000),
        ("session/resolve_uncached", 0),
    ] {
        let auth = Auth::new(
            AuthConfig::builder()
                .secret(SECRET)
                .url("http://localhost:3000")
                .token_cache_capacity(cache)
                .build()
                .expect("config"),
        );
        let token = auth
            .config()
            .token_codec(false)
            .encode(&claims())
            .expect("encode");
        let uri: http::Uri = "/api/me".parse().expect("uri");
        let mut headers = http::HeaderMap::new();
        let cookie = format!("authjs.session-token={token}; other=1");
        headers.insert(http::header::COOKIE, cookie.parse().expect("header"));
        c.bench_function(name, |b| {
            b.to_async(&rt).iter(|| async {
                let out = auth.session(black_box(&headers), &uri).await;
                assert!(out.session.is_some());
                out
            })
        });
    }
}

criterion_group!(benches, codec, session);
criterion_main!(benches);
