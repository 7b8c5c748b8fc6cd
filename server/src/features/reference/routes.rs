//! The API reference: the OpenAPI 3.1 document at `/api/openapi.json` and the Scalar page over
//! it at `/api/docs`, both open. Built once: the document is a pure function of the code.

use std::sync::LazyLock;

use axum::{
    http::header,
    response::{Html, IntoResponse, Response},
};

use super::{
    docs::{DOCUMENT_PATH, REFERENCE_PATH},
    service::document,
};
use crate::web::registry::ApiRoutes;

pub fn routes() -> ApiRoutes {
    ApiRoutes::new().get(DOCUMENT_PATH, document_json).get(REFERENCE_PATH, reference_page)
}

static DOCUMENT_JSON: LazyLock<String> =
    LazyLock::new(|| serde_json::to_string(&document()).expect("an OpenAPI document always serialises to JSON"));

static REFERENCE_HTML: LazyLock<String> =
    LazyLock::new(|| utoipa_scalar::Scalar::new(document()).custom_html(REFERENCE_TEMPLATE).to_html());

/// utoipa-scalar's page with our title. The Scalar script is loaded by the reader's browser;
/// nothing is downloaded at build time.
const REFERENCE_TEMPLATE: &str = r#"<!doctype html>
<html lang="en">
<head>
    <title>Canopy API reference</title>
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1"/>
</head>
<body>
<script id="api-reference" type="application/json">
    $spec
</script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>
</body>
</html>
"#;

/// `GET /api/openapi.json`
pub async fn document_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT_JSON.as_str()).into_response()
}

/// `GET /api/docs`
pub async fn reference_page() -> Html<&'static str> {
    Html(REFERENCE_HTML.as_str())
}
