//! The overview's latest changes: the newest events of this environment's audit log, in words,
//! each leading to the audit log opened at it.

use leptos::prelude::*;

use crate::{
    api::{self, ApiError},
    components::{
        icons::{Icon, IconName},
        shell::MeResource,
        when::{LocalClock, date_time_label},
    },
    dto::{AuditEventResponse, Paginated},
    pages::audit::{
        audit_events_path,
        describe::{action_label, actor_label, target_name, target_type_label},
        query::AuditView,
    },
    scope::{Scope, encode_query_value},
};

/// How many events the card shows.
pub const RECENT: u32 = 6;

/// The newest events of the environment (the application's own, such as identity edits, are in
/// the audit log under every environment).
pub async fn load_recent(scope: &Scope) -> Result<Paginated<AuditEventResponse>, ApiError> {
    api::get(&format!("{}?take={RECENT}&environment={}", audit_events_path(scope), encode_query_value(&scope.environment))).await
}

#[component]
pub fn RecentChanges(recent: Result<Paginated<AuditEventResponse>, ApiError>, scope: Scope) -> impl IntoView {
    let me = use_context::<MeResource>().and_then(|me| me.get_untracked()).and_then(Result::ok);
    let clock = LocalClock::get();
    let audit_path = scope.page_path("audit");
    let in_environment = AuditView { environment: scope.environment.clone(), ..AuditView::default() };
    let all_href = format!("{audit_path}{}", in_environment.to_search());
    let body = match recent {
        Err(err) => view! { <li class="px-2 py-2 text-sm text-rose-800" role="alert">{err.body.message}</li> }.into_any(),
        Ok(page) if page.items.is_empty() => {
            view! { <li class="px-2 py-2 text-sm text-zinc-600">"Nothing has changed in this environment yet."</li> }.into_any()
        }
        Ok(page) => page
            .items
            .into_iter()
            .map(|event| {
                let at = event.created_at;
                let href = format!("{audit_path}{}", AuditView { open: Some(event.id.clone()), ..in_environment.clone() }.to_search());
                let target = target_name(&event).unwrap_or_else(|| target_type_label(&event.target_type));
                let actor = actor_label(&event, me.as_ref());
                view! {
                    <li data-testid="recent-change" data-id=event.id.clone()>
                        <a
                            href=href
                            class="group flex items-start justify-between gap-3 rounded-lg px-2 py-2 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-canopy-600"
                        >
                            <span class="min-w-0">
                                <span class="block truncate text-sm font-medium text-zinc-900 group-hover:text-canopy-800">{action_label(&event.action)}</span>
                                <span class="block truncate text-sm text-zinc-600">{format!("{} · by {actor}", target)}</span>
                            </span>
                            <span class="shrink-0 text-right text-xs text-zinc-600 tabular-nums">{move || date_time_label(&at, clock.is_local())}</span>
                        </a>
                    </li>
                }
            })
            .collect_view()
            .into_any(),
    };
    view! {
        <section class="rounded-xl border border-zinc-200 bg-white p-4 shadow-xs sm:p-5" aria-labelledby="recent-title" data-testid="recent-changes">
            <div class="flex items-baseline justify-between gap-3">
                <h2 id="recent-title" class="text-sm font-medium text-zinc-600">"Recent changes"</h2>
                <a href=all_href class="inline-flex items-center gap-1 rounded text-sm font-medium text-canopy-700 hover:text-canopy-800 focus-visible:outline-2 focus-visible:outline-canopy-600">
                    "Audit log"
                    <Icon name=IconName::ArrowRight/>
                </a>
            </div>
            <ul class="-mx-2 mt-2 divide-y divide-zinc-100">{body}</ul>
        </section>
    }
    .into_any()
}
