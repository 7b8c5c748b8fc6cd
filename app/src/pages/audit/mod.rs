//! `/a/:account/:app/:env/audit`: every change of the account, newest first, narrowed by
//! environment, action, actor, target and time, paged, each event's before/after opened in place
//! as a field diff. The whole view, the open event included, lives in the URL.

pub mod describe;
pub mod filters;
pub mod query;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use self::{
    describe::{action_label, actor_label, short_id, target_name, target_type_label},
    filters::AuditFilters,
    query::{AuditView, api_query, filter_query},
};
use crate::{
    api::{self, ApiError},
    components::{
        export::ExportLink,
        field_diff::FieldDiff,
        icons::{Icon, IconName},
        shell::MeResource,
        states::SignInRedirect,
        table::{EmptyList, Pager, PastTheEnd, TableCard, TableError, TableSkeleton, page_bounds},
        when::{LocalClock, date_label, date_time_label, time_label},
    },
    dto::{AuditEventResponse, FieldErrors, MeResponse, Paginated},
    scope::{Scope, encode_query_value},
};

/// `APP/audit-events`.
pub fn audit_events_path(scope: &Scope) -> String {
    let env = scope.environment_api_path();
    let app = env.rsplit_once("/environments/").map(|(app, _)| app.to_owned()).unwrap_or(env);
    format!("{app}/audit-events")
}

#[derive(Clone, Copy)]
struct AuditContext {
    scope: Memo<Scope>,
    view: Memo<AuditView>,
    me: MeResource,
}

impl AuditContext {
    fn href(&self, view: &AuditView) -> String {
        format!("{}{}", self.scope.with_untracked(|s| s.page_path("audit")), view.to_search())
    }

    fn me(&self) -> Option<MeResponse> {
        self.me.get_untracked().and_then(Result::ok)
    }

    /// The application's environments (slug, name), per `me`.
    fn environments(&self) -> Vec<(String, String, String)> {
        let scope = self.scope.get_untracked();
        self.me()
            .into_iter()
            .flat_map(|me| me.accounts)
            .filter(|a| a.slug == scope.account)
            .flat_map(|a| a.applications)
            .filter(|a| a.slug == scope.application)
            .flat_map(|a| a.environments)
            .map(|e| (e.id, e.slug, e.name))
            .collect()
    }
}

/// A page of events, or `None` when the view is one the API would refuse (nothing is asked).
type AuditPage = Option<Paginated<AuditEventResponse>>;

#[component]
pub fn AuditPage() -> impl IntoView {
    let scope = expect_context::<Memo<Scope>>();
    let me = expect_context::<MeResource>();
    let params = use_query_map();
    let view = Memo::new(move |_| params.with(AuditView::from_params));
    // Opening an event changes the URL, not the page of events.
    let listed = Memo::new(move |_| view.with(|v| AuditView { open: None, ..v.clone() }));
    LocalClock::provide();
    let version = RwSignal::new(0u32);
    let table = Resource::new(
        move || (scope.get(), listed.get(), version.get()),
        |(scope, view, _)| {
            api::bound(async move {
                match view.query() {
                    Ok(query) => api::get::<Paginated<AuditEventResponse>>(&format!("{}?{}", audit_events_path(&scope), api_query(&query)))
                        .await
                        .map(Some),
                    Err(_) => Ok::<AuditPage, ApiError>(None),
                }
            })
        },
    );
    let ctx = AuditContext { scope, view, me };
    provide_context(ctx);
    let eyebrow = move || {
        let scope = scope.get();
        me.get().and_then(Result::ok).and_then(|me| scope.title_in(&me)).unwrap_or(scope.environment)
    };
    let pending = RwSignal::new(false);
    let export_href = Memo::new(move |_| {
        let query = listed.with(AuditView::query).ok()?;
        Some(format!("{}/export?{}", scope.with(audit_events_path), filter_query(&query)))
    });

    view! {
        <Title text="Audit log · Canopy"/>
        <header class="flex flex-wrap items-end justify-between gap-4">
            <div class="min-w-0">
                <p class="text-sm font-medium text-zinc-600">{eyebrow}</p>
                <h1 class="mt-1 text-2xl font-semibold tracking-tight text-zinc-900">"Audit log"</h1>
                <p class="mt-1.5 max-w-2xl text-sm text-zinc-600">
                    "Every change in this account, newest first: who made it, when, and what the object was before and after."
                </p>
            </div>
            // A view the API would refuse has nothing to export.
            <Show when=move || export_href.get().is_some()>
                <ExportLink
                    href=Signal::derive(move || export_href.get().unwrap_or_default())
                    label="Export the audit log as CSV, with the current filters"
                />
            </Show>
        </header>
        <AuditFilters/>
        <TableCard label="Audit events" pending>
            <Transition fallback=TableSkeleton set_pending=pending>
                {move || Suspend::new(async move {
                    match table.await {
                        Ok(Some(page)) => view! { <EventTable page/> }.into_any(),
                        Ok(None) => view! { <Refused/> }.into_any(),
                        Err(err) if err.is_unauthorized() => view! { <SignInRedirect/> }.into_any(),
                        Err(err) => view! {
                            <TableError
                                title="The audit log could not be loaded"
                                message=err.body.message
                                on_retry=Callback::new(move |()| version.update(|v| *v += 1))
                            />
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </TableCard>
    }
    .into_any()
}

/// How the audit log's filters are called on screen, by the query's field names.
pub fn filter_label(field: &str) -> &'static str {
    match field {
        "from" => "From",
        "to" => "Before",
        "action" => "Action",
        "actor" => "Actor",
        "target" => "Target",
        "environment" => "Environment",
        "page" => "Page",
        "take" => "Rows per page",
        _ => "Filter",
    }
}

/// A view the API would refuse: what is wrong, in the shared validation's words, and the way out.
#[component]
fn Refused() -> impl IntoView {
    let ctx = expect_context::<AuditContext>();
    let view = ctx.view.get_untracked();
    let errors = view.query().err().unwrap_or_else(FieldErrors::new);
    let items = errors
        .0
        .iter()
        .map(|(field, message)| {
            view! {
                <li data-testid="refused-reason" data-field=field.clone()>
                    <span class="font-medium">{filter_label(field)}": "</span>{message.clone()}
                </li>
            }
        })
        .collect_view();
    let without_time = ctx.href(&view.refiltered(|v| {
        v.from.clear();
        v.to.clear();
    }));
    let all = ctx.href(&AuditView { page: 1, take: view.take, ..AuditView::default() });
    view! {
        <div class="flex flex-col items-center px-6 py-14 text-center" role="alert" data-testid="audit-refused">
            <span class="flex size-11 items-center justify-center rounded-full bg-rose-50 text-rose-700 ring-1 ring-rose-200">
                <Icon name=IconName::Alert class="size-5"/>
            </span>
            <h2 class="mt-4 text-sm font-semibold text-zinc-900">"These filters cannot be used"</h2>
            <ul class="mt-2 max-w-md space-y-1 text-sm text-rose-800">{items}</ul>
            <div class="mt-5 flex flex-wrap justify-center gap-2">
                <a
                    href=without_time
                    data-noscroll=""
                    class="rounded-md bg-white px-3 py-1.5 text-sm font-medium text-zinc-800 shadow-xs ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                >
                    "Clear the time range"
                </a>
                <a
                    href=all
                    data-noscroll=""
                    class="rounded-md bg-white px-3 py-1.5 text-sm font-medium text-zinc-800 shadow-xs ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                >
                    "Clear all filters"
                </a>
            </div>
        </div>
    }
    .into_any()
}

#[component]
fn EventTable(page: Paginated<AuditEventResponse>) -> impl IntoView {
    let ctx = expect_context::<AuditContext>();
    let view = ctx.view;
    let meta = page.pagination.clone();
    if page.items.is_empty() {
        if meta.item_count > 0 {
            let href = ctx.href(&AuditView { page: meta.page_count.max(1) as u32, open: None, ..view.get_untracked() });
            return view! { <PastTheEnd href/> }.into_any();
        }
        return view! {
            <EmptyList
                filtered=view.with_untracked(AuditView::is_filtered)
                clear_href=ctx.href(&AuditView { page: 1, take: view.with_untracked(|v| v.take), ..AuditView::default() })
                no_match=("No events match", "Nothing was recorded for these filters. Widen the time range or remove a filter.")
                nothing_yet=("Nothing recorded yet", "Changes made in the portal or through the API appear here.")
                icon=IconName::Audit
            >
                {()}
            </EmptyList>
        }
        .into_any();
    }
    let (first, last) = page_bounds(&meta);
    let href_for = Callback::new(move |page: u32| ctx.href(&AuditView { page, open: None, ..view.get_untracked() }));
    let take_href = Callback::new(move |take: u32| ctx.href(&view.with_untracked(|v| v.refiltered(|v| v.take = take))));
    let environments = ctx.environments();
    let me = ctx.me();
    let rows = page
        .items
        .into_iter()
        .map(|event| {
            let environment = event
                .environment_id
                .as_ref()
                .and_then(|id| environments.iter().find(|(eid, _, _)| eid == id))
                .map(|(_, _, name)| name.clone());
            let actor = actor_label(&event, me.as_ref());
            view! { <EventRow event environment actor/> }
        })
        .collect_view();
    view! {
        <div class="overflow-x-auto">
            <table class="w-full table-fixed text-left text-sm md:min-w-[52rem]" data-testid="audit-table" aria-rowcount=meta.item_count.to_string()>
                <caption class="sr-only">{format!("Audit events, {first} to {last} of {}, newest first.", meta.item_count)}</caption>
                // Narrow: the three middle columns are zero wide rather than `hidden`, since the
                // open event's row spans all five and would otherwise share the width among them.
                <colgroup>
                    <col class="md:w-[38%]"/>
                    <col class="w-0 md:w-[18%]"/>
                    <col class="w-0 md:w-[16%]"/>
                    <col class="w-0 md:w-[16%]"/>
                    <col class="w-24 md:w-28"/>
                </colgroup>
                <thead class="border-b border-zinc-200 bg-zinc-50/80 text-xs font-medium text-zinc-600">
                    <tr>
                        <th scope="col" class="px-3 py-2.5 pl-4">"Change"</th>
                        <th scope="col" class="hidden px-3 py-2.5 md:table-cell">"Actor"</th>
                        <th scope="col" class="hidden px-3 py-2.5 md:table-cell">"Environment"</th>
                        <th scope="col" class="hidden px-3 py-2.5 md:table-cell">"When"</th>
                        <th scope="col" class="py-2.5 pl-3 pr-4 text-right"><span class="sr-only">"Before and after"</span></th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-zinc-100">{rows}</tbody>
            </table>
        </div>
        <Pager meta href_for take_href/>
    }
    .into_any()
}

const FILTER_LINK: &str = "rounded text-zinc-700 underline decoration-zinc-300 underline-offset-2 hover:text-canopy-800 hover:decoration-canopy-400 focus-visible:outline-2 focus-visible:outline-canopy-600";

#[component]
fn EventRow(event: AuditEventResponse, environment: Option<String>, actor: String) -> impl IntoView {
    let ctx = expect_context::<AuditContext>();
    let view = ctx.view;
    let clock = LocalClock::get();
    let id = event.id.clone();
    let at = event.created_at;
    let panel_id = format!("event-{}", short_id(&id));
    let is_open = {
        let id = id.clone();
        Memo::new(move |_| view.with(|v| v.open.as_deref() == Some(id.as_str())))
    };
    let toggle_href = {
        let id = id.clone();
        move || ctx.href(&view.with(|v| AuditView { open: if is_open.get() { None } else { Some(id.clone()) }, ..v.clone() }))
    };
    let by_actor = event.actor_id.clone().map(|actor_id| ctx.href(&view.with_untracked(|v| v.refiltered(|v| v.actor = actor_id))));
    let by_target = event.target_id.clone().map(|target| ctx.href(&view.with_untracked(|v| v.refiltered(|v| v.target = target))));
    let target = format!("{} {}", target_type_label(&event.target_type), target_name(&event).unwrap_or_else(|| event.target_id.as_deref().map(short_id).unwrap_or_default()));
    let action = action_label(&event.action);
    let actor_link = {
        let actor = actor.clone();
        move || match by_actor.clone() {
            Some(href) => view! { <a href=href data-noscroll="" class=FILTER_LINK title="Only this actor's changes" data-testid="filter-by-actor">{actor.clone()}</a> }.into_any(),
            None => view! { <span>{actor.clone()}</span> }.into_any(),
        }
    };
    let environment_label = environment.clone().unwrap_or_else(|| if event.environment_id.is_some() { "Another application".to_owned() } else { "Whole application".to_owned() });
    let AuditEventResponse { before, after, request_id, target_id, actor_id, action: action_code, .. } = event;
    view! {
        <tr class=move || if is_open.get() { "bg-canopy-50/40" } else { "hover:bg-zinc-50/70" } data-testid="audit-row" data-id=id.clone() data-action=action_code.clone()>
            <td class="px-3 py-3 pl-4 align-top">
                <p class="font-medium text-zinc-900" data-testid="audit-action">{action.clone()}</p>
                <p class="mt-0.5 truncate text-zinc-700" data-testid="audit-target">
                    {match by_target.clone() {
                        Some(href) => view! { <a href=href data-noscroll="" class=FILTER_LINK title="Only this object's changes" data-testid="filter-by-target">{target.clone()}</a> }.into_any(),
                        None => view! { <span>{target.clone()}</span> }.into_any(),
                    }}
                </p>
                // Narrow screens: who and when, under the change.
                <p class="mt-1 text-xs text-zinc-600 md:hidden">
                    {actor_link.clone()}
                    " · "
                    <span class="tabular-nums">{move || date_time_label(&at, clock.is_local())}</span>
                </p>
            </td>
            <td class="hidden px-3 py-3 align-top text-zinc-700 md:table-cell" data-testid="audit-actor">{actor_link}</td>
            <td class="hidden truncate px-3 py-3 align-top text-zinc-700 md:table-cell">{environment_label}</td>
            <td class="hidden whitespace-nowrap px-3 py-3 align-top text-xs text-zinc-700 tabular-nums md:table-cell" title=move || date_time_label(&at, clock.is_local())>
                <span class="block">{move || date_label(&at, clock.is_local())}</span>
                <span class="block text-zinc-600">{move || time_label(&at, clock.is_local())}</span>
            </td>
            <td class="py-3 pl-3 pr-4 text-right align-top">
                <a
                    href=toggle_href
                    data-noscroll=""
                    aria-expanded=move || if is_open.get() { "true" } else { "false" }
                    aria-controls=panel_id.clone()
                    class="inline-flex items-center gap-1 rounded-md px-2 py-1 text-sm font-medium text-canopy-700 hover:bg-canopy-50 focus-visible:outline-2 focus-visible:outline-canopy-600"
                    data-testid="toggle-diff"
                >
                    {move || if is_open.get() { "Hide" } else { "Changes" }}
                    <span class="sr-only">{format!(" of {action}, {target}")}</span>
                </a>
            </td>
        </tr>
        <Show when=move || is_open.get()>
            <tr id=panel_id.clone() data-testid="audit-detail">
                <td colspan="5" class="bg-zinc-50/60 px-4 pb-4 pt-1">
                    <FieldDiff before=before.clone() after=after.clone()/>
                    <dl class="mt-3 grid gap-x-6 gap-y-1 text-xs text-zinc-600 sm:grid-cols-3">
                        <div class="min-w-0"><dt class="inline font-medium">"Action: "</dt><dd class="inline font-mono">{action_code.clone()}</dd></div>
                        <div class="min-w-0 truncate"><dt class="inline font-medium">"Target id: "</dt><dd class="inline font-mono" data-testid="audit-target-id">{target_id.clone().unwrap_or_else(|| "—".to_owned())}</dd></div>
                        <div class="min-w-0 truncate"><dt class="inline font-medium">"Actor id: "</dt><dd class="inline font-mono">{actor_id.clone().unwrap_or_else(|| "—".to_owned())}</dd></div>
                        <div class="min-w-0 truncate"><dt class="inline font-medium">"Request: "</dt><dd class="inline font-mono">{request_id.clone().unwrap_or_else(|| "—".to_owned())}</dd></div>
                    </dl>
                </td>
            </tr>
        </Show>
    }
    .into_any()
}

/// The audit log filtered to one object (for links from other pages).
pub fn audit_path_for_target(scope: &Scope, target_id: &str) -> String {
    format!("{}?target={}", scope.page_path("audit"), encode_query_value(target_id))
}
