//! Admin sessions and `/me`: the operations of this feature in the OpenAPI document, next to the
//! handlers they describe, mounted under each prefix that serves them (`web::openapi` builds).

use app::dto::{LoginRequest, MeResponse, TokenResponse};

use super::routes::LoginForm;
use crate::web::openapi::{Document, Op, PORTAL, component};

pub fn portal(doc: &mut Document) {
    doc.mount(
        PORTAL,
        Op::post("/auth/login", "login", "Session", "Sign in")
            .anyone()
            .describe("API clients send JSON and get the token in the body; the portal's sign-in form posts `application/x-www-form-urlencoded` and is redirected. Both get the HttpOnly session cookie.")
            .json_body(component::<LoginRequest>)
            .form_body(component::<LoginForm>)
            .ok(200, "Signed in (JSON request).", component::<TokenResponse>)
            .header(200, "Set-Cookie", "The HttpOnly session cookie holding the same token.")
            .redirect(303, "Form request: to `next` when signed in, else back to `/login?error=...`.")
            .error(401, "Email or password is incorrect (`invalid_credentials`).")
            .error(429, "Too many failed sign-ins for this email or from this address (`too_many_attempts`; 5 per email, 20 per address, then 1, 2, 4 ... up to 15 minutes): the same whether the email exists or not. Form requests are redirected to `/login?error=too_many_attempts` instead.")
            .header(429, "Retry-After", "Seconds until another attempt is taken.")
            .header(303, "Retry-After", "Only on the redirect of a throttled form sign-in: seconds until another attempt is taken."),
    );
    doc.mount(
        PORTAL,
        Op::post("/auth/refresh", "refresh_session", "Session", "Refresh the session token")
            .ok(200, "A fresh token for the same session.", component::<TokenResponse>)
            .header(200, "Set-Cookie", "The session cookie with the fresh token."),
    );
    doc.mount(
        PORTAL,
        Op::post("/auth/logout", "logout", "Session", "Sign out")
            .describe("Ends the session; later requests with its token are a 401.")
            .empty(204, "Signed out (API clients).")
            .header(204, "Set-Cookie", "Clears the session cookie.")
            .redirect(303, "Form posts (the portal's sign-out button) are sent to `/login`."),
    );
    doc.mount(
        PORTAL,
        Op::get("/me", "me", "Session", "The signed-in admin and the accounts it can manage")
            .ok(200, "The admin, its accounts, their applications and environments.", component::<MeResponse>),
    );
}
