//! The audit log: the operations of this feature in the OpenAPI document, next to the
//! handlers they describe, mounted under each prefix that serves them (`web::openapi` builds).

use app::dto::{AuditEventResponse, AuditQuery};

use crate::web::openapi::{Document, Op, PORTAL_APP, page};

pub fn portal(doc: &mut Document) {
    doc.mount(
        PORTAL_APP,
        Op::get("/audit-events", "list_audit_events", "Audit", "The audit log")
            .query::<AuditQuery>()
            .ok(200, "A page of audit events, newest first.", page::<AuditEventResponse>)
            .error(400, "`to` is before `from`, or `action` is not of the form `family.verb` (`invalid_query`, `details` names the field).")
            .error(404, "No environment with the `environment` slug in this application."),
    );
}
