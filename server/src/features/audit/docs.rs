//! The audit log: the operations of this feature in the OpenAPI document, next to the
//! handlers they describe, mounted under each prefix that serves them (`web::openapi` builds).

use app::dto::{AuditEventResponse, AuditQuery};

use crate::web::{
    export,
    openapi::{Document, Op, PORTAL_APP, page},
};

pub fn portal(doc: &mut Document) {
    doc.mount(
        PORTAL_APP,
        Op::get("/audit-events", "list_audit_events", "Audit", "The audit log")
            .query::<AuditQuery>()
            .ok(200, "A page of audit events, newest first.", page::<AuditEventResponse>)
            .error(400, "`to` is before `from`, or `action` is not of the form `family.verb` (`invalid_query`, `details` names the field).")
            .error(404, "No environment with the `environment` slug in this application."),
    );
    doc.mount(
        PORTAL_APP,
        export::documented(
            Op::get("/audit-events/export", "export_audit_events", "Audit", "Export the audit log as CSV"),
            "Every event the filters select, newest first, with the columns `id, created_at, environment_id, actor_type, actor_id, action, target_type, target_id, request_id, before, after` (`before` and `after` as JSON text).",
        )
        .query_of_every_page::<AuditQuery>()
        .error(404, "No environment with the `environment` slug in this application."),
    );
}
