//! The node tree: look-ups, pages, a node's usage and subtree.
//!
//! This feature's part of the one [`Store`]: an `impl Store` block, so the feature's reads and
//! writes are declared next to the service that uses them, while the statements stay in
//! `store/sql/` (written once for both backends) and the backend is still chosen once, at
//! start-up.

use crate::store::{sql, *};

impl Store {
    #[tracing::instrument(skip_all)]
    pub async fn nodes(&self, environment_id: &str) -> StoreResult<Vec<Node>> {
        sql::nodes::nodes(self.db(), environment_id).await
    }

    /// Those of `ids` that are nodes of the environment.
    #[tracing::instrument(skip_all, fields(ids = ids.len()))]
    pub async fn nodes_by_ids(&self, environment_id: &str, ids: &[&str]) -> StoreResult<Vec<Node>> {
        sql::nodes::nodes_by_ids(self.db(), environment_id, ids).await
    }

    /// The ids of the environment's nodes.
    #[tracing::instrument(skip_all)]
    pub async fn node_ids(&self, environment_id: &str) -> StoreResult<Vec<String>> {
        sql::nodes::node_ids(self.db(), environment_id).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn node_by_id(&self, environment_id: &str, id: &str) -> StoreResult<Option<Node>> {
        sql::nodes::node_by_id(self.db(), environment_id, id).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn node_page(&self, environment_id: &str, spec: &PageSpec) -> StoreResult<(Vec<Node>, i64)> {
        sql::nodes::node_page(self.db(), environment_id, spec).await
    }

    /// Direct children and assignments in the node's whole subtree.
    #[tracing::instrument(skip_all)]
    pub async fn node_usage(&self, node: &Node) -> StoreResult<(i64, i64)> {
        sql::nodes::node_usage(self.db(), node).await
    }

    /// The node and all its descendants.
    #[tracing::instrument(skip_all)]
    pub async fn subtree(&self, node: &Node) -> StoreResult<Vec<Node>> {
        sql::nodes::subtree(self.db(), node).await
    }
}
