//! `/a/:account/:app/:env/roles`: the environment's roles beside the selected one's permission
//! matrix (resources × actions, saved in one `PUT roles/{id}/permissions`); create, rename and
//! delete a role (a role in use is refused by the API with a 409, which the dialog explains and
//! offers to cascade); and the form that adds resources and actions
//! (`POST setup/resource-permissions`) and shows its three counts. System roles are shown locked.
//!
//! The selected role lives in the URL (`?role=<id>`); without one, the first role is shown.

pub mod dialogs;
pub mod matrix;
pub mod setup;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use self::{
    dialogs::{RoleDialog, RoleDialogs},
    matrix::PermissionMatrix,
};
use crate::{
    api::{self, ApiError},
    components::{
        icons::{Icon, IconName},
        notice::Notice,
        shell::MeResource,
        states::SignInRedirect,
        table::{TableCard, TableError, TableSkeleton},
    },
    dto::{ResourceResponse, RoleResponse},
    pages::{
        assignments::load_roles,
        nodes::{PRIMARY_BUTTON, SECONDARY_BUTTON},
    },
    scope::{Scope, encode_query_value, grouped},
};

/// What the page shows: every role, and every resource with its actions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    pub roles: Vec<RoleResponse>,
    pub resources: Vec<ResourceResponse>,
}

async fn load_catalogue(scope: Scope) -> Result<Catalogue, ApiError> {
    let roles = load_roles(scope.clone()).await?;
    let mut resources: Vec<ResourceResponse> = api::get(&format!("{}/resources", scope.environment_api_path())).await?;
    resources.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Catalogue { roles, resources })
}

/// `ENV/roles/{id}`.
pub fn role_api_path(scope: &Scope, id: &str) -> String {
    format!("{}/roles/{}", scope.environment_api_path(), encode_query_value(id))
}

/// The roles page with this role selected.
pub fn role_page_path(scope: &Scope, id: &str) -> String {
    format!("{}?role={}", scope.page_path("roles"), encode_query_value(id))
}

#[derive(Clone, Copy)]
pub struct RolesContext {
    pub scope: Memo<Scope>,
    pub dialog: RwSignal<Option<RoleDialog>>,
    pub notice: RwSignal<Option<String>>,
    pub version: RwSignal<u32>,
}

#[component]
pub fn RolesPage() -> impl IntoView {
    let scope = expect_context::<Memo<Scope>>();
    let me = expect_context::<MeResource>();
    let query = use_query_map();
    let selected = Memo::new(move |_| query.with(|q| q.get("role").map(|r| r.trim().to_owned()).filter(|r| !r.is_empty() && r.len() <= 200)));
    let version = RwSignal::new(0u32);
    let ctx = RolesContext { scope, dialog: RwSignal::new(None), notice: RwSignal::new(None), version };
    provide_context(ctx);
    let catalogue = Resource::new(move || (scope.get(), version.get()), |(scope, _)| api::bound(load_catalogue(scope)));

    let eyebrow = move || {
        let scope = scope.get();
        me.get().and_then(Result::ok).and_then(|me| scope.title_in(&me)).unwrap_or(scope.environment)
    };
    let pending = RwSignal::new(false);

    view! {
        <Title text="Roles & permissions · Canopy"/>
        <header class="flex flex-wrap items-end justify-between gap-4">
            <div class="min-w-0">
                <p class="text-sm font-medium text-zinc-600">{eyebrow}</p>
                <h1 class="mt-1 text-2xl font-semibold tracking-tight text-zinc-900">"Roles & permissions"</h1>
                <p class="mt-1.5 max-w-2xl text-sm text-zinc-600">
                    "Resources and their actions make permissions (invoices.read); a role is a set of them, given to identities at nodes."
                </p>
            </div>
            <div class="flex flex-wrap gap-2">
                <button type="button" class=SECONDARY_BUTTON on:click=move |_| ctx.dialog.set(Some(RoleDialog::Setup)) data-testid="open-setup">
                    <Icon name=IconName::Permissions/>
                    "Add resources and actions"
                </button>
                <button type="button" class=PRIMARY_BUTTON on:click=move |_| ctx.dialog.set(Some(RoleDialog::Create)) data-testid="new-role">
                    <Icon name=IconName::Plus/>
                    "New role"
                </button>
            </div>
        </header>
        <Notice notice=ctx.notice/>
        <TableCard label="Roles" pending>
            <Transition fallback=TableSkeleton set_pending=pending>
                {move || Suspend::new(async move {
                    match catalogue.await {
                        Ok(catalogue) => view! { <Loaded catalogue selected/> }.into_any(),
                        Err(err) if err.is_unauthorized() => view! { <SignInRedirect/> }.into_any(),
                        Err(err) => view! {
                            <TableError
                                title="The roles could not be loaded"
                                message=err.body.message
                                on_retry=Callback::new(move |()| version.update(|v| *v += 1))
                            />
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </TableCard>
        <RoleDialogs/>
    }
    .into_any()
}

#[component]
fn Loaded(catalogue: Catalogue, selected: Memo<Option<String>>) -> impl IntoView {
    let ctx = expect_context::<RolesContext>();
    let roles = StoredValue::new(catalogue.roles);
    let resources = StoredValue::new(catalogue.resources);
    // The role shown: the URL's, else the first one.
    let shown = Memo::new(move |_| {
        roles.with_value(|roles| {
            selected.with(|id| id.as_ref().and_then(|id| roles.iter().find(|r| &r.id == id)).or_else(|| roles.first()).cloned())
        })
    });
    let list = move || {
        let scope = ctx.scope.get_untracked();
        roles
            .get_value()
            .into_iter()
            .map(|role| {
                let id = role.id.clone();
                let current = Memo::new(move |_| shown.with(|s| s.as_ref().is_some_and(|s| s.id == id)));
                let count = role.permissions.len();
                view! {
                    <li>
                        <a
                            href=role_page_path(&scope, &role.id)
                            data-noscroll=""
                            aria-current=move || current.get().then_some("page")
                            class=move || format!(
                                "flex items-center justify-between gap-3 rounded-md px-3 py-2 text-sm focus-visible:outline-2 focus-visible:outline-canopy-600 {}",
                                if current.get() { "bg-canopy-50 text-canopy-900" } else { "text-zinc-800 hover:bg-zinc-50" },
                            )
                            data-testid="role-link"
                            data-id=role.id.clone()
                        >
                            <span class="flex min-w-0 items-center gap-2">
                                <span class="truncate font-medium">{role.name.clone()}</span>
                                {role.is_system.then(|| view! { <LockBadge/> })}
                            </span>
                            <span class="shrink-0 text-xs text-zinc-600 tabular-nums">
                                {format!("{} permission{}", grouped(count as i64), if count == 1 { "" } else { "s" })}
                            </span>
                        </a>
                    </li>
                }
            })
            .collect_view()
    };
    let empty = roles.with_value(Vec::is_empty);
    view! {
        <div class="grid lg:grid-cols-[18rem_minmax(0,1fr)]">
            <nav class="border-b border-zinc-200 p-2 lg:border-r lg:border-b-0" aria-label="Roles">
                <ul class="space-y-0.5" data-testid="role-list">{list}</ul>
                {empty.then(|| view! { <p class="px-3 py-6 text-sm text-zinc-600">"No roles yet. Create the first one."</p> })}
            </nav>
            <div class="min-w-0">
                {move || shown.get().map(|role| view! { <RoleDetail role resources=resources.get_value()/> })}
            </div>
        </div>
    }
    .into_any()
}

/// "System · locked": reserved for platform administration, never edited here.
#[component]
pub fn LockBadge() -> impl IntoView {
    view! {
        <span class="inline-flex shrink-0 items-center gap-1 rounded bg-amber-50 px-1.5 py-0.5 text-[0.6875rem] font-medium text-amber-900 ring-1 ring-inset ring-amber-600/30" data-testid="system-badge">
            <Icon name=IconName::Alert class="size-3"/>
            "System · locked"
        </span>
    }
    .into_any()
}

#[component]
fn RoleDetail(role: RoleResponse, resources: Vec<ResourceResponse>) -> impl IntoView {
    let ctx = expect_context::<RolesContext>();
    let (rename, delete) = (role.clone(), role.clone());
    let scope = ctx.scope.get_untracked();
    let assignments = format!("{}?role={}", scope.page_path("assignments"), encode_query_value(&role.id));
    let role_id = role.id.clone();
    view! {
        <section class="p-4 sm:p-5" aria-labelledby="role-title" data-testid="role-detail" data-id=role_id>
            <div class="flex flex-wrap items-start justify-between gap-3">
                <div class="min-w-0">
                    <h2 id="role-title" class="flex flex-wrap items-center gap-2 text-lg font-semibold text-zinc-900">
                        <span class="break-words" data-testid="role-title">{role.name.clone()}</span>
                        {role.is_system.then(|| view! { <LockBadge/> })}
                    </h2>
                    <p class="mt-0.5 text-sm text-zinc-600" data-testid="role-description">
                        {role.description.clone().unwrap_or_else(|| "No description.".to_owned())}
                    </p>
                    <a href=assignments class="mt-1 inline-block text-sm font-medium text-canopy-700 hover:underline focus-visible:outline-2 focus-visible:outline-canopy-600">
                        "Assignments with this role"
                    </a>
                </div>
                {(!role.is_system).then(|| view! {
                    <div class="flex flex-wrap gap-2">
                        <button type="button" class=SECONDARY_BUTTON on:click=move |_| ctx.dialog.set(Some(RoleDialog::Rename(rename.clone()))) data-testid="rename-role">
                            <Icon name=IconName::Pencil/>
                            "Rename"
                        </button>
                        <button
                            type="button"
                            class="inline-flex items-center justify-center gap-1.5 rounded-md bg-white px-3 py-2 text-sm font-medium text-rose-700 shadow-xs ring-1 ring-rose-300 hover:bg-rose-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-rose-600"
                            on:click=move |_| ctx.dialog.set(Some(RoleDialog::Delete(delete.clone())))
                            data-testid="delete-role"
                        >
                            <Icon name=IconName::Trash/>
                            "Delete"
                        </button>
                    </div>
                })}
            </div>
            {role.is_system.then(|| view! {
                <p class="mt-4 rounded-lg bg-amber-50 px-3 py-2.5 text-sm text-amber-900 ring-1 ring-amber-200" data-testid="system-note">
                    "System roles are reserved for platform administration: they cannot be renamed, deleted or given to identities, and their permissions are fixed."
                </p>
            })}
            <PermissionMatrix role resources/>
        </section>
    }
    .into_any()
}
