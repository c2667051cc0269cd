//! The built-in HTML pages, one file each: sign-in, sign-out, error, verify-request and
//! the email link's confirm page. Small, accessible, no JavaScript. `layout.rs` has the
//! shared layout and escaping, `context.rs` what a page needs from the request.

mod confirm_email;
mod context;
mod error;
mod layout;
mod sign_in;
mod sign_out;
mod verify_request;

pub(crate) use confirm_email::{confirm_email, EmailLink};
pub(crate) use context::PageContext;
pub(crate) use error::error;
pub(crate) use layout::escape;
pub(crate) use sign_in::sign_in;
pub(crate) use sign_out::sign_out;
pub(crate) use verify_request::verify_request;
