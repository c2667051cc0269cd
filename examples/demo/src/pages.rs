//! The demo's HTML pages, the same for every framework.

use authgate::SessionUser;

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /`: who is signed in, with sign-in/out links.
pub fn home(user: Option<&SessionUser>) -> String {
    match user {
        Some(u) => {
            let who = u.name.clone().or(u.email.clone()).unwrap_or_default();
            page(
                "authgate demo",
                &format!(
                    "<p>Signed in as <strong>{}</strong>.</p><p><a href=\"/dashboard\">Dashboard</a> · <a href=\"/admin\">Admin</a> · <a href=\"/api/me\">/api/me</a> · <a href=\"/auth/signout\">Sign out</a></p>",
                    escape(&who)
                ),
            )
        }
        None => page(
            "authgate demo",
            "<p>Not signed in.</p><p><a href=\"/auth/signin\">Sign in</a></p>",
        ),
    }
}

/// `GET /dashboard` (signed in).
pub fn dashboard(user: &SessionUser) -> String {
    let who = user.name.clone().unwrap_or_default();
    page(
        "Dashboard",
        &format!(
            "<p>Welcome, {}.</p><p><a href=\"/\">Home</a></p>",
            escape(&who)
        ),
    )
}

/// `GET /admin` (role `admin`).
pub fn admin(user: &SessionUser) -> String {
    let who = user.name.clone().unwrap_or_default();
    page("Admin", &format!("<p>Hello admin {}.</p>", escape(&who)))
}

/// `GET /unauthorized`: where `sign_in` sends mallory.
pub fn unauthorized() -> String {
    page(
        "Unauthorized",
        "<p>This account may not sign in here.</p><p><a href=\"/\">Home</a></p>",
    )
}
