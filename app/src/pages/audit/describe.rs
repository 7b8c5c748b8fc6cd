//! An audit event in words: what was done (`Assignment created`), to what (the object's name as
//! the event recorded it), and by whom. Shared by the audit log and the overview's recent changes.

use serde_json::Value;

use crate::dto::{AUDIT_ACTIONS, ActorType, AuditEventResponse, MeResponse};

/// `assignment.create` → `Assignment created`; an action the list does not know reads as itself.
pub fn action_label(action: &str) -> String {
    AUDIT_ACTIONS.iter().find(|(a, _)| *a == action).map(|(_, label)| (*label).to_owned()).unwrap_or_else(|| action.to_owned())
}

/// The first 8 characters of an id, enough to tell two apart on screen.
pub fn short_id(id: &str) -> String {
    id.chars().take(8).collect()
}

/// What the event's object is called, from its recorded state (after, else before).
pub fn target_name(event: &AuditEventResponse) -> Option<String> {
    let state = event.after.as_ref().filter(|v| v.is_object()).or(event.before.as_ref())?;
    ["name", "email", "key", "slug", "file_name"]
        .iter()
        .find_map(|field| state.get(field).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned))
}

/// `identity` → `Identity`, `api_key` → `API key`.
pub fn target_type_label(target_type: &str) -> String {
    match target_type {
        "api_key" => "API key".to_owned(),
        "bulk_import" => "Bulk import".to_owned(),
        other => crate::components::field_diff::field_label(other),
    }
}

/// Who acted: the signed-in admin is "You"; others by kind and short id.
pub fn actor_label(event: &AuditEventResponse, me: Option<&MeResponse>) -> String {
    let id = event.actor_id.as_deref().unwrap_or_default();
    match event.actor_type {
        ActorType::Admin if me.is_some_and(|me| me.admin.id == id) => "You".to_owned(),
        ActorType::Admin => format!("Admin {}", short_id(id)),
        ActorType::ApiKey => format!("API key {}", short_id(id)),
        ActorType::Identity => format!("Identity {}", short_id(id)),
        ActorType::System => "Canopy".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::Timestamp;
    use serde_json::json;

    fn event(after: Option<Value>, before: Option<Value>) -> AuditEventResponse {
        AuditEventResponse {
            id: "e".into(),
            environment_id: None,
            actor_type: ActorType::System,
            actor_id: None,
            action: "node.create".into(),
            target_type: "node".into(),
            target_id: Some("n".into()),
            before,
            after,
            request_id: None,
            created_at: Timestamp::now(),
        }
    }

    #[test]
    fn an_event_reads_in_words() {
        assert_eq!(action_label("assignment.create"), "Assignment created");
        assert_eq!(action_label("something.new"), "something.new");
        assert_eq!(target_name(&event(Some(json!({ "name": "Team A" })), None)).as_deref(), Some("Team A"));
        assert_eq!(target_name(&event(None, Some(json!({ "email": "a@x.example" })))).as_deref(), Some("a@x.example"));
        assert_eq!(target_type_label("api_key"), "API key");
        assert_eq!(actor_label(&event(None, None), None), "Canopy");
    }
}
