//! `/a/:account/:app/:env/identities/:id`: one identity: its details (edit, activate /
//! deactivate), its assignments in every environment of the application
//! (`GET APP/identities/{id}/assignments`, the seed endpoint, named with `{id}/detail`), and in
//! this environment its effective permissions with why (the assignment, role and source node
//! behind each; `GET APP/identities/{id}/effective-permissions`) at now or at a chosen instant,
//! optionally at one node; and "why not": for a permission and node it lacks, that nothing grants
//! it, which roles would, and what it holds that comes close.
//!
//! Everything that changes the view lives in the URL: `env` and `apage` (the assignments),
//! `at` and `node` (the permissions), `perm` and `perm_node` (why not).

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_params_map, use_query_map},
};
use serde::{Deserialize, Serialize};

use super::{
    IdentityStatusBadge, identity_status_label,
    dialogs::{IdentityDialog, IdentityDialogs, identity_api_path},
};
use crate::{
    api::{self, ApiError},
    components::{
        page_owned::{PageOwner, page_owned},
        badges::{Avatar, RolePill},
        icons::{Icon, IconName},
        notice::Notice,
        picker::{PickOption, PickerSource, SearchPicker, nodes_path},
        shell::MeResource,
        states::{LoadError, SignInRedirect, set_response_status},
        switcher::EnvironmentBadge,
        table::{Pager, TableSkeleton, WIDE_CELL, WIDE_HEADER},
        toolbar::SELECT_CLASS,
        when::{LocalClock, date_label, date_time_label, from_input_value, to_input_value, zone_name},
    },
    dto::{
        AssignmentResponse, EffectivePermissionsResponse, EnvironmentSummary, IdentityAssignment, IdentityWithAssignments,
        NodeLookupRequest, NodeLookupResponse, NodeResponse, Paginated, PermissionResponse, RoleResponse, Timestamp,
    },
    pages::assignments::{StatusBadge, load_roles, status_label},
    scope::{Scope, encode_query_value, grouped},
};

/// Assignments listed per page on the identity's page.
const ASSIGNMENTS_TAKE: u32 = 10;

/// The identity page's view as the URL says it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DetailQuery {
    /// Only this environment's assignments (slug).
    pub env: Option<String>,
    pub apage: u32,
    /// The instant the permissions are evaluated at; now when absent.
    pub at: Option<Timestamp>,
    /// Only the permissions that apply at this node.
    pub node: Option<String>,
    /// Why not: this permission key at `perm_node`.
    pub perm: Option<String>,
    pub perm_node: Option<String>,
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty() && v.len() <= 200)
}

impl DetailQuery {
    pub fn from_params(params: &leptos_router::params::ParamsMap) -> Self {
        Self {
            env: non_empty(params.get("env")),
            apage: params.get("apage").and_then(|p| p.trim().parse().ok()).filter(|p| *p >= 1).unwrap_or(1),
            at: params.get("at").and_then(|raw| Timestamp::parse(raw.trim()).ok()),
            node: non_empty(params.get("node")),
            perm: non_empty(params.get("perm")),
            perm_node: non_empty(params.get("perm_node")),
        }
    }

    pub fn to_search(&self) -> String {
        let mut parts = Vec::new();
        if let Some(env) = &self.env {
            parts.push(format!("env={}", encode_query_value(env)));
        }
        if self.apage > 1 {
            parts.push(format!("apage={}", self.apage));
        }
        if let Some(at) = &self.at {
            parts.push(format!("at={}", encode_query_value(&at.to_rfc3339())));
        }
        if let Some(node) = &self.node {
            parts.push(format!("node={}", encode_query_value(node)));
        }
        if let Some(perm) = &self.perm {
            parts.push(format!("perm={}", encode_query_value(perm)));
        }
        if let Some(node) = &self.perm_node {
            parts.push(format!("perm_node={}", encode_query_value(node)));
        }
        if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
    }
}

/// The identity with every assignment's names, and what the forms offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Profile {
    detail: IdentityWithAssignments,
    roles: Vec<RoleResponse>,
    permissions: Vec<String>,
}

/// One page of the seed endpoint's assignments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct AssignmentsPage {
    page: Paginated<AssignmentResponse>,
}

/// The effective permissions, with the paths of the nodes they name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Effective {
    answer: EffectivePermissionsResponse,
    paths: BTreeMap<String, String>,
    node: Option<NodeResponse>,
}

/// The answer to "why not".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct WhyNot {
    permission: String,
    node: NodeResponse,
    effective: Effective,
}

fn app_identity_path(scope: &Scope, id: &str) -> String {
    identity_api_path(scope, id)
}

async fn load_profile(scope: Scope, id: String) -> Result<Profile, ApiError> {
    let detail: IdentityWithAssignments = api::get(&format!("{}/detail", app_identity_path(&scope, &id))).await?;
    let roles = load_roles(scope.clone()).await?;
    // Every permission of the environment, in one answer (the list is not paged).
    let mut permissions: Vec<String> =
        api::get::<Vec<PermissionResponse>>(&format!("{}/permissions", scope.environment_api_path())).await?.into_iter().map(|p| p.key).collect();
    permissions.sort();
    Ok(Profile { detail, roles, permissions })
}

async fn load_assignments(scope: Scope, id: String, env: Option<String>, page: u32) -> Result<AssignmentsPage, ApiError> {
    let mut path = format!("{}/assignments?page={page}&take={ASSIGNMENTS_TAKE}&sort_by=created_at&order=desc", app_identity_path(&scope, &id));
    if let Some(env) = env {
        path.push_str(&format!("&environment={}", encode_query_value(&env)));
    }
    Ok(AssignmentsPage { page: api::get(&path).await? })
}

async fn lookup_nodes(scope: &Scope, ids: Vec<String>) -> Result<Vec<NodeResponse>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found: NodeLookupResponse = api::post_json(&format!("{}/lookup", nodes_path(scope)), &NodeLookupRequest { ids }).await?;
    Ok(found.items)
}

async fn load_effective(scope: Scope, id: String, node: Option<String>, at: Option<Timestamp>) -> Result<Effective, ApiError> {
    let mut path = format!("{}/effective-permissions?environment={}", app_identity_path(&scope, &id), encode_query_value(&scope.environment));
    if let Some(node) = &node {
        path.push_str(&format!("&node_id={}", encode_query_value(node)));
    }
    if let Some(at) = &at {
        path.push_str(&format!("&at={}", encode_query_value(&at.to_rfc3339())));
    }
    let answer: EffectivePermissionsResponse = api::get(&path).await?;
    let mut ids: Vec<String> = answer.permissions.iter().flat_map(|p| p.granted_by.iter().map(|g| g.source_node_id.clone())).collect();
    ids.extend(node.iter().cloned());
    ids.sort();
    ids.dedup();
    let nodes = lookup_nodes(&scope, ids).await?;
    let paths = nodes.iter().map(|n| (n.id.clone(), n.path.clone())).collect();
    let node = node.and_then(|id| nodes.into_iter().find(|n| n.id == id));
    Ok(Effective { answer, paths, node })
}

async fn load_why_not(scope: Scope, id: String, permission: String, node_id: String, at: Option<Timestamp>) -> Result<WhyNot, ApiError> {
    let effective = load_effective(scope, id, Some(node_id), at).await?;
    let node = effective.node.clone().ok_or_else(|| ApiError::new(404, "not_found", "That node does not exist in this environment."))?;
    Ok(WhyNot { permission, node, effective })
}

/// The page's resources beside the profile, created with the page.
#[derive(Clone, Copy)]
struct DetailResources {
    assignments: Resource<Result<AssignmentsPage, ApiError>>,
    effective: Resource<Result<Effective, ApiError>>,
    why_not: Resource<Result<Option<WhyNot>, ApiError>>,
}

#[derive(Clone, Copy)]
struct DetailContext {
    scope: Memo<Scope>,
    id: Memo<String>,
    state: Memo<DetailQuery>,
    version: RwSignal<u32>,
    dialog: RwSignal<Option<IdentityDialog>>,
    notice: RwSignal<Option<String>>,
    /// Goes to another view of this page, keeping the scroll position.
    navigate: Callback<String>,
}

impl DetailContext {
    fn href(&self, next: &DetailQuery) -> String {
        let path = self.scope.with_untracked(|s| super::identity_page_path(s, &self.id.get_untracked()));
        format!("{path}{}", next.to_search())
    }

    fn go(&self, change: impl FnOnce(&mut DetailQuery)) {
        let mut next = self.state.get_untracked();
        change(&mut next);
        self.navigate.run(self.href(&next));
    }
}

#[component]
pub fn IdentityPage() -> impl IntoView {
    let scope = expect_context::<Memo<Scope>>();
    let me = expect_context::<MeResource>();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let query = use_query_map();
    let state = Memo::new(move |_| query.with(DetailQuery::from_params));
    LocalClock::provide();
    let version = RwSignal::new(0u32);
    let navigate = use_navigate();
    let navigate = Callback::new(move |href: String| navigate(&href, NavigateOptions { scroll: false, ..Default::default() }));
    let ctx = DetailContext { scope, id, state, version, dialog: RwSignal::new(None), notice: RwSignal::new(None), navigate };
    provide_context(ctx);
    PageOwner::provide();

    let profile = Resource::new(move || (scope.get(), id.get(), version.get()), |(scope, id, _)| api::bound(load_profile(scope, id)));
    // Every resource of the page is created here, with the page, rather than inside the cards
    // (which render after the profile is awaited): created there, the browser could hydrate a
    // card before its resource had the server's data, and a list hydrated empty panicked.
    let page = Resource::new(
        move || (scope.get(), id.get(), state.with(|s| (s.env.clone(), s.apage)), version.get()),
        |(scope, id, (env, apage), _)| api::bound(load_assignments(scope, id, env, apage)),
    );
    let effective = Resource::new(
        move || (scope.get(), id.get(), state.with(|s| (s.node.clone(), s.at)), version.get()),
        |(scope, id, (node, at), _)| api::bound(load_effective(scope, id, node, at)),
    );
    let answer = Resource::new(
        move || (scope.get(), id.get(), state.with(|s| (s.perm.clone(), s.perm_node.clone(), s.at)), version.get()),
        |(scope, id, (perm, node, at), _)| {
            api::bound(async move {
                match (perm, node) {
                    (Some(perm), Some(node)) => load_why_not(scope, id, perm, node, at).await.map(Some),
                    _ => Ok(None),
                }
            })
        },
    );
    let resources = DetailResources { assignments: page, effective, why_not: answer };

    let eyebrow = move || {
        let scope = scope.get();
        me.get().and_then(Result::ok).and_then(|me| scope.title_in(&me)).unwrap_or(scope.environment)
    };
    let back = move || scope.with(|s| s.page_path("identities"));

    view! {
        <nav aria-label="Breadcrumb" class="text-sm">
            <a
                href=back
                class="inline-flex items-center gap-1.5 rounded font-medium text-zinc-600 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-canopy-600"
            >
                <Icon name=IconName::ArrowLeft/>
                "Identities"
            </a>
            <span class="ml-2 text-zinc-500">{eyebrow}</span>
        </nav>
        <Notice notice=ctx.notice/>
        <Transition fallback=|| view! { <div class="mt-6"><TableSkeleton/></div> }>
            {move || Suspend::new(async move {
                // The environments for the assignments' filter, awaited here rather than read from
                // the resource in place: a resource read outside its Suspense can be empty while the
                // browser hydrates, and a select hydrated without the server's options panics.
                let environments = me
                    .await
                    .ok()
                    .and_then(|me| {
                        let scope = scope.get_untracked();
                        me.accounts
                            .into_iter()
                            .find(|a| a.slug == scope.account)
                            .and_then(|a| a.applications.into_iter().find(|app| app.slug == scope.application))
                            .map(|app| app.environments)
                    })
                    .unwrap_or_default();
                match profile.await {
                    Ok(profile) => view! { <Loaded profile environments resources/> }.into_any(),
                    Err(err) if err.is_unauthorized() => view! { <SignInRedirect/> }.into_any(),
                    Err(err) if err.is_not_found() => view! { <IdentityNotFound/> }.into_any(),
                    Err(err) => view! { <LoadError error=err/> }.into_any(),
                }
            })}
        </Transition>
        <IdentityDialogs scope=ctx.scope dialog=ctx.dialog version=ctx.version notice=ctx.notice/>
    }
    .into_any()
}

#[component]
fn IdentityNotFound() -> impl IntoView {
    set_response_status(404);
    let ctx = expect_context::<DetailContext>();
    view! {
        <Title text="Identity not found · Canopy"/>
        <section class="mx-auto flex max-w-lg flex-col items-center py-16 text-center" data-testid="identity-not-found">
            <p class="text-sm font-semibold text-canopy-700">"404"</p>
            <h1 class="mt-1 text-2xl font-semibold tracking-tight text-zinc-900">"Identity not found"</h1>
            <p class="mt-3 text-sm text-zinc-600">"It may have been deleted, or it belongs to another application."</p>
            <a
                href=move || ctx.scope.with(|s| s.page_path("identities"))
                class="mt-6 rounded-md bg-canopy-700 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
            >
                "All identities"
            </a>
        </section>
    }
    .into_any()
}

const CARD: &str = "mt-6 rounded-xl border border-zinc-200 bg-white shadow-xs";
const CARD_HEADER: &str = "flex flex-wrap items-start justify-between gap-3 border-b border-zinc-100 px-4 py-3 sm:px-5";
const SECONDARY_BUTTON: &str = "inline-flex items-center gap-1.5 rounded-md bg-white px-3 py-2 text-sm font-medium text-zinc-800 shadow-xs ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600";

#[component]
fn Loaded(profile: Profile, environments: Vec<EnvironmentSummary>, resources: DetailResources) -> impl IntoView {
    let ctx = expect_context::<DetailContext>();
    let clock = LocalClock::get();
    let identity = profile.detail.identity.clone();
    let active = identity.status.is_active();
    let (edit, toggle) = (identity.clone(), identity.clone());
    let created = identity.created_at;
    let updated = identity.updated_at;
    let names: BTreeMap<String, IdentityAssignment> =
        profile.detail.assignments.iter().map(|a| (a.id.clone(), a.clone())).collect();
    let in_this_environment: Vec<IdentityAssignment> = {
        let env = ctx.scope.with_untracked(|s| s.environment.clone());
        profile.detail.assignments.iter().filter(|a| a.environment_slug == env).cloned().collect()
    };
    view! {
        <Title text=format!("{} · Identities · Canopy", identity.name)/>
        <header class="mt-4 flex flex-wrap items-start justify-between gap-4">
            <div class="flex min-w-0 items-center gap-4">
                <Avatar name=identity.name.clone() id=identity.id.clone() url=identity.avatar_url.clone() size="size-14 text-lg"/>
                <div class="min-w-0">
                    <h1 class="truncate text-2xl font-semibold tracking-tight text-zinc-900" data-testid="identity-title">{identity.name.clone()}</h1>
                    <p class="mt-0.5 flex flex-wrap items-center gap-2 text-sm text-zinc-600">
                        <span class="truncate" data-testid="identity-email">{identity.email.clone()}</span>
                        <span data-testid="identity-status"><IdentityStatusBadge status=identity.status/></span>
                    </p>
                </div>
            </div>
            <div class="flex flex-wrap items-center gap-2">
                <button type="button" class=SECONDARY_BUTTON on:click=move |_| ctx.dialog.set(Some(IdentityDialog::Edit(edit.clone())))>
                    <Icon name=IconName::Pencil/>
                    "Edit"
                </button>
                <button
                    type="button"
                    class=if active {
                        "inline-flex items-center gap-1.5 rounded-md bg-white px-3 py-2 text-sm font-medium text-rose-700 shadow-xs ring-1 ring-rose-300 hover:bg-rose-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-rose-600"
                    } else {
                        "inline-flex items-center gap-1.5 rounded-md bg-canopy-700 px-3 py-2 text-sm font-semibold text-white shadow-xs hover:bg-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                    }
                    on:click=move |_| ctx.dialog.set(Some(IdentityDialog::Status(toggle.clone())))
                    data-testid="toggle-status"
                >
                    <Icon name=if active { IconName::UserOff } else { IconName::UserCheck }/>
                    {if active { "Deactivate" } else { "Activate" }}
                </button>
            </div>
        </header>

        <section class=CARD aria-labelledby="details-title">
            <div class=CARD_HEADER><h2 id="details-title" class="text-sm font-semibold text-zinc-900">"Details"</h2></div>
            <dl class="grid grid-cols-2 gap-x-6 gap-y-3 px-4 py-4 text-sm sm:px-5 lg:grid-cols-3" data-testid="identity-details">
                <Detail label="First name" value=identity.first_name.clone()/>
                <Detail label="Last name" value=identity.last_name.clone()/>
                <Detail label="Status" value=identity_status_label(identity.status).to_owned()/>
                <div>
                    <dt class="text-xs font-medium text-zinc-600">"Created"</dt>
                    <dd class="mt-0.5 text-zinc-900">{move || date_time_label(&created, clock.is_local())}</dd>
                </div>
                <div>
                    <dt class="text-xs font-medium text-zinc-600">"Last changed"</dt>
                    <dd class="mt-0.5 text-zinc-900">{move || date_time_label(&updated, clock.is_local())}</dd>
                </div>
                <div class="col-span-2 min-w-0 lg:col-span-1">
                    <dt class="text-xs font-medium text-zinc-600">"ID"</dt>
                    <dd class="mt-0.5 truncate font-mono text-xs text-zinc-800" title=identity.id.clone()>{identity.id.clone()}</dd>
                </div>
            </dl>
        </section>

        {page_owned(move || view! {
            <AssignmentsCard names email=identity.email.clone() environments page=resources.assignments/>
            <PermissionsCard active effective=resources.effective/>
            <WhyNotCard answer=resources.why_not profile_roles=profile.roles permissions=profile.permissions in_this_environment active/>
        })}
    }
    .into_any()
}

#[component]
fn Detail(label: &'static str, value: String) -> impl IntoView {
    let empty = value.trim().is_empty();
    view! {
        <div class="min-w-0">
            <dt class="text-xs font-medium text-zinc-600">{label}</dt>
            <dd class=if empty { "mt-0.5 text-zinc-500" } else { "mt-0.5 truncate text-zinc-900" }>
                {if empty { "—".to_owned() } else { value }}
            </dd>
        </div>
    }
    .into_any()
}

/// The window of an assignment, as the assignments table writes it.
fn window_text(from: Option<Timestamp>, to: Option<Timestamp>, local: bool) -> String {
    match (from, to) {
        (None, None) => "No end date".to_owned(),
        (from, to) => [from.map(|f| format!("From {}", date_label(&f, local))), to.map(|t| format!("Until {}", date_label(&t, local)))]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
    }
}

/// The identity's assignments in every environment, a page at a time, optionally one environment.
#[component]
fn AssignmentsCard(
    names: BTreeMap<String, IdentityAssignment>,
    email: String,
    environments: Vec<EnvironmentSummary>,
    page: Resource<Result<AssignmentsPage, ApiError>>,
) -> impl IntoView {
    let ctx = expect_context::<DetailContext>();
    let clock = LocalClock::get();
    let state = ctx.state;
    let environments = StoredValue::new(environments);
    let environments = move || environments.get_value();
    let env_name = move |slug: &str| environments().into_iter().find(|e| e.slug == slug).map(|e| e.name).unwrap_or_else(|| slug.to_owned());
    let names = StoredValue::new(names);
    let pending = RwSignal::new(false);

    let table = move || {
        Suspend::new(async move {
            let data = match page.await {
                Ok(data) => data,
                Err(err) => return view! { <p class="px-5 py-6 text-sm text-rose-800" role="alert">{err.body.message}</p> }.into_any(),
            };
            let meta = data.page.pagination.clone();
            if data.page.items.is_empty() {
                let text = if state.with_untracked(|s| s.env.is_some()) {
                    "No assignments in this environment."
                } else {
                    "No assignments in any environment of this application yet."
                };
                return view! { <p class="px-5 py-8 text-center text-sm text-zinc-600" data-testid="no-assignments">{text}</p> }.into_any();
            }
            let rows = data
                .page
                .items
                .into_iter()
                .map(|item| {
                    let named = names.with_value(|n| n.get(&item.id).cloned());
                    let role = named.as_ref().map(|n| n.role_name.clone()).unwrap_or_else(|| item.role_id.clone());
                    let path = named.as_ref().map(|n| n.node_path.clone()).unwrap_or_else(|| item.application_node_id.clone());
                    let env_slug = named.as_ref().map(|n| n.environment_slug.clone()).unwrap_or_default();
                    let status = named.as_ref().map(|n| n.status);
                    let (from, to) = (item.effective_from, item.effective_to);
                    let env_label = env_name(&env_slug);
                    view! {
                        <tr data-testid="identity-assignment" data-id=item.id.clone()>
                            <td class="px-4 py-3 sm:pl-5">
                                <RolePill name=role test_id="assignment-role"/>
                                <div class="mt-1.5 space-y-1 md:hidden">
                                    <p class="truncate text-xs text-zinc-700">{path.clone()}</p>
                                    <div class="flex flex-wrap items-center gap-1.5">
                                        <EnvironmentBadge slug=env_slug.clone() name=env_label.clone()/>
                                        {status.map(|status| view! { <StatusBadge status/> })}
                                    </div>
                                    <p class="text-xs text-zinc-700">{move || window_text(from, to, clock.is_local())}</p>
                                </div>
                            </td>
                            <td class=WIDE_CELL><span class="block truncate text-zinc-800" title=path.clone() data-testid="assignment-node">{path.clone()}</span></td>
                            <td class=WIDE_CELL data-testid="assignment-environment"><EnvironmentBadge slug=env_slug name=env_label/></td>
                            <td class=WIDE_CELL>{status.map(|status| view! { <StatusBadge status/> })}</td>
                            <td class="hidden px-3 py-3 text-xs text-zinc-700 md:table-cell">{move || window_text(from, to, clock.is_local())}</td>
                        </tr>
                    }
                })
                .collect_view();
            let href_for = Callback::new(move |apage: u32| ctx.href(&state.with_untracked(|s| DetailQuery { apage, ..s.clone() })));
            // Ten a page, and no size to choose: this list is a summary beside the rest.
            view! {
                <div class="overflow-x-auto">
                    <table class="w-full table-fixed text-left text-sm" data-testid="identity-assignments">
                        <caption class="sr-only">{format!("Assignments, {} in all", meta.item_count)}</caption>
                        <colgroup>
                            <col class="md:w-[20%]"/>
                            <col class="hidden md:table-column md:w-[34%]"/>
                            <col class="hidden md:table-column md:w-[16%]"/>
                            <col class="hidden md:table-column md:w-[12%]"/>
                            <col class="hidden md:table-column md:w-[18%]"/>
                        </colgroup>
                        <thead class="border-b border-zinc-200 bg-zinc-50/80 text-xs font-medium text-zinc-600">
                            <tr>
                                <th scope="col" class="px-4 py-2.5 sm:pl-5">"Role"</th>
                                <th scope="col" class=WIDE_HEADER>"Node"</th>
                                <th scope="col" class=WIDE_HEADER>"Environment"</th>
                                <th scope="col" class=WIDE_HEADER>"Status"</th>
                                <th scope="col" class=WIDE_HEADER>"Effective"</th>
                            </tr>
                        </thead>
                        <tbody class="divide-y divide-zinc-100">{rows}</tbody>
                    </table>
                </div>
                {(meta.page_count > 1).then(|| view! { <Pager meta href_for/> })}
            }
            .into_any()
        })
    };

    let manage = move || format!("{}?q={}", ctx.scope.with(|s| s.page_path("assignments")), encode_query_value(&email));
    view! {
        <section class=CARD aria-labelledby="assignments-title" aria-busy=move || pending.get().then_some("true")>
            <div class=CARD_HEADER>
                <div>
                    <h2 id="assignments-title" class="text-sm font-semibold text-zinc-900">"Assignments"</h2>
                    <p class="mt-0.5 text-xs text-zinc-600">"In every environment of this application."</p>
                </div>
                <div class="flex flex-wrap items-center gap-x-4 gap-y-2">
                    <a href=manage class="text-sm font-medium text-canopy-700 underline decoration-canopy-300 underline-offset-2 hover:text-canopy-900 focus-visible:outline-2 focus-visible:outline-canopy-600">
                        "Manage assignments"
                    </a>
                    <label for="assignments-environment" class="sr-only">"Environment"</label>
                    <div class="w-44">
                    <select
                        id="assignments-environment"
                        class=SELECT_CLASS
                        prop:value=move || state.with(|s| s.env.clone().unwrap_or_default())
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            ctx.go(move |s| {
                                s.env = (!value.is_empty()).then_some(value);
                                s.apage = 1;
                            });
                        }
                        data-testid="assignments-environment"
                    >
                        <option value="">"All environments"</option>
                        {move || {
                            let current = state.with_untracked(|s| s.env.clone());
                            environments()
                                .into_iter()
                                .map(|env| {
                                    let selected = current.as_deref() == Some(env.slug.as_str());
                                    view! { <option value=env.slug.clone() selected=selected>{env.name.clone()}</option> }
                                })
                                .collect_view()
                        }}
                    </select>
                    </div>
                </div>
            </div>
            <div class=move || if pending.get() { "opacity-60 transition-opacity" } else { "transition-opacity" }>
                <Transition fallback=TableSkeleton set_pending=pending>{table}</Transition>
            </div>
        </section>
    }
    .into_any()
}

/// Picks a node into the URL (through `apply`) and shows the one in force as a removable chip.
#[component]
fn NodeChooser(
    id: &'static str,
    label: &'static str,
    /// The node in force, when there is one: its path.
    current: Option<String>,
    on_pick: Callback<Option<String>>,
) -> impl IntoView {
    let choice = RwSignal::new(None::<PickOption>);
    Effect::new(move |_| {
        if let Some(option) = choice.get() {
            choice.set(None);
            on_pick.run(Some(option.id));
        }
    });
    view! {
        <div class="min-w-0">
            <SearchPicker id=id.to_owned() label placeholder="Any node" source=PickerSource::Nodes selected=choice/>
            {current.map(|path| view! {
                <p class="mt-1.5 flex items-center gap-1 text-xs text-zinc-700" data-testid=format!("{id}-current")>
                    <span class="truncate">{format!("At {path}")}</span>
                    <button
                        type="button"
                        class="rounded-full p-0.5 text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-canopy-600"
                        aria-label=format!("Clear node {path}")
                        on:click=move |_| on_pick.run(None)
                    >
                        <Icon name=IconName::Close class="size-3.5"/>
                    </button>
                </p>
            })}
        </div>
    }
    .into_any()
}

/// The "at" field: a date and time in the admin's zone; empty is now.
#[component]
fn AtField(id: &'static str) -> impl IntoView {
    let ctx = expect_context::<DetailContext>();
    let clock = LocalClock::get();
    let value = Memo::new(move |_| {
        // Local once hydrated: the server renders the field empty and the browser fills it.
        let local = clock.is_local();
        ctx.state.with(|s| s.at.filter(|_| local).map(|at| to_input_value(&at)).unwrap_or_default())
    });
    let on_change = move |ev: leptos::ev::Event| {
        let raw = event_target_value(&ev);
        let at = from_input_value(&raw).and_then(|iso| Timestamp::parse(&iso).ok());
        ctx.go(move |s| s.at = at);
    };
    view! {
        <div>
            <label for=id class="block text-sm font-medium text-zinc-800">
                "At "<span class="font-normal text-zinc-600">{move || format!("({}; empty is now)", zone_name(clock.is_local()))}</span>
            </label>
            <div class="mt-1.5 flex items-center gap-1.5">
                <input
                    id=id
                    type="datetime-local"
                    class="block w-full min-w-0 rounded-md border-0 bg-white px-3 py-2 text-sm text-zinc-900 shadow-xs ring-1 ring-inset ring-zinc-300 focus:ring-2 focus:ring-inset focus:ring-canopy-600 focus:outline-none"
                    prop:value=value
                    on:change=on_change
                    data-testid="permissions-at"
                />
                {move || ctx.state.with(|s| s.at.is_some()).then(|| view! {
                    <button
                        type="button"
                        class="shrink-0 rounded-md px-2.5 py-2 text-sm font-medium text-zinc-700 ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-canopy-600"
                        on:click=move |_| ctx.go(|s| s.at = None)
                    >
                        "Now"
                    </button>
                })}
            </div>
        </div>
    }
    .into_any()
}

/// Each grant: the role, the node it was assigned at (and so applies below), the assignment.
#[component]
fn Grants(effective: Effective, key: String) -> impl IntoView {
    let Some(permission) = effective.answer.permissions.iter().find(|p| p.key == key).cloned() else {
        return ().into_any();
    };
    permission
        .granted_by
        .into_iter()
        .map(|grant| {
            let path = effective.paths.get(&grant.source_node_id).cloned().unwrap_or(grant.source_node_name.clone());
            view! {
                <li class="flex flex-wrap items-center gap-x-1.5 gap-y-1 text-xs text-zinc-700" data-testid="grant" data-assignment=grant.assignment_id.clone()>
                    <span>"role"</span>
                    <RolePill name=grant.role_name.clone() test_id="grant-role"/>
                    <span>"assigned at"</span>
                    <span class="font-medium text-zinc-900" data-testid="grant-node" title=path.clone()>{path.clone()}</span>
                    <span class="text-zinc-500" title=format!("Assignment {}", grant.assignment_id)>
                        {format!("· assignment {}", grant.assignment_id.chars().take(8).collect::<String>())}
                    </span>
                </li>
            }
        })
        .collect_view()
        .into_any()
}

/// The identity's effective permissions in this environment, each with why.
#[component]
fn PermissionsCard(active: bool, effective: Resource<Result<Effective, ApiError>>) -> impl IntoView {
    let ctx = expect_context::<DetailContext>();
    let clock = LocalClock::get();
    let pending = RwSignal::new(false);
    let list = move || {
        Suspend::new(async move {
            let data = match effective.await {
                Ok(data) => data,
                Err(err) => return view! { <p class="px-5 py-6 text-sm text-rose-800" role="alert">{err.body.message}</p> }.into_any(),
            };
            let at = data.answer.at;
            let node = data.node.clone().map(|n| n.path);
            let count = data.answer.permissions.len();
            let heading = view! {
                <p class="px-4 pt-3 text-xs text-zinc-600 sm:px-5" data-testid="permissions-context">
                    {move || format!(
                        "{} permission{} at {}{}",
                        grouped(count as i64),
                        if count == 1 { "" } else { "s" },
                        date_time_label(&at, clock.is_local()),
                        node.as_ref().map(|p| format!(", at {p} and what lies above it")).unwrap_or_else(|| ", at any node".to_owned()),
                    )}
                </p>
            };
            if data.answer.permissions.is_empty() {
                let text = if active {
                    "No permission applies here at that time: no assignment whose role grants one is in force."
                } else {
                    "This identity is inactive: every check for it is denied, whatever its assignments."
                };
                return view! {
                    {heading}
                    <p class="px-4 py-6 text-center text-sm text-zinc-600 sm:px-5" data-testid="no-permissions">{text}</p>
                }
                .into_any();
            }
            let rows = data
                .answer
                .permissions
                .iter()
                .map(|permission| {
                    let key = permission.key.clone();
                    view! {
                        <li class="flex flex-col gap-1.5 px-4 py-3 sm:flex-row sm:items-start sm:gap-4 sm:px-5" data-testid="effective-permission" data-key=key.clone()>
                            <code class="shrink-0 rounded bg-canopy-50 px-1.5 py-0.5 font-mono text-xs font-medium text-canopy-900 ring-1 ring-inset ring-canopy-200 sm:w-44">
                                {key.clone()}
                            </code>
                            <ul class="min-w-0 space-y-1" aria-label=format!("Why {key}")>
                                <Grants effective=data.clone() key=key.clone()/>
                            </ul>
                        </li>
                    }
                })
                .collect_view();
            view! {
                {heading}
                <ul class="mt-2 divide-y divide-zinc-100 border-t border-zinc-100" data-testid="effective-permissions">{rows}</ul>
            }
            .into_any()
        })
    };
    let current_node = move || {
        Suspend::new(async move {
            let node = effective.await.ok().and_then(|e| e.node).map(|n| n.path);
            let on_pick = Callback::new(move |node: Option<String>| ctx.go(move |s| s.node = node));
            view! { <NodeChooser id="permissions-node" label="At node" current=node on_pick/> }
        })
    };
    view! {
        <section class=CARD aria-labelledby="permissions-title" aria-busy=move || pending.get().then_some("true")>
            <div class=CARD_HEADER>
                <div>
                    <h2 id="permissions-title" class="text-sm font-semibold text-zinc-900">"Effective permissions"</h2>
                    <p class="mt-0.5 text-xs text-zinc-600">"In this environment, with the assignment, role and node behind each."</p>
                </div>
            </div>
            <div class="grid gap-3 px-4 pt-3 sm:grid-cols-2 sm:px-5">
                <AtField id="permissions-at"/>
                <Transition fallback=|| ()>{current_node}</Transition>
            </div>
            <div class=move || if pending.get() { "pb-2 opacity-60 transition-opacity" } else { "pb-2 transition-opacity" }>
                <Transition fallback=TableSkeleton set_pending=pending>{list}</Transition>
            </div>
        </section>
    }
    .into_any()
}

/// Why not: a permission and a node; whether anything grants it there (then: what), and if not,
/// which roles would and what the identity holds that comes close.
#[component]
fn WhyNotCard(
    answer: Resource<Result<Option<WhyNot>, ApiError>>,
    profile_roles: Vec<RoleResponse>,
    permissions: Vec<String>,
    in_this_environment: Vec<IdentityAssignment>,
    active: bool,
) -> impl IntoView {
    let ctx = expect_context::<DetailContext>();
    let clock = LocalClock::get();
    let state = ctx.state;
    let chosen_perm = RwSignal::new(state.with_untracked(|s| s.perm.clone().unwrap_or_default()));
    let chosen_node = RwSignal::new(None::<PickOption>);
    let problem = RwSignal::new(None::<&'static str>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let perm = chosen_perm.get_untracked();
        let node = chosen_node.get_untracked().map(|o| o.id).or_else(|| state.with_untracked(|s| s.perm_node.clone()));
        match (perm.is_empty(), node) {
            (true, _) => problem.set(Some("Choose a permission.")),
            (false, None) => problem.set(Some("Choose a node.")),
            (false, Some(node)) => {
                problem.set(None);
                ctx.go(move |s| {
                    s.perm = Some(perm);
                    s.perm_node = Some(node);
                });
            }
        }
    };
    let roles = StoredValue::new(profile_roles);
    let held = StoredValue::new(in_this_environment);
    let options = permissions
        .iter()
        .map(|key| {
            let selected = state.with_untracked(|s| s.perm.as_deref() == Some(key.as_str()));
            view! { <option value=key.clone() selected=selected>{key.clone()}</option> }
        })
        .collect_view();

    let result = move || {
        Suspend::new(async move {
            let data = match answer.await {
                Ok(Some(data)) => data,
                Ok(None) => return ().into_any(),
                Err(err) => return view! { <p class="mt-3 text-sm text-rose-800" role="alert" data-testid="why-not-error">{err.body.message}</p> }.into_any(),
            };
            let at = data.effective.answer.at;
            let when = move || date_time_label(&at, clock.is_local());
            let granted = data.effective.answer.permissions.iter().any(|p| p.key == data.permission);
            if granted {
                return view! {
                    <div class="mt-4 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3" data-testid="why-not-result" data-granted="true">
                        <p class="text-sm font-medium text-emerald-900">
                            {format!("It has {} at {}", data.permission, data.node.path)}{move || format!(" ({}). Granted by:", when())}
                        </p>
                        <ul class="mt-2 space-y-1"><Grants effective=data.effective.clone() key=data.permission.clone()/></ul>
                    </div>
                }
                .into_any();
            }
            let would: Vec<String> = roles.with_value(|roles| {
                roles.iter().filter(|r| !r.is_system && r.permissions.iter().any(|p| *p == data.permission)).map(|r| r.name.clone()).collect()
            });
            let close: Vec<IdentityAssignment> = held.with_value(|held| {
                held.iter().filter(|a| would.iter().any(|r| *r == a.role_name)).cloned().collect()
            });
            let reason = if active {
                format!("Nothing grants {} at {} to this identity", data.permission, data.node.path)
            } else {
                format!("Nothing grants {} at {}: this identity is inactive, so every check is denied", data.permission, data.node.path)
            };
            let would_view = if would.is_empty() {
                view! { <p class="mt-2 text-sm text-zinc-700" data-testid="why-not-roles">"No assignable role of this environment includes it."</p> }.into_any()
            } else {
                view! {
                    <div class="mt-2 flex flex-wrap items-center gap-1.5 text-sm text-zinc-700" data-testid="why-not-roles">
                        <span>"Roles that would grant it:"</span>
                        {would.iter().map(|name| view! { <RolePill name=name.clone() test_id="would-grant"/> }).collect_view()}
                        <span>{format!("— assigned at {} or a node above it.", data.node.path)}</span>
                    </div>
                }
                .into_any()
            };
            let close_view = (active && !close.is_empty()).then(|| {
                let items = close
                    .into_iter()
                    .map(|a| view! {
                        <li data-testid="why-not-close">
                            {format!("{} at {} ({})", a.role_name, a.node_path, status_label(a.status).to_lowercase())}
                        </li>
                    })
                    .collect_view();
                view! {
                    <div class="mt-2 text-sm text-zinc-700">
                        <p>"It holds such a role elsewhere, but not over this node or not at that time:"</p>
                        <ul class="mt-1 list-disc space-y-0.5 pl-5 text-xs">{items}</ul>
                    </div>
                }
            });
            view! {
                <div class="mt-4 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3" data-testid="why-not-result" data-granted="false">
                    <p class="text-sm font-medium text-amber-950">{reason}{move || format!(" ({}).", when())}</p>
                    {would_view}
                    {close_view}
                </div>
            }
            .into_any()
        })
    };

    let current_node = move || {
        Suspend::new(async move {
            let node = answer.await.ok().flatten().map(|w| w.node.path);
            // After a reload the picker is empty while the answer names a node: the one in force.
            node.map(|path| view! {
                <p class=move || if chosen_node.with(Option::is_some) { "hidden" } else { "mt-1.5 text-xs text-zinc-700" } data-testid="why-not-node">
                    {format!("Now: {path}")}
                </p>
            })
        })
    };

    view! {
        <section class=CARD aria-labelledby="why-not-title">
            <div class=CARD_HEADER>
                <div>
                    <h2 id="why-not-title" class="text-sm font-semibold text-zinc-900">"Why not?"</h2>
                    <p class="mt-0.5 text-xs text-zinc-600">"Pick a permission and a node: see what grants it there, or why nothing does."</p>
                </div>
            </div>
            <form class="grid gap-3 px-4 py-3 sm:grid-cols-[minmax(0,1fr)_minmax(0,1.4fr)_auto] sm:items-start sm:px-5" on:submit=on_submit novalidate=true>
                <div>
                    <label for="why-not-permission" class="block text-sm font-medium text-zinc-800">"Permission"</label>
                    <select
                        id="why-not-permission"
                        class=format!("mt-1.5 {SELECT_CLASS}")
                        prop:value=move || chosen_perm.get()
                        on:change=move |ev| chosen_perm.set(event_target_value(&ev))
                    >
                        <option value="">"Choose a permission"</option>
                        {options}
                    </select>
                </div>
                <div class="min-w-0">
                    <SearchPicker id="why-not-node".to_owned() label="Node" placeholder="Search by name or path" source=PickerSource::Nodes selected=chosen_node/>
                    <Transition fallback=|| ()>{current_node}</Transition>
                </div>
                <div class="sm:pt-6">
                    <button
                        type="submit"
                        class="inline-flex w-full items-center justify-center gap-1.5 rounded-md bg-canopy-700 px-3 py-2 text-sm font-semibold text-white shadow-xs hover:bg-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600 sm:w-auto"
                    >
                        "Explain"
                    </button>
                </div>
            </form>
            <div class="px-4 pb-4 sm:px-5">
                {move || problem.get().map(|text| view! { <p class="text-sm text-rose-700" role="alert">{text}</p> })}
                <Transition fallback=|| ()>{result}</Transition>
            </div>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::list_query::params_of;

    #[test]
    fn identity_page_view_round_trips_through_the_url() {
        let view = DetailQuery {
            env: Some("production".into()),
            apage: 2,
            at: Some(Timestamp::parse("2027-01-15T09:30:00.000Z").unwrap()),
            node: Some("n1".into()),
            perm: Some("invoices.read".into()),
            perm_node: Some("n2".into()),
        };
        let search = view.to_search();
        assert_eq!(search, "?env=production&apage=2&at=2027-01-15T09%3A30%3A00.000Z&node=n1&perm=invoices.read&perm_node=n2");
        let read = DetailQuery::from_params(&params_of(&[
            ("env", "production"),
            ("apage", "2"),
            ("at", "2027-01-15T09:30:00.000Z"),
            ("node", "n1"),
            ("perm", "invoices.read"),
            ("perm_node", "n2"),
        ]));
        assert_eq!(read, view);
    }

    #[test]
    fn a_bad_instant_or_page_means_now_and_the_first_page() {
        let read = DetailQuery::from_params(&params_of(&[("at", "tomorrow"), ("apage", "0"), ("env", " ")]));
        assert_eq!(read, DetailQuery { apage: 1, ..Default::default() });
        assert_eq!(DetailQuery { apage: 1, ..Default::default() }.to_search(), "");
    }
}
