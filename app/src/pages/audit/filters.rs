//! The audit log's filters: environment and action (selects), actor and target (ids, also set by
//! the links in each row), and the time range in the admin's zone. Each change becomes the URL;
//! a range the API would refuse is marked at its fields (and the list says why).

use leptos::prelude::*;
use leptos_router::{NavigateOptions, hooks::use_navigate};

use super::{AuditContext, filter_label, query::AuditView};
use crate::{
    components::{
        form::input_class,
        toolbar::{Chip, FilterChips, FilterPanel, SELECT_CLASS},
        when::{LocalClock, from_input_value, parse_input_fields, to_input_value, zone_name},
    },
    dto::{AUDIT_ACTIONS, Timestamp},
    pages::audit::describe::{action_label, short_id},
};

/// A `datetime-local` value for an RFC 3339 instant of the URL: in UTC until the page runs in the
/// admin's browser (so the server's HTML and the first client render agree), then in their zone.
fn input_value(raw: &str, local: bool) -> String {
    match Timestamp::parse(raw) {
        Ok(at) if local => to_input_value(&at),
        Ok(at) => {
            let utc = at.inner().to_offset(time::UtcOffset::UTC);
            format!("{:04}-{:02}-{:02}T{:02}:{:02}", utc.year(), u8::from(utc.month()), utc.day(), utc.hour(), utc.minute())
        }
        // Not an instant: the field shows it as far as the browser can (nothing), the list why.
        Err(_) => parse_input_fields(raw).map(|_| raw.to_owned()).unwrap_or_default(),
    }
}

const LABEL: &str = "block text-xs font-medium text-zinc-700";

#[component]
pub fn AuditFilters() -> impl IntoView {
    let ctx = expect_context::<AuditContext>();
    let view = ctx.view;
    let clock = LocalClock::get();
    let navigate = use_navigate();
    let go = StoredValue::new(move |next: AuditView| {
        navigate(&ctx.href(&next), NavigateOptions { scroll: false, ..Default::default() });
    });
    let apply = move |change: Box<dyn FnOnce(&mut AuditView) + Send + Sync>| {
        let next = view.with_untracked(|v| v.refiltered(change));
        go.with_value(|go| go(next));
    };
    let errors = Memo::new(move |_| view.with(|v| v.query().err().unwrap_or_default()));
    let invalid = move |field: &'static str| move || errors.with(|e| e.get(field).is_some()).then_some("true");

    let environments = ctx.environments();
    let environment_options = environments
        .iter()
        .map(|(_, slug, name)| {
            let selected = view.with_untracked(|v| v.environment == *slug);
            view! { <option value=slug.clone() selected=selected>{name.clone()}</option> }
        })
        .collect_view();
    let action_options = AUDIT_ACTIONS
        .iter()
        .map(|(action, label)| {
            let selected = view.with_untracked(|v| v.action == *action);
            // Families first in their group, their members indented under them.
            let text = if action.contains('.') { format!("\u{2003}{label}") } else { (*label).to_owned() };
            view! { <option value=*action selected=selected>{text}</option> }
        })
        .collect_view();

    let text_field = move |id: &'static str, field: &'static str, placeholder: &'static str, read: fn(&AuditView) -> String, write: fn(&mut AuditView, String)| {
        view! {
            <div>
                <label for=id class=LABEL>{filter_label(field)}</label>
                <input
                    id=id
                    type="search"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder=placeholder
                    class=move || format!("{} font-mono", input_class(invalid(field)().is_some()).replace("mt-1.5", "mt-1"))
                    value=view.with_untracked(read)
                    prop:value=move || view.with(read)
                    on:change=move |ev| {
                        let value = event_target_value(&ev).trim().to_owned();
                        apply(Box::new(move |v| write(v, value)));
                    }
                />
            </div>
        }
    };
    let time_field = move |id: &'static str, field: &'static str, read: fn(&AuditView) -> String, write: fn(&mut AuditView, String)| {
        let error_id = format!("{id}-error");
        view! {
            <div>
                <label for=id class=LABEL>
                    {filter_label(field)}
                    <span class="font-normal text-zinc-600">{move || format!(" ({})", zone_name(clock.is_local()))}</span>
                </label>
                <input
                    id=id
                    type="datetime-local"
                    class=move || input_class(invalid(field)().is_some()).replace("mt-1.5", "mt-1")
                    aria-invalid=invalid(field)
                    aria-describedby=move || invalid(field)().map(|_| error_id.clone())
                    value=view.with_untracked(|v| input_value(&read(v), false))
                    prop:value=move || view.with(|v| input_value(&read(v), clock.is_local()))
                    on:change=move |ev| {
                        let value = from_input_value(&event_target_value(&ev)).unwrap_or_default();
                        apply(Box::new(move |v| write(v, value)));
                    }
                    data-testid=format!("filter-{field}")
                />
                {
                    let error_id = format!("{id}-error");
                    move || errors.with(|e| e.get(field).map(str::to_owned)).map(|message| view! {
                        <p id=error_id.clone() class="mt-1 text-xs text-rose-700" data-testid=format!("{field}-error")>{message}</p>
                    })
                }
            </div>
        }
    };

    let chips = move || {
        let v = view.get();
        let chip = move |kind: &'static str, value: String, change: fn(&mut AuditView)| Chip {
            kind,
            value,
            clear: Callback::new(move |()| apply(Box::new(change))),
        };
        let environment_name = |slug: &str| {
            environments.iter().find(|(_, s, _)| s == slug).map(|(_, _, name)| name.clone()).unwrap_or_else(|| slug.to_owned())
        };
        let mut chips = Vec::new();
        if !v.environment.is_empty() {
            chips.push(chip("Environment", environment_name(&v.environment), |v| v.environment.clear()));
        }
        if !v.action.is_empty() {
            chips.push(chip("Action", action_label(&v.action), |v| v.action.clear()));
        }
        if !v.actor.is_empty() {
            chips.push(chip("Actor", short_id(&v.actor), |v| v.actor.clear()));
        }
        if !v.target.is_empty() {
            chips.push(chip("Target", short_id(&v.target), |v| v.target.clear()));
        }
        if !v.from.is_empty() {
            chips.push(chip("From", input_value(&v.from, clock.is_local()).replace('T', " "), |v| v.from.clear()));
        }
        if !v.to.is_empty() {
            chips.push(chip("Before", input_value(&v.to, clock.is_local()).replace('T', " "), |v| v.to.clear()));
        }
        let on_clear_all = Callback::new(move |()| {
            apply(Box::new(|v| {
                let take = v.take;
                *v = AuditView { take, ..AuditView::default() };
            }))
        });
        view! { <FilterChips chips on_clear_all/> }
    };

    view! {
        <FilterPanel grid="lg:grid-cols-3" chips=move || chips.clone()>
            <div>
                <label for="audit-environment" class=LABEL>"Environment"</label>
                <select
                    id="audit-environment"
                    class=format!("mt-1 {SELECT_CLASS}")
                    prop:value=move || view.with(|v| v.environment.clone())
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        apply(Box::new(move |v| v.environment = value));
                    }
                    data-testid="filter-environment"
                >
                    <option value="">"All environments"</option>
                    {environment_options}
                </select>
            </div>
            <div>
                <label for="audit-action" class=LABEL>"Action"</label>
                <select
                    id="audit-action"
                    class=move || format!("mt-1 {SELECT_CLASS}{}", if invalid("action")().is_some() { " ring-rose-400" } else { "" })
                    aria-invalid=invalid("action")
                    prop:value=move || view.with(|v| v.action.clone())
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        apply(Box::new(move |v| v.action = value));
                    }
                    data-testid="filter-action"
                >
                    <option value="">"Every action"</option>
                    {action_options}
                </select>
            </div>
            {text_field("audit-actor", "actor", "Admin, API key or identity id", |v| v.actor.clone(), |v, s| v.actor = s)}
            {text_field("audit-target", "target", "The changed object's id", |v| v.target.clone(), |v, s| v.target = s)}
            {time_field("audit-from", "from", |v| v.from.clone(), |v, s| v.from = s)}
            {time_field("audit-to", "to", |v| v.to.clone(), |v, s| v.to = s)}
        </FilterPanel>
    }
    .into_any()
}
