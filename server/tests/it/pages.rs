//! No page URL is a 500: unknown paths get the designed not-found page with a 404, unknown
//! accounts, applications and environments the dashboard's "Environment not found" with a 404,
//! and a trailing slash a redirect to the path the router knows.

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};

use crate::app::{TestApp, TestResponse};

async fn page(app: &TestApp, method: Method, path: &str, token: Option<&str>) -> TestResponse {
    let mut request = Request::builder().method(method).uri(path).header(header::ACCEPT, "text/html");
    if let Some(token) = token {
        request = request.header(header::COOKIE, format!("canopy_session={token}"));
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

fn html(response: &TestResponse) -> &str {
    response.body.as_str().unwrap_or_default()
}

fn location(response: &TestResponse) -> Option<&str> {
    response.headers.get(header::LOCATION).map(|value| value.to_str().unwrap())
}

#[tokio::test]
async fn a_trailing_slash_redirects_to_the_page_without_it() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    for (path, target) in [
        ("/a/acme/billing/production/", "/a/acme/billing/production"),
        ("/a/acme/billing/production/assignments/?status=active&page=2", "/a/acme/billing/production/assignments?status=active&page=2"),
        ("/a/acme/billing/production/assignments/upload//", "/a/acme/billing/production/assignments/upload"),
        ("/login/", "/login"),
    ] {
        let response = page(&app, Method::GET, path, Some(&token)).await;
        assert_eq!(response.status, StatusCode::PERMANENT_REDIRECT, "{path}");
        assert_eq!(location(&response), Some(target), "{path}");
        let landed = page(&app, Method::GET, target, Some(&token)).await;
        assert_eq!(landed.status, StatusCode::OK, "{target}: {}", html(&landed));
    }
}

#[tokio::test]
async fn a_slash_that_would_name_another_host_is_not_redirected() {
    let app = TestApp::with_demo().await;
    let response = page(&app, Method::GET, "//evil.example/", None).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(location(&response), None);
    assert!(html(&response).contains("Page not found"));
}

#[tokio::test]
async fn unknown_paths_get_the_designed_not_found_page_with_a_404() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    for path in ["/nope", "/a", "/a/acme", "/a/acme/billing", "/a/acme/billing/production/nope"] {
        for (method, token) in [(Method::GET, Some(token.as_str())), (Method::GET, None), (Method::POST, Some(token.as_str()))] {
            let response = page(&app, method.clone(), path, token).await;
            assert_eq!(response.status, StatusCode::NOT_FOUND, "{method} {path}");
            assert!(html(&response).contains("Page not found"), "{method} {path}: {}", html(&response));
        }
    }
}

#[tokio::test]
async fn unknown_accounts_applications_and_environments_are_a_404_inside_the_dashboard() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    for path in [
        "/a/nope/billing/production",
        "/a/acme/nope/production",
        "/a/acme/billing/nope",
        "/a/acme/billing/nope/assignments",
        "/a/acme/billing/nope/assignments/upload",
        "/a/acme/billing/nope/roles",
    ] {
        let response = page(&app, Method::GET, path, Some(&token)).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert!(html(&response).contains("Environment not found"), "{path}: {}", html(&response));
        // Signed out, the same address asks for a sign-in first and comes back to it.
        let signed_out = page(&app, Method::GET, path, None).await;
        assert_eq!(signed_out.status, StatusCode::FOUND, "{path}");
        assert_eq!(location(&signed_out), Some(format!("/login?next={path}").as_str()));
    }
}
