//! A change as a reader follows it: the object's fields before and after, side by side, the
//! changed ones first and marked (added, removed, changed), the unchanged ones after them.
//! Values read as text: instants as dates in the admin's zone, lists as lists, `null` as a dash.

use leptos::prelude::*;
use serde_json::Value;

use super::when::{LocalClock, date_time_label};
use crate::dto::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldChange {
    Added,
    Removed,
    Changed,
    Same,
}

impl FieldChange {
    pub fn label(self) -> &'static str {
        match self {
            FieldChange::Added => "added",
            FieldChange::Removed => "removed",
            FieldChange::Changed => "changed",
            FieldChange::Same => "unchanged",
        }
    }
}

/// One field of the object: its name, its value before and after (`None`: absent on that side).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRow {
    pub field: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub change: FieldChange,
}

/// The fields of `before` and `after` (objects; any other value is one field named `value`),
/// the changed ones first, each group in field order.
pub fn field_rows(before: Option<&Value>, after: Option<&Value>) -> Vec<FieldRow> {
    fn fields(value: Option<&Value>) -> Vec<(String, Value)> {
        match value {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Some(other) => vec![("value".to_owned(), other.clone())],
        }
    }
    let before = fields(before);
    let after = fields(after);
    let mut names: Vec<&String> = before.iter().chain(after.iter()).map(|(k, _)| k).collect();
    names.sort();
    names.dedup();
    let find = |side: &[(String, Value)], name: &str| side.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let mut rows: Vec<FieldRow> = names
        .into_iter()
        .map(|name| {
            let (b, a) = (find(&before, name), find(&after, name));
            let change = match (&b, &a) {
                (None, Some(_)) => FieldChange::Added,
                (Some(_), None) => FieldChange::Removed,
                (b, a) if b == a => FieldChange::Same,
                _ => FieldChange::Changed,
            };
            FieldRow { field: name.clone(), before: b, after: a, change }
        })
        .collect();
    rows.sort_by_key(|row| row.change == FieldChange::Same);
    rows
}

/// A field's value as text: strings as they are (instants as dates), lists joined with commas,
/// objects as compact JSON, `null` and the empty string as a dash.
pub fn value_text(value: &Value, local: bool) -> String {
    match value {
        Value::Null => "—".to_owned(),
        Value::String(s) if s.is_empty() => "—".to_owned(),
        Value::String(s) => match Timestamp::parse(s) {
            Ok(at) if s.len() >= 20 && s.contains('T') => date_time_label(&at, local),
            _ => s.clone(),
        },
        Value::Array(items) if items.is_empty() => "none".to_owned(),
        Value::Array(items) => items.iter().map(|item| value_text(item, local)).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// `first_name` → `First name`.
pub fn field_label(field: &str) -> String {
    let spaced = field.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The before/after table of one change.
#[component]
pub fn FieldDiff(before: Option<Value>, after: Option<Value>) -> impl IntoView {
    let clock = LocalClock::get();
    let rows = field_rows(before.as_ref(), after.as_ref());
    if rows.is_empty() {
        return view! { <p class="text-sm text-zinc-600">"This event recorded no fields."</p> }.into_any();
    }
    let changed = rows.iter().filter(|r| r.change != FieldChange::Same).count();
    let body = rows
        .into_iter()
        .map(|row| {
            let FieldRow { field, before, after, change } = row;
            let (row_class, badge) = match change {
                FieldChange::Added => ("bg-emerald-50/60", "bg-emerald-100 text-emerald-800"),
                FieldChange::Removed => ("bg-rose-50/60", "bg-rose-100 text-rose-800"),
                FieldChange::Changed => ("bg-amber-50/60", "bg-amber-100 text-amber-900"),
                FieldChange::Same => ("", "bg-zinc-100 text-zinc-600"),
            };
            let muted = change == FieldChange::Same;
            let cell = move |value: Option<Value>, struck: bool| {
                let text = move || value.as_ref().map(|v| value_text(v, clock.is_local())).unwrap_or_default();
                let class = match (muted, struck) {
                    (true, _) => "break-words px-3 py-2 text-zinc-600",
                    (false, true) => "break-words px-3 py-2 text-zinc-700 line-through decoration-rose-400/70",
                    (false, false) => "break-words px-3 py-2 font-medium text-zinc-900",
                };
                view! { <td class=class>{text}</td> }
            };
            let strike_before = matches!(change, FieldChange::Changed | FieldChange::Removed);
            view! {
                <tr class=row_class data-testid="diff-row" data-field=field.clone() data-change=change.label()>
                    <th scope="row" class="px-3 py-2 text-left align-top font-medium text-zinc-700">
                        <span class="block">{field_label(&field)}</span>
                        <span class=format!("mt-0.5 inline-block rounded px-1.5 text-[0.6875rem] font-medium {badge}")>{change.label()}</span>
                    </th>
                    {cell(before, strike_before)}
                    {cell(after, false)}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="overflow-x-auto rounded-lg ring-1 ring-zinc-200">
            <table class="w-full table-fixed text-left text-sm" data-testid="field-diff">
                <caption class="sr-only">{format!("Fields before and after the change; {changed} changed.")}</caption>
                <colgroup>
                    <col class="w-32 sm:w-44"/>
                    <col/>
                    <col/>
                </colgroup>
                <thead class="bg-zinc-50 text-xs font-medium text-zinc-600">
                    <tr>
                        <th scope="col" class="px-3 py-2">"Field"</th>
                        <th scope="col" class="px-3 py-2">"Before"</th>
                        <th scope="col" class="px-3 py-2">"After"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-zinc-100 align-top">{body}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_fields_come_first_and_say_how_they_changed() {
        let before = json!({ "name": "Ada", "email": "ada@x.example", "status": "active", "old": 1 });
        let after = json!({ "name": "Ada L.", "email": "ada@x.example", "status": "active", "new": true });
        let rows = field_rows(Some(&before), Some(&after));
        let summary: Vec<(&str, FieldChange)> = rows.iter().map(|r| (r.field.as_str(), r.change)).collect();
        assert_eq!(
            summary,
            [
                ("name", FieldChange::Changed),
                ("new", FieldChange::Added),
                ("old", FieldChange::Removed),
                ("email", FieldChange::Same),
                ("status", FieldChange::Same),
            ]
        );
    }

    #[test]
    fn a_creation_is_all_added_and_a_deletion_all_removed() {
        let state = json!({ "name": "Team", "parent_id": null });
        assert!(field_rows(None, Some(&state)).iter().all(|r| r.change == FieldChange::Added));
        assert!(field_rows(Some(&state), None).iter().all(|r| r.change == FieldChange::Removed));
        assert!(field_rows(None, None).is_empty());
    }

    #[test]
    fn values_read_as_text() {
        assert_eq!(value_text(&json!(null), false), "—");
        assert_eq!(value_text(&json!(["invoices.read", "invoices.approve"]), false), "invoices.read, invoices.approve");
        assert_eq!(value_text(&json!("2026-05-12T14:05:00Z"), false), "12 May 2026, 14:05 UTC");
        assert_eq!(value_text(&json!("production"), false), "production");
        assert_eq!(value_text(&json!({ "a": 1 }), false), r#"{"a":1}"#);
        assert_eq!(field_label("first_name"), "First name");
    }
}
