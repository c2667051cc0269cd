//! `GET /providers`: the configured providers as JSON, keyed by id.

use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::{Map, Value};

use crate::{origin::Origin, respond::json, state::State};

/// `{<id>: {id, name, type, signinUrl, callbackUrl}}`.
pub(super) fn list(state: &State, origin: &Origin) -> Response<Bytes> {
    let base = format!("{}{}", origin.origin, state.config.base_path);
    let map: Map<String, Value> = state
        .config
        .providers
        .iter()
        .map(|p| {
            let id = p.id();
            (
                id.to_owned(),
                serde_json::json!({
                    "id": id,
                    "name": p.name(),
                    "type": p.kind(),
                    "signinUrl": format!("{base}/signin/{id}"),
                    "callbackUrl": format!("{base}/callback/{id}"),
                }),
            )
        })
        .collect();
    json(StatusCode::OK, &Value::Object(map), Vec::new())
}
