//! The authgate demo app (DESIGN §6) on actix-web: the users, callbacks and pages of
//! `authgate-demo`, served with `authgate-actix`. It answers every route like the axum
//! demo; the end-to-end suite checks that.

use std::sync::Arc;

use actix_web::{
    body::MessageBody,
    dev::{ServiceFactory, ServiceRequest, ServiceResponse},
    web, App, HttpResponse,
};
use authgate::actix::{require, require_auth, AuthMiddleware, Session};
use authgate::Auth;
use authgate_demo::{is_admin, pages};

fn html(page: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page)
}

async fn home(session: Option<Session>) -> HttpResponse {
    html(pages::home(session.as_ref().map(|s| &s.user)))
}

async fn me(session: Session) -> web::Json<Arc<authgate::Session>> {
    web::Json(session.session)
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

/// The demo's routes (without the middleware).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/api/me", web::get().to(me))
        .service(
            web::resource("/dashboard")
                .wrap(require_auth())
                .get(dashboard),
        )
        .service(web::resource("/admin").wrap(require(is_admin)).get(admin))
        .route("/unauthorized", web::get().to(unauthorized));
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
    App::new().configure(routes).wrap(AuthMiddleware::new(auth))
}
