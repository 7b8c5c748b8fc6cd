//! The records the store reads and writes: one struct per table, fields as stored, and the
//! filters, pages and write sets of the trait's methods.
//!
//! Rows decode with `#[derive(sqlx::FromRow)]`, by column name: a query whose column is named
//! otherwise than the field renames it with `AS` (or, for the audit JSON columns, the field says
//! which column it reads).

use app::dto::{ActorType, AssignmentSort, AssignmentStatus, IdentityAssignmentSort, IdentitySort, IdentityStatus, MembershipRole, SortOrder};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Account {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Admin {
    pub id: String,
    /// As entered; look-ups use `email_normalized` (lowercase).
    pub email: String,
    pub email_normalized: String,
    pub name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Membership {
    pub account_id: String,
    pub admin_id: String,
    pub role: MembershipRole,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AdminSession {
    pub id: String,
    pub admin_id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Application {
    pub id: String,
    pub account_id: String,
    pub slug: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Environment {
    pub id: String,
    pub application_id: String,
    pub slug: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Node {
    pub id: String,
    pub environment_id: String,
    pub parent_id: Option<String>,
    pub name: String,
    /// Free-form level name shown in the UI: `org`, `region`, `team`, `project`, ...
    pub kind: String,
    /// Ancestor ids including this node, `/`-separated with leading and trailing `/`
    /// (`/root/emea/payments/`). Subtree = `id_path LIKE '<node id_path>%'`.
    pub id_path: String,
    /// Human path of names, ` / `-separated (`Acme / EMEA / Payments`).
    pub path: String,
    /// 0 for a root.
    pub depth: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Identity {
    pub id: String,
    pub application_id: String,
    pub first_name: String,
    pub last_name: String,
    pub name: String,
    pub email: String,
    pub email_normalized: String,
    pub avatar_url: Option<String>,
    pub status: IdentityStatus,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Resource {
    pub id: String,
    pub environment_id: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Permission {
    pub id: String,
    pub environment_id: String,
    pub resource_id: String,
    pub action: String,
    /// `resource.action`, unique per environment.
    pub key: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Role {
    pub id: String,
    pub environment_id: String,
    pub name: String,
    pub description: Option<String>,
    pub is_system: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolePermission {
    pub role_id: String,
    pub permission_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Assignment {
    pub id: String,
    pub environment_id: String,
    pub identity_id: String,
    pub node_id: String,
    pub role_id: String,
    pub effective_from: Option<i64>,
    pub effective_to: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiKey {
    pub id: String,
    pub environment_id: String,
    pub name: String,
    /// The first characters of the secret, shown in lists and used to find the key.
    pub prefix: String,
    /// SHA-256 (hex) of the whole secret. The secret itself is never stored.
    pub secret_hash: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuditEvent {
    pub id: String,
    pub account_id: String,
    pub environment_id: Option<String>,
    /// The application of an application-wide event (an identity's); see [`AuditEvent::in_application`].
    pub application_id: Option<String>,
    pub actor_type: ActorType,
    pub actor_id: Option<String>,
    /// Dotted verb: `assignment.create`, `admin.login`, `demo.seed`, ...
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    #[sqlx(rename = "before_state", json(nullable))]
    pub before: Option<serde_json::Value>,
    #[sqlx(rename = "after_state", json(nullable))]
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    pub created_at: i64,
}

/// Rows to insert together, in one transaction, with multi-row statements. Tables are written
/// in foreign-key order, so a batch may hold an application and the environments under it.
/// Either every row is written or none is.
#[derive(Debug, Clone, Default)]
pub struct InsertBatch {
    pub accounts: Vec<Account>,
    pub admins: Vec<Admin>,
    pub memberships: Vec<Membership>,
    pub applications: Vec<Application>,
    pub environments: Vec<Environment>,
    pub nodes: Vec<Node>,
    pub identities: Vec<Identity>,
    pub resources: Vec<Resource>,
    pub permissions: Vec<Permission>,
    pub roles: Vec<Role>,
    pub role_permissions: Vec<RolePermission>,
    pub assignments: Vec<Assignment>,
    pub api_keys: Vec<ApiKey>,
    pub audit_events: Vec<AuditEvent>,
    /// The first response of a keyed bulk request that these rows answer, stored with them.
    pub idempotency: Option<IdempotencyRecord>,
}

/// What the dashboard shows about one environment, counted at `now_ms`.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct EnvironmentStats {
    pub nodes: i64,
    /// Identities of the environment's application (shared by its environments).
    pub identities: i64,
    pub roles: i64,
    pub permissions: i64,
    /// `effective_from > now`.
    pub assignments_scheduled: i64,
    /// `effective_to <= now` (and not scheduled).
    pub assignments_expired: i64,
    /// Neither scheduled nor expired.
    pub assignments_active: i64,
    /// Active with `effective_to` in `(now, now + 7 days]`.
    pub assignments_expiring_7d: i64,
    /// Active with `effective_to` in `(now, now + 30 days]`.
    pub assignments_expiring_30d: i64,
}

/// Row counts of the main tables (demo-data checks, readiness, the contract tests).
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct TableCounts {
    pub accounts: i64,
    pub admins: i64,
    pub applications: i64,
    pub environments: i64,
    pub nodes: i64,
    pub identities: i64,
    pub resources: i64,
    pub permissions: i64,
    pub roles: i64,
    pub role_permissions: i64,
    pub assignments: i64,
    pub api_keys: i64,
    pub audit_events: i64,
}

/// Which assignments a list shows. Every condition is optional except the environment.
#[derive(Debug, Clone, Default)]
pub struct AssignmentFilter {
    pub environment_id: String,
    /// Only assignments living on one of these nodes (a node and its ancestors, for
    /// "everyone with access at this node").
    pub on_nodes: Option<Vec<String>>,
    pub role_id: Option<String>,
    pub source_node_id: Option<String>,
    /// Evaluated at `now_ms`.
    pub status: Option<AssignmentStatus>,
    /// Case-insensitive substring of the identity's name or email, the role's or the node's name.
    pub search: Option<String>,
    pub now_ms: i64,
}

#[derive(Debug, Clone, Copy)]
pub struct Slice {
    pub sort: AssignmentSort,
    pub order: SortOrder,
    pub limit: i64,
    pub offset: i64,
}

/// An assignment with what the lists show about its identity, role and node.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AssignmentView {
    #[sqlx(flatten)]
    pub assignment: Assignment,
    pub identity_first_name: String,
    pub identity_last_name: String,
    pub identity_name: String,
    pub identity_email: String,
    pub identity_avatar_url: Option<String>,
    pub role_name: String,
    pub node_name: String,
    pub node_path: String,
}

/// A role of the environment with how many assignments use it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RoleUsage {
    pub role_id: String,
    pub role_name: String,
    pub assignments: i64,
}

/// `identities/{id}/assignments`: one identity's assignments in some environments.
#[derive(Debug, Clone)]
pub struct IdentityAssignmentFilter {
    pub identity_id: String,
    pub environment_ids: Vec<String>,
    /// Case-insensitive substring of the role's or the node's name.
    pub search: Option<String>,
    pub sort: IdentityAssignmentSort,
    pub order: SortOrder,
    pub limit: i64,
    pub offset: i64,
}

/// How long an `Idempotency-Key` is remembered: a retry within this time replays the first
/// response; later the key is free again and its record is deleted by the next write of one.
pub const IDEMPOTENCY_TTL_MS: i64 = 24 * 60 * 60 * 1000;

/// A stored first response of a request sent with an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IdempotencyRecord {
    pub id: String,
    /// Who and which endpoint: keys are only unique within a scope.
    pub scope: String,
    pub key: String,
    /// SHA-256 of the request (query and body): a reused key with another request is refused.
    pub request_hash: String,
    pub status_code: i32,
    pub response_body: String,
    pub created_at: i64,
}

/// Every assignment change of one request, written in one transaction with its audit events
/// (and the idempotency record of the response, when the request had a key).
#[derive(Debug, Clone, Default)]
pub struct AssignmentWrite {
    pub inserts: Vec<Assignment>,
    /// Rows whose role and window are replaced (matched by id).
    pub updates: Vec<Assignment>,
    /// One role for many assignments (bulk change role): `(ids, role_id, updated_at)`.
    pub role_change: Option<(Vec<String>, String, i64)>,
    pub deletes: Vec<String>,
    pub audit: Vec<AuditEvent>,
    pub idempotency: Option<IdempotencyRecord>,
    /// A conditional write (`If-Match`): checked first, in the same transaction.
    pub expect: Option<Expected>,
}

/// The kinds of object a conditional write can name; each has an `updated_at` version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versioned {
    Assignment,
    Identity,
    Node,
    Role,
}

impl Versioned {
    /// The object in words, for the 412 that says it changed.
    pub fn noun(self) -> &'static str {
        match self {
            Versioned::Assignment => "assignment",
            Versioned::Identity => "identity",
            Versioned::Node => "node",
            Versioned::Role => "role",
        }
    }
}

/// A conditional write's precondition: the object must still be at the version the caller
/// read, when the write's transaction takes its row; otherwise nothing is written and the
/// store answers [`StoreError::Stale`](super::StoreError::Stale).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub kind: Versioned,
    pub id: String,
    pub updated_at: i64,
}

/// A page of a simple list: search, order, bounds.
#[derive(Debug, Clone, Default)]
pub struct PageSpec {
    /// Case-insensitive substring.
    pub search: Option<String>,
    pub order: SortOrder,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Default)]
pub struct IdentityPageSpec {
    pub page: PageSpec,
    pub sort: IdentitySort,
    pub status: Option<IdentityStatus>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct IdentityCounts {
    pub total: i64,
    pub active: i64,
    pub with_assignments: i64,
}

/// An assignment with its environment, role and node names (an identity's detail).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AssignmentPlace {
    #[sqlx(flatten)]
    pub assignment: Assignment,
    pub environment_slug: String,
    pub role_name: String,
    pub node_name: String,
    pub node_path: String,
}

/// An assignment that grants a permission key (effective permissions and checks).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Grant {
    pub identity_id: String,
    pub permission_key: String,
    pub assignment_id: String,
    pub role_id: String,
    pub role_name: String,
    pub node_id: String,
    pub node_name: String,
}

/// One change besides plain inserts; see [`ChangeSet`].
#[derive(Debug, Clone)]
pub enum WriteOp {
    /// A conditional write's precondition; put first, so nothing runs when it fails.
    Expect(Expected),
    UpdateIdentity(Identity),
    DeleteIdentity(String),
    UpdateRole(Role),
    DeleteRole(String),
    /// Removes every permission of the role (new ones follow as inserts).
    ClearRolePermissions(String),
    /// Renames a node and/or moves it with its subtree: every node whose `id_path` starts with
    /// `old_id_path` gets the new prefixes and its depth shifted.
    RewriteSubtree { node: Node, old_id_path: String, old_path: String, depth_delta: i32 },
    /// Deletes nodes level by level, each inner list one depth, deepest first, and by cascade
    /// their assignments.
    DeleteNodes(Vec<Vec<String>>),
    RevokeApiKey { id: String, at: i64 },
    UpdateEnvironment(Environment),
    /// Deletes the environment and, by cascade, everything in it.
    DeleteEnvironment(String),
}

/// Everything one request changes, in one transaction: `ops` in order, then `inserts` (which
/// carry the audit events).
#[derive(Debug, Clone, Default)]
pub struct ChangeSet {
    pub ops: Vec<WriteOp>,
    pub inserts: InsertBatch,
}

impl ChangeSet {
    /// The same change, conditional on `expect` when there is one: checked first, in the same
    /// transaction, so a stale version writes nothing.
    pub fn expecting(mut self, expect: Option<Expected>) -> Self {
        if let Some(expected) = expect {
            self.ops.insert(0, WriteOp::Expect(expected));
        }
        self
    }
}

/// A completed bulk-import run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkImport {
    pub id: String,
    pub application_id: String,
    pub environment_id: Option<String>,
    pub file_name: String,
    pub total_rows: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub mode: String,
    pub created_by_admin_id: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub account_id: String,
    pub environment_id: Option<String>,
    pub actor_id: Option<String>,
    pub target_id: Option<String>,
    /// An action, or a family (`assignment` for every `assignment.*`).
    pub action: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// An environment with the application and account it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentPath {
    pub account: Account,
    pub application: Application,
    pub environment: Environment,
}
