//! Audit events: who did what to which object, with before/after, in the write's transaction.

use app::dto::ActorType;
use serde_json::Value;

use crate::{
    ids::new_id,
    store::{Account, AuditEvent},
};

/// Who performed a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Admin(String),
    ApiKey(String),
    Identity(String),
    /// The command line and start-up tasks (demo seeding, `create-admin`, ...).
    System,
}

impl Actor {
    pub fn parts(&self) -> (ActorType, Option<&str>) {
        match self {
            Actor::Admin(id) => (ActorType::Admin, Some(id)),
            Actor::ApiKey(id) => (ActorType::ApiKey, Some(id)),
            Actor::Identity(id) => (ActorType::Identity, Some(id)),
            Actor::System => (ActorType::System, None),
        }
    }
}

/// What a write changed; turned into an [`AuditEvent`] by [`AuditContext::event`].
pub struct Change<'a> {
    pub account_id: &'a str,
    pub environment_id: Option<&'a str>,
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: Option<&'a str>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The actor and request a write happens in.
#[derive(Debug, Clone)]
pub struct AuditContext {
    pub actor: Actor,
    pub request_id: Option<String>,
    pub at: i64,
}

impl AuditContext {
    pub fn new(actor: Actor, request_id: Option<String>, at: i64) -> Self {
        Self { actor, request_id, at }
    }

    pub fn event(&self, change: Change<'_>) -> AuditEvent {
        let (actor_type, actor_id) = self.actor.parts();
        AuditEvent {
            id: new_id(),
            account_id: change.account_id.to_owned(),
            environment_id: change.environment_id.map(str::to_owned),
            application_id: None,
            actor_type,
            actor_id: actor_id.map(str::to_owned),
            action: change.action.to_owned(),
            target_type: change.target_type.to_owned(),
            target_id: change.target_id.map(str::to_owned),
            before: change.before,
            after: change.after,
            request_id: self.request_id.clone(),
            created_at: self.at,
        }
    }

    /// The event of a write to `target` (`(type, id)`) in `account` (and `environment_id`).
    pub fn record(
        &self,
        account: &Account,
        environment_id: Option<&str>,
        action: &'static str,
        (target_type, target_id): (&'static str, &str),
        before: Option<Value>,
        after: Option<Value>,
    ) -> AuditEvent {
        self.event(Change { account_id: &account.id, environment_id, action, target_type, target_id: Some(target_id), before, after })
    }
}

impl AuditEvent {
    /// The event of an application-wide object (an identity), marked with its application.
    pub fn in_application(mut self, application_id: &str) -> Self {
        self.application_id = Some(application_id.to_owned());
        self
    }
}
