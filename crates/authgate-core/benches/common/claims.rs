//! The sample session of the token benchmarks (`benches/token.rs`) and of
//! `examples/codec_count.rs`: the standard claims, a role, an id and a provider access
//! token, issued at `now`: 366 bytes of claims JSON, a 734-byte token.

use serde_json::{json, Map, Value};

/// The claims, issued at `now` (unix seconds), valid for 30 days.
pub(crate) fn sample_claims(now: i64) -> Map<String, Value> {
    let v = json!({
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
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
