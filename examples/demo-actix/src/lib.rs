//! The authgate demo app on actix-web: the users, callbacks and pages of
//! `authgate-demo`, served with `authgate-actix`. It answers every route like the axum
//! demo; the end-to-end suite checks that.

use actix_web::{
    body::MessageBody,
    dev::{ServiceFactory, ServiceRequest, ServiceResponse},
    guard, web, App, HttpRequest, HttpResponse, Resource, Route,
};
use authgate::actix::{require, require_auth, AuthMiddleware, GuardMode, Session, SharedSession};
use authgate::Auth;
use authgate_demo::{is_admin, pages, session_route, SessionAction};

fn html(page: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page)
}

async fn home(session: Option<Session>) -> HttpResponse {
    html(pages::home(session.as_ref().map(|s| &s.user)))
}

/// The session as `GET /auth/session` shapes it. `SharedSession`: the handler only
/// answers it, so it takes it without copying the user (`Session` would).
async fn me(session: SharedSession) -> SharedSession {
    session
}

async fn dashboard(session: Session) -> HttpResponse {
    html(pages::dashboard(&session.user))
}

async fn admin(session: Session) -> HttpResponse {
    html(pages::admin(&session.user))
}

async fn unauthorized() -> HttpResponse {
    html(pages::unauthorized())
}

/// The request's headers the engine reads (cookies, host) and URI, as `http` 1 types.
fn engine_view(req: &HttpRequest) -> (authgate::http::HeaderMap, authgate::http::Uri) {
    let mut headers = authgate::http::HeaderMap::new();
    for name in ["cookie", "host", "x-forwarded-host", "x-forwarded-proto"] {
        for value in req.headers().get_all(name) {
            if let Ok(v) = authgate::http::HeaderValue::from_bytes(value.as_bytes()) {
                headers.append(name, v);
            }
        }
    }
    let uri = req.uri().to_string().parse().unwrap_or_default();
    (headers, uri)
}

async fn manage(auth: &Auth, action: SessionAction<'_>, req: &HttpRequest) -> HttpResponse {
    let (headers, uri) = engine_view(req);
    let (status, body) = session_route(auth, action, &headers, &uri).await;
    let status = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status).json(body)
}

async fn list_sessions(
    auth: web::Data<Auth>,
    _signed_in: Session,
    req: HttpRequest,
) -> HttpResponse {
    manage(&auth, SessionAction::List, &req).await
}

async fn revoke_others(
    auth: web::Data<Auth>,
    _signed_in: Session,
    req: HttpRequest,
) -> HttpResponse {
    manage(&auth, SessionAction::RevokeOthers, &req).await
}

async fn revoke_one(
    auth: web::Data<Auth>,
    _signed_in: Session,
    id: web::Path<String>,
    req: HttpRequest,
) -> HttpResponse {
    manage(&auth, SessionAction::Revoke(&id), &req).await
}

/// What axum's `get(...)` answers for other methods: 405 with `Allow: GET,HEAD`.
async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header(("allow", "GET,HEAD"))
        .finish()
}

/// A resource answering GET and HEAD with `route` (as axum's `get`), 405 otherwise.
fn get_or_head(path: &str, route: Route) -> Resource {
    web::resource(path)
        .route(route.guard(guard::Any(guard::Get()).or(guard::Head())))
        .default_service(web::to(method_not_allowed))
}

/// The demo's routes (without the middleware). The guards run for GET/HEAD only, as the
/// axum demo's `route_layer`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(get_or_head("/", web::route().to(home)))
        .service(get_or_head("/api/me", web::route().to(me)))
        .service(get_or_head(
            "/dashboard",
            web::route()
                .to(dashboard)
                .wrap(require_auth().mode(GuardMode::Redirect)),
        ))
        .service(get_or_head(
            "/admin",
            web::route().to(admin).wrap(require(is_admin)),
        ))
        .service(get_or_head("/unauthorized", web::route().to(unauthorized)))
        .service(
            web::resource("/api/sessions")
                .route(web::get().to(list_sessions))
                .route(web::delete().to(revoke_others)),
        )
        .service(web::resource("/api/sessions/{id}").route(web::delete().to(revoke_one)));
}

/// The demo app with the auth middleware on.
pub fn app(
    auth: Auth,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(auth.clone()))
        .configure(routes)
        .wrap(AuthMiddleware::new(auth))
}
