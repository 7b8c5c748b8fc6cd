//! The API reference itself: the operations of this feature in the OpenAPI document, next to the
//! handlers they describe, mounted under each prefix that serves them (`web::openapi` builds).

use utoipa::openapi::{ObjectBuilder, schema::Type};

use crate::web::openapi::{Document, Op, ROOT};

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/openapi.json";
/// Where the browsable reference is served.
pub const REFERENCE_PATH: &str = "/api/docs";

/// `/api/openapi.json`, `/api/docs`.
pub fn root(doc: &mut Document) {
    doc.mount(
        ROOT,
        Op::get(DOCUMENT_PATH, "openapi_document", "Reference", "This OpenAPI document").ok(
            200,
            "The OpenAPI 3.1 document.",
            |_| ObjectBuilder::new().schema_type(Type::Object).into(),
        ),
    );
    doc.mount(ROOT, Op::get(REFERENCE_PATH, "api_reference", "Reference", "Browsable API reference").html(200, "The Scalar reference page."));
}
