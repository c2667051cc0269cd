//! Under concurrent load no session bleeds between requests: a few hundred requests in
//! flight at once, carrying alice's cookie, bob's cookie or none, each answered for the
//! user who sent it; and a burst of concurrent sign-ins, each answered with the cookie
//! of the user who signed in.

use authgate_tests::{codec, spawn, suite, Browser, Framework, Resp, SESSION};
use reqwest::Method;
use serde_json::{json, Value};
use tokio::task::JoinSet;

/// Who sent a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Alice,
    Bob,
    Nobody,
}

impl Who {
    const ALL: [Who; 3] = [Who::Alice, Who::Bob, Who::Nobody];

    /// `(id, name, email, role)`.
    fn identity(self) -> Option<(&'static str, &'static str, &'static str, &'static str)> {
        match self {
            Who::Alice => Some(("1", "Alice", "alice@example.com", "admin")),
            Who::Bob => Some(("2", "Bob", "bob@example.com", "user")),
            Who::Nobody => None,
        }
    }
}

/// What one request got back.
#[derive(Debug)]
struct Answer {
    who: Who,
    path: &'static str,
    status: u16,
    body: String,
    set_cookies: Vec<String>,
}

/// The value of the session cookie a response sets (non-empty), if any.
fn session_value(set_cookies: &[String]) -> Option<String> {
    set_cookies.iter().find_map(|line| {
        let (name, value) = line.split(';').next()?.split_once('=')?;
        (name.trim() == SESSION && !value.trim().is_empty()).then(|| value.trim().to_owned())
    })
}

async fn signed_in(b: &Browser, user: &str, password: &str) -> String {
    let res = b.sign_in(user, password).await;
    assert_eq!(res.status, 302, "sign-in of {user}");
    b.cookie(SESSION).expect("session cookie")
}

/// ~300 requests in flight at once, interleaving alice, bob and no cookie on
/// `/api/me`, `/auth/session`, `/admin` and `/`: every answer names its sender.
async fn concurrent_requests_keep_their_own_session(fw: Framework) {
    let server = spawn(fw).await;
    let alice = signed_in(&server.browser(), "alice", "wonderland").await;
    let bob = signed_in(&server.browser(), "bob", "builder").await;
    assert_ne!(alice, bob);
    let client = Browser::new(&server.base);
    const PATHS: [&str; 4] = ["/api/me", "/auth/session", "/admin", "/"];
    const REQUESTS: usize = 312;

    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(REQUESTS));
    let mut tasks = JoinSet::new();
    for i in 0..REQUESTS {
        let who = Who::ALL[i % 3];
        let path = PATHS[(i / 3) % PATHS.len()];
        let cookie = match who {
            Who::Alice => Some(format!("theme=dark; {SESSION}={alice}; lang=en")),
            Who::Bob => Some(format!("{SESSION}={bob}")),
            Who::Nobody => (i % 2 == 0).then(|| "theme=light".to_owned()),
        };
        let mut req = client.bare(Method::GET, path);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        let barrier = std::sync::Arc::clone(&barrier);
        tasks.spawn(async move {
            // Every request is built before any is sent.
            barrier.wait().await;
            let res =
                Resp::from_response(req.send().await.expect("request reaches the server")).await;
            let set_cookies = res.set_cookies().into_iter().map(str::to_owned).collect();
            Answer {
                who,
                path,
                status: res.status,
                body: res.body,
                set_cookies,
            }
        });
    }
    let mut answers = Vec::with_capacity(REQUESTS);
    while let Some(answer) = tasks.join_next().await {
        answers.push(answer.expect("request task"));
    }
    assert_eq!(answers.len(), REQUESTS);

    let codec = codec();
    for a in &answers {
        let ctx = format!("{:?} {} → {} {}", a.who, a.path, a.status, a.body);
        match (a.path, a.who.identity()) {
            ("/api/me", Some((id, name, email, role))) => {
                assert_eq!(a.status, 200, "{ctx}");
                let json: Value = serde_json::from_str(&a.body).expect("JSON");
                assert_eq!(
                    json["user"],
                    json!({"id": id, "name": name, "email": email, "role": role}),
                    "{ctx}"
                );
                // Fresh tokens are not re-issued on app routes.
                assert!(session_value(&a.set_cookies).is_none(), "{ctx}");
            }
            ("/api/me", None) => {
                assert_eq!(a.status, 401, "{ctx}");
                assert_eq!(a.body, r#"{"error":"Unauthorized"}"#, "{ctx}");
                assert!(a.set_cookies.is_empty(), "{ctx}");
            }
            ("/auth/session", Some((id, name, email, role))) => {
                assert_eq!(a.status, 200, "{ctx}");
                let json: Value = serde_json::from_str(&a.body).expect("JSON");
                assert_eq!(
                    json["user"],
                    json!({"id": id, "name": name, "email": email, "role": role}),
                    "{ctx}"
                );
                // The route re-issues the token: it must be the sender's.
                let token = session_value(&a.set_cookies).expect("re-issued cookie");
                let claims = codec.decode(&token).expect("re-issued token decodes");
                assert_eq!(claims["sub"], id, "{ctx}");
                assert_eq!(claims["email"], email, "{ctx}");
            }
            ("/auth/session", None) => {
                assert_eq!((a.status, a.body.as_str()), (200, "null"), "{ctx}");
                assert!(session_value(&a.set_cookies).is_none(), "{ctx}");
            }
            ("/admin", Some((_, name, _, "admin"))) => {
                assert_eq!(a.status, 200, "{ctx}");
                assert!(a.body.contains(name), "{ctx}");
            }
            ("/admin", Some(_)) => {
                assert_eq!(
                    (a.status, a.body.as_str()),
                    (403, r#"{"error":"Forbidden"}"#),
                    "{ctx}"
                );
            }
            ("/admin", None) => {
                assert_eq!(
                    (a.status, a.body.as_str()),
                    (401, r#"{"error":"Unauthorized"}"#),
                    "{ctx}"
                );
            }
            ("/", Some((_, name, _, _))) => {
                assert_eq!(a.status, 200, "{ctx}");
                assert!(
                    a.body
                        .contains(&format!("Signed in as <strong>{name}</strong>")),
                    "{ctx}"
                );
            }
            ("/", None) => {
                assert_eq!(a.status, 200, "{ctx}");
                assert!(a.body.contains("Not signed in."), "{ctx}");
            }
            _ => unreachable!("{ctx}"),
        }
    }
    // Every combination was exercised.
    for who in Who::ALL {
        for path in PATHS {
            assert!(
                answers.iter().any(|a| a.who == who && a.path == path),
                "{who:?} {path}"
            );
        }
    }
}

/// A burst of concurrent sign-ins as different users (and failed ones): each answer
/// carries the cookie of the user who signed in, and nobody else's.
async fn concurrent_sign_ins_get_their_own_cookie(fw: Framework) {
    let server = spawn(fw).await;
    const USERS: [(&str, &str, Option<&str>); 5] = [
        ("alice", "wonderland", Some("1")),
        ("bob", "builder", Some("2")),
        ("alice", "wrong", None),
        ("eve", "eve", None),
        ("mallory", "mallory", None),
    ];
    const SIGN_INS: usize = 60;
    let codec = codec();
    let mut tasks = JoinSet::new();
    for i in 0..SIGN_INS {
        let (user, password, sub) = USERS[i % USERS.len()];
        let base = server.base.clone();
        tasks.spawn(async move {
            let b = Browser::new(&base);
            // A CSRF token per browser, then the sign-in, both in the burst.
            let res = b.sign_in(user, password).await;
            (user, password, sub, res)
        });
    }
    let mut seen = 0;
    while let Some(joined) = tasks.join_next().await {
        let (user, password, sub, res) = joined.expect("sign-in task");
        let ctx = format!("{user}/{password}: {} {:?}", res.status, res.set_cookies());
        assert_eq!(res.status, 302, "{ctx}");
        let token = res.session_token(SESSION);
        match sub {
            Some(sub) => {
                let token = token.unwrap_or_else(|| panic!("no session cookie: {ctx}"));
                let claims = codec.decode(&token).expect("session token decodes");
                assert_eq!(claims["sub"], sub, "{ctx}");
                assert_eq!(claims["id"], sub, "{ctx}");
                assert_eq!(claims["email"], format!("{user}@example.com"), "{ctx}");
                assert_eq!(res.location(), Some(format!("{}/", server.base).as_str()));
            }
            None => assert!(token.is_none(), "no session for {ctx}"),
        }
        seen += 1;
    }
    assert_eq!(seen, SIGN_INS);
}

suite!(
    concurrent_requests_keep_their_own_session,
    concurrent_sign_ins_get_their_own_cookie,
);
