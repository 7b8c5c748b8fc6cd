//! Identities: the operations of this feature in the OpenAPI document, next to the
//! handlers they describe, mounted under each prefix that serves them (`web::openapi` builds).

use app::dto::{BulkImportResponse, BulkQuery, CreateIdentityRequest, IdentityListQuery, IdentityLookupRequest, IdentityLookupResponse, IdentityResponse, IdentitySummary, IdentityWithAssignments, MAX_BULK_ITEMS, RecordBulkImportRequest, UpdateIdentityRequest};

use super::routes::BulkCreateIdentitiesBody;
use crate::web::{
    export,
    idempotency,
    openapi::{Document, Mount, Op, PORTAL_APP, MANAGEMENT_API, component, page, bulk},
};

/// Identity routes every application caller has.
pub fn application(doc: &mut Document, mount: Mount) {
    doc.mount(
        mount,
        Op::get("/identities", "list_identities", "Identities", "List identities")
            .query::<IdentityListQuery>()
            .ok(200, "A page of identities.", page::<IdentityResponse>),
    );
    doc.mount(
        mount,
        export::documented(Op::get("/identities/export", "export_identities", "Identities", "Export identities as CSV"), EXPORT).query_of_every_page::<IdentityListQuery>(),
    );
    doc.mount(
        mount,
        Op::post("/identities", "create_identity", "Identities", "Create an identity")
            .describe("`name` defaults to \"first last\". Emails are unique per application, case-insensitively.")
            .json_body(component::<CreateIdentityRequest>)
            .ok(201, "Created.", component::<IdentityResponse>)
            .tagged(201)
            .error(409, "Another identity of this application has this email (`email_taken`)."),
    );
    doc.mount(
        mount,
        Op::post("/identities/lookup", "lookup_identities", "Identities", "Find identities by email or id")
            .describe("Up to 10,000 emails (compared case-insensitively) and 10,000 ids; values that match nothing are left out. The bulk-upload page resolves a file's emails with it.")
            .json_body(component::<IdentityLookupRequest>)
            .ok(200, "The identities found.", component::<IdentityLookupResponse>)
            .error(422, "More than 10,000 emails or ids."),
    );
    doc.mount(
        mount,
        Op::get("/identities/{id}", "get_identity", "Identities", "Get an identity")
            .id_is("The identity's id.")
            .ok(200, "The identity.", component::<IdentityResponse>)
            .tagged(200)
            .error(404, "No identity with this id in this application."),
    );
    doc.mount(
        mount,
        Op::patch("/identities/{id}", "update_identity", "Identities", "Change an identity")
            .id_is("The identity's id.")
            .json_body(component::<UpdateIdentityRequest>)
            .ok(200, "The identity as it is now.", component::<IdentityResponse>)
            .tagged(200)
            .conditional("identity")
            .error(404, "No identity with this id in this application.")
            .error(409, "Another identity of this application has this email (`email_taken`)."),
    );
    doc.mount(
        mount,
        Op::delete("/identities/{id}", "delete_identity", "Identities", "Delete an identity")
            .id_is("The identity's id.")
            .describe("Its assignments in every environment go with it.")
            .empty(204, "Deleted.")
            .conditional("identity")
            .error(404, "No identity with this id in this application."),
    );
}

pub fn portal(doc: &mut Document) {
    application(doc, PORTAL_APP);
    doc.mount(
        PORTAL_APP,
        Op::get("/identities/with-assignments", "list_identities_with_assignments", "Identities", "List identities with their assignments")
            .query::<IdentityListQuery>()
            .ok(200, "A page of identities, each with its assignments in every environment.", page::<IdentityWithAssignments>),
    );
    doc.mount(
        PORTAL_APP,
        Op::get("/identities/summary", "identity_summary", "Identities", "Identity counts")
            .ok(200, "Counts by status and by whether they hold any assignment.", component::<IdentitySummary>),
    );
    doc.mount(
        PORTAL_APP,
        idempotency::documented(
            Op::post("/identities/bulk-create", "bulk_create_identities", "Identities", "Create many identities")
                .query::<BulkQuery>()
                .json_body(component::<BulkCreateIdentitiesBody>)
                .bulk(bulk::<IdentityResponse>),
        )
        .error(413, &format!("The request has more than {MAX_BULK_ITEMS} items.")),
    );
    doc.mount(
        PORTAL_APP,
        Op::post("/identities/bulk-imports", "record_bulk_import", "Identities", "Record a finished bulk import")
            .describe("The portal's bulk-import wizard records what it imported: file name, counts, mode, who and when.")
            .json_body(component::<RecordBulkImportRequest>)
            .ok(201, "Recorded.", component::<BulkImportResponse>)
            .error(422, "No environment with the `environment` slug in this application, or the counts do not add up (`succeeded + failed` over `total_rows`, or a count over 2,147,483,647)."),
    );
    doc.mount(
        PORTAL_APP,
        Op::get("/identities/{id}/detail", "identity_detail", "Identities", "An identity with its assignments")
            .id_is("The identity's id.")
            .ok(200, "The identity and its assignments in every environment.", component::<IdentityWithAssignments>)
            .error(404, "No identity with this id in this application."),
    );
    for (path, id, summary, outcome) in [
        ("/identities/{id}/activate", "activate_identity", "Activate an identity", "The identity, now active."),
        ("/identities/{id}/deactivate", "deactivate_identity", "Deactivate an identity", "The identity, now inactive: checks for it are never allowed."),
    ] {
        doc.mount(
            PORTAL_APP,
            Op::post(path, id, "Identities", summary)
                .id_is("The identity's id.")
                .ok(200, outcome, component::<IdentityResponse>)
                .tagged(200)
                .conditional("identity")
                .error(404, "No identity with this id in this application."),
        );
    }
}

pub fn management(doc: &mut Document) {
    application(doc, MANAGEMENT_API);
}

const EXPORT: &str = "The list's search, filter and sort (`page` and `take` are refused: every page is included), as a CSV file (UTF-8 with a byte-order mark, CRLF, RFC 4180 quoting; a cell a spreadsheet would run as a formula starts with `'`). Columns: `id, first_name, last_name, name, email, avatar_url, status, created_at, updated_at`; the identity import reads them back. Rows are read by one statement (one snapshot) and streamed as read.";
