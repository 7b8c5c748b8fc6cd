//! Role assignments: look-ups, lists, the duplicate check and the write of one request.
//!
//! This feature's part of the one [`Store`]: an `impl Store` block, so the feature's reads and
//! writes are declared next to the service that uses them, while the statements stay in
//! `store/sql/` (written once for both backends) and the backend is still chosen once, at
//! start-up.

use crate::store::{sql, *};

impl Store {
    #[tracing::instrument(skip_all)]
    pub async fn assignments_for_identity(&self, identity_id: &str) -> StoreResult<Vec<Assignment>> {
        sql::assignments::assignments_for_identity(self.db(), identity_id).await
    }

    /// Up to `limit` assignments of the environment after `after` (`(created_at, id)` of the
    /// last one read), in that order: the in-memory index loads them chunk by chunk along the
    /// `(environment_id, created_at, id)` index.
    #[tracing::instrument(skip_all)]
    pub async fn assignments_in_environment(&self, environment_id: &str, after: Option<(i64, &str)>, limit: i64) -> StoreResult<Vec<Assignment>> {
        sql::assignments::assignments_in_environment(self.db(), environment_id, after, limit).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn assignment_by_id(&self, environment_id: &str, id: &str) -> StoreResult<Option<Assignment>> {
        sql::assignments::assignment_by_id(self.db(), environment_id, id).await
    }

    /// Those of `ids` that exist in the environment.
    #[tracing::instrument(skip_all, fields(ids = ids.len()))]
    pub async fn assignments_by_ids(&self, environment_id: &str, ids: &[&str]) -> StoreResult<Vec<Assignment>> {
        sql::assignments::assignments_by_ids(self.db(), environment_id, ids).await
    }

    /// Which of these `(identity, node, role)` triples already have an assignment.
    #[tracing::instrument(skip_all, fields(triples = triples.len()))]
    pub async fn existing_triples(&self, triples: &[(&str, &str, &str)]) -> StoreResult<Vec<(String, String, String)>> {
        sql::assignments::existing_triples(self.db(), triples).await
    }

    /// One page of the filtered, sorted list and the number of matching rows.
    #[tracing::instrument(skip_all, fields(offset = slice.offset, limit = slice.limit))]
    pub async fn assignment_views(&self, filter: &AssignmentFilter, slice: Slice) -> StoreResult<(Vec<AssignmentView>, i64)> {
        sql::assignment_lists::assignment_views(self.db(), filter, slice).await
    }

    /// Every row of the filtered list in `order`'s order, sent to `rows` as read (an export).
    #[tracing::instrument(skip_all)]
    pub async fn stream_assignment_views(&self, filter: &AssignmentFilter, order: Slice, rows: &tokio::sync::mpsc::Sender<AssignmentView>) -> StoreResult<()> {
        sql::assignment_lists::stream_assignment_views(self.db(), filter, order, rows).await
    }

    /// Every role of the environment with its number of assignments, most used first.
    #[tracing::instrument(skip_all)]
    pub async fn role_usage(&self, environment_id: &str) -> StoreResult<Vec<RoleUsage>> {
        sql::roles::role_usage(self.db(), environment_id).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn identity_assignments(&self, filter: &IdentityAssignmentFilter) -> StoreResult<(Vec<Assignment>, i64)> {
        sql::assignment_lists::identity_assignments(self.db(), filter).await
    }

    /// All of it in one transaction, or nothing.
    #[tracing::instrument(skip_all, fields(inserts = write.inserts.len(), updates = write.updates.len(), deletes = write.deletes.len()))]
    pub async fn write_assignments(&self, write: &AssignmentWrite) -> StoreResult<()> {
        let _bump = self.bump_generation();
        sql::assignments::write_assignments(self.db(), write).await
    }

    /// Assignments of these identities in every environment, with names, newest first.
    #[tracing::instrument(skip_all, fields(identities = identity_ids.len()))]
    pub async fn assignment_places(&self, identity_ids: &[&str]) -> StoreResult<Vec<AssignmentPlace>> {
        sql::assignments::assignment_places(self.db(), identity_ids).await
    }
}
