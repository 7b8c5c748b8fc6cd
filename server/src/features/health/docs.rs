//! Liveness and readiness: the operations of this feature in the OpenAPI document, next to the
//! handlers they describe, mounted under each prefix that serves them (`web::openapi` builds).


use super::routes::Liveness;
use super::routes::Readiness;
use crate::web::openapi::{Document, Op, ROOT, component};

/// `/healthz`, `/readyz`.
pub fn root(doc: &mut Document) {
    doc.mount(
        ROOT,
        Op::get("/healthz", "healthz", "Service", "Liveness").ok(200, "The process is up.", component::<Liveness>),
    );
    doc.mount(
        ROOT,
        Op::get("/readyz", "readyz", "Service", "Readiness")
            .ok(200, "The database answers.", component::<Readiness>)
            .error(503, "The database is not reachable (`not_ready`); `details.database` names it and `details.reason` says why."),
    );
}
