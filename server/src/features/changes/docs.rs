//! The change feed: its operation in the OpenAPI document, next to the handler it describes
//! (`web::openapi` builds).

use app::dto::{ChangesQuery, ChangesResponse};

use crate::web::openapi::{Document, MANAGEMENT_API, Op, component};

pub fn management(doc: &mut Document) {
    doc.mount(
        MANAGEMENT_API,
        Op::get("/changes", "list_changes", "Changes", "Follow every change, in commit order")
            .describe(
                "The assignment, identity, node and role changes of the key's environment (identities: of its application), in the \
                 order they were committed, each with its actor, action, the object before and after, and the revision to read at \
                 least that fresh. Start without `after` (the answer is empty and carries the revision to follow from now), then pass \
                 each `next_revision` back as `after`; `wait` long-polls when nothing is new. A revision older than the feed keeps \
                 (`CANOPY_CHANGES_RETENTION_HOURS`, 7 days by default) is a 410 naming the oldest one it can resume from.",
            )
            .query::<ChangesQuery>()
            .ok(200, "The changes after `after` (at most `limit`), and where to resume.", component::<ChangesResponse>)
            .error(400, "`after` is not a revision of this database, or one it has not reached; `limit` or `wait` out of range.")
            .error(410, "Changes after `after` are older than the feed keeps (`revision_expired`); `details.oldest_revision` is where it can resume.")
            .error(503, "The database is not reachable (`database_unavailable`)."),
    );
}
