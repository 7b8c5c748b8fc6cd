//! An environment's overview: its totals, assignments by status and by role, what expires in the
//! next 7 and 30 days (charts drawn in SVG from Rust), and the latest changes from the audit
//! log, all server-rendered with the data on first paint.

pub mod cards;
pub mod recent;

use leptos::prelude::*;
use leptos_meta::Title;
use time::macros::format_description;

use self::{
    cards::{AssignmentsCard, ExpiringCard, Explore, RolesCard, StatCard},
    recent::{RecentChanges, load_recent},
};
use crate::{
    api::{self, ApiError},
    components::{
        icons::{Icon, IconName},
        shell::PageSkeleton,
        states::{EnvironmentNotFound, LoadError, SignInRedirect},
        switcher::EnvironmentBadge,
        when::LocalClock,
    },
    dto::{AssignmentSummary, AuditEventResponse, EnvironmentCounts, EnvironmentResponse, Paginated, Timestamp},
    scope::{Scope, is_production},
};

/// Everything the overview shows, read together so the page renders once, whole.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct OverviewData {
    environment: EnvironmentResponse,
    summary: AssignmentSummary,
    /// The recent changes can fail on their own without taking the page down.
    recent: Result<Paginated<AuditEventResponse>, ApiError>,
}

async fn load(scope: Scope) -> Result<OverviewData, ApiError> {
    let environment = api::get::<EnvironmentResponse>(&scope.environment_api_path()).await?;
    let summary = api::get::<AssignmentSummary>(&format!("{}/assignments/app-wide/summary", scope.environment_api_path())).await?;
    let recent = load_recent(&scope).await;
    Ok(OverviewData { environment, summary, recent })
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let scope = expect_context::<Memo<Scope>>();
    LocalClock::provide();
    let data: Resource<Result<OverviewData, ApiError>> = Resource::new(move || scope.get(), |scope| api::bound(load(scope)));

    view! {
        <Transition fallback=PageSkeleton>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <Overview data scope=scope.get_untracked()/> }.into_any(),
                    Err(err) if err.is_unauthorized() => view! { <SignInRedirect/> }.into_any(),
                    Err(err) if err.is_not_found() => view! { <EnvironmentNotFound home=None/> }.into_any(),
                    Err(err) => view! { <LoadError error=err/> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

fn created_on(at: &Timestamp) -> String {
    at.inner()
        .format(format_description!("[day padding:none] [month repr:short] [year]"))
        .unwrap_or_else(|_| at.to_rfc3339())
}

#[component]
fn Overview(data: OverviewData, scope: Scope) -> impl IntoView {
    let OverviewData { environment: env, summary, recent } = data;
    let EnvironmentCounts { nodes, identities, roles, permissions, assignments, .. } = env.counts.clone();
    let assignments_path = scope.page_path("assignments");
    // The active assignments: those the expiry chart counts are among them.
    let expiring_path = format!("{assignments_path}?status=active");
    view! {
        <Title text=format!("{} · Overview · Canopy", env.name)/>
        <header class="flex flex-wrap items-end justify-between gap-4">
            <div class="min-w-0">
                <p class="text-sm font-medium text-zinc-600">"Overview"</p>
                <div class="mt-1 flex flex-wrap items-center gap-3">
                    <h1 class="text-2xl font-semibold tracking-tight text-zinc-900" data-testid="environment-name">
                        {env.name.clone()}
                    </h1>
                    {is_production(&env.slug).then(|| view! {
                        <EnvironmentBadge slug=env.slug.clone() name="Production".to_owned()/>
                    })}
                </div>
                <p class="mt-1.5 text-sm text-zinc-600">
                    <code class="font-mono text-[0.8125rem] text-zinc-700">{env.slug.clone()}</code>
                    " · created "
                    {created_on(&env.created_at)}
                </p>
            </div>
            <a
                href=assignments_path.clone()
                class="inline-flex items-center gap-1.5 rounded-md bg-white px-3 py-1.5 text-sm font-medium text-zinc-800 shadow-sm ring-1 ring-zinc-200 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
            >
                "View assignments"
                <Icon name=IconName::ArrowRight/>
            </a>
        </header>

        <section aria-label="Totals" class="mt-8 grid grid-cols-2 gap-3 sm:gap-4 lg:grid-cols-4">
            <StatCard label="Identities" value=identities icon=IconName::Identities test_id="count-identities"
                note="Shared by every environment of this application"/>
            <StatCard label="Nodes" value=nodes icon=IconName::Nodes test_id="count-nodes"
                note="In this environment's tree"/>
            <StatCard label="Roles" value=roles icon=IconName::Roles test_id="count-roles"
                note="Including system roles"/>
            <StatCard label="Permissions" value=permissions icon=IconName::Permissions test_id="count-permissions"
                note="Resource and action pairs"/>
        </section>

        <div class="mt-4 grid gap-3 sm:gap-4 lg:grid-cols-3">
            <AssignmentsCard active=assignments.active scheduled=assignments.scheduled expired=assignments.expired/>
            <ExpiringCard summary=summary.clone() href=expiring_path/>
        </div>

        <div class="mt-4 grid gap-3 sm:gap-4 lg:grid-cols-3">
            <RolesCard roles=summary.by_role.clone() href=scope.page_path("roles")/>
            <RecentChanges recent scope=scope.clone()/>
        </div>

        <Explore scope/>
    }
    .into_any()
}
