//! An environment's overview: its counts, server-rendered with the data on first paint.

use leptos::prelude::*;
use leptos_meta::Title;
use time::macros::format_description;

use crate::{
    api::{self, ApiError},
    components::{
        icons::{Icon, IconName},
        shell::PageSkeleton,
        states::{EnvironmentNotFound, LoadError, SignInRedirect},
        switcher::EnvironmentBadge,
    },
    dto::{EnvironmentCounts, EnvironmentResponse, Timestamp},
    scope::{Scope, grouped, is_production},
    sections::SECTIONS,
};

#[component]
pub fn OverviewPage() -> impl IntoView {
    let scope = expect_context::<Memo<Scope>>();
    let environment: Resource<Result<EnvironmentResponse, ApiError>> =
        Resource::new(move || scope.get(), |scope| api::bound(async move { api::get(&scope.environment_api_path()).await }));

    view! {
        <Transition fallback=PageSkeleton>
            {move || Suspend::new(async move {
                match environment.await {
                    Ok(env) => view! { <Overview env scope=scope.get_untracked()/> }.into_any(),
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
fn Overview(env: EnvironmentResponse, scope: Scope) -> impl IntoView {
    let EnvironmentCounts { nodes, identities, roles, permissions, assignments, expiring_within_7_days } =
        env.counts.clone();
    let assignments_path = scope.page_path("assignments");
    view! {
        <Title text=format!("{} · Overview · Canopy", env.name)/>
        <header class="flex flex-wrap items-end justify-between gap-4">
            <div class="min-w-0">
                <p class="text-sm font-medium text-zinc-500">"Overview"</p>
                <div class="mt-1 flex flex-wrap items-center gap-3">
                    <h1 class="text-2xl font-semibold tracking-tight text-zinc-900" data-testid="environment-name">
                        {env.name.clone()}
                    </h1>
                    {is_production(&env.slug).then(|| view! {
                        <EnvironmentBadge slug=env.slug.clone() name="Production".to_owned()/>
                    })}
                </div>
                <p class="mt-1.5 text-sm text-zinc-500">
                    <code class="font-mono text-[0.8125rem] text-zinc-600">{env.slug.clone()}</code>
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
            <ExpiringCard count=expiring_within_7_days href=assignments_path/>
        </div>

        <Explore scope/>
    }
    .into_any()
}

#[component]
fn StatCard(
    label: &'static str,
    value: i64,
    icon: IconName,
    test_id: &'static str,
    note: &'static str,
) -> impl IntoView {
    view! {
        <div class="rounded-xl border border-zinc-200 bg-white p-4 shadow-xs sm:p-5">
            <div class="flex items-center justify-between gap-2">
                <h2 class="text-sm font-medium text-zinc-600">{label}</h2>
                <span class="text-zinc-400"><Icon name=icon/></span>
            </div>
            <p class="mt-3 text-3xl font-semibold tracking-tight text-zinc-900 tabular-nums" data-testid=test_id>
                {grouped(value)}
            </p>
            <p class="mt-1 text-xs leading-5 text-zinc-500">{note}</p>
        </div>
    }
    .into_any()
}

/// One status of the assignments card: its colours are AA on white (text) and distinct in the bar.
struct Status {
    label: &'static str,
    key: &'static str,
    count: i64,
    bar: &'static str,
    /// The bar's colour as an SVG fill (the bar is drawn in SVG: widths as attributes, since the
    /// Content-Security-Policy allows no inline styles).
    fill: &'static str,
    pill: &'static str,
    explain: &'static str,
}

#[component]
fn AssignmentsCard(active: i64, scheduled: i64, expired: i64) -> impl IntoView {
    let total = active + scheduled + expired;
    let statuses = [
        Status {
            label: "Active",
            key: "active",
            count: active,
            bar: "bg-emerald-500",
            fill: "fill-emerald-500",
            pill: "bg-emerald-50 text-emerald-800 ring-emerald-600/20",
            explain: "In effect now",
        },
        Status {
            label: "Scheduled",
            key: "scheduled",
            count: scheduled,
            bar: "bg-sky-500",
            fill: "fill-sky-500",
            pill: "bg-sky-50 text-sky-800 ring-sky-600/20",
            explain: "Start in the future",
        },
        Status {
            label: "Expired",
            key: "expired",
            count: expired,
            bar: "bg-slate-400",
            fill: "fill-slate-400",
            pill: "bg-slate-100 text-slate-700 ring-slate-500/20",
            explain: "Ended; kept for the record",
        },
    ];
    let percent = move |count: i64| if total > 0 { count as f64 * 100.0 / total as f64 } else { 0.0 };

    let mut offset = 0.0;
    let segments = statuses
        .iter()
        .filter(|s| s.count > 0)
        .map(|s| {
            let (x, width) = (offset, percent(s.count));
            offset += width;
            view! { <rect class=s.fill x=format!("{x:.2}%") y="0" width=format!("{width:.2}%") height="100%"></rect> }
        })
        .collect_view();
    let bar = view! { <svg class="block h-full w-full" aria-hidden="true">{segments}</svg> };
    let legend = statuses
        .iter()
        .map(|s| {
            view! {
                <div class="flex items-center justify-between gap-3 py-2.5">
                    <dt class="flex items-center gap-2.5">
                        <span class=format!("inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {}", s.pill)>
                            <span class=format!("size-1.5 rounded-full {}", s.bar) aria-hidden="true"></span>
                            {s.label}
                        </span>
                        <span class="hidden text-xs text-zinc-500 sm:inline">{s.explain}</span>
                    </dt>
                    <dd class="flex items-baseline gap-2 tabular-nums">
                        <span class="text-sm font-semibold text-zinc-900" data-testid=format!("count-assignments-{}", s.key)>
                            {grouped(s.count)}
                        </span>
                        <span class="w-12 text-right text-xs text-zinc-500">{format!("{:.0}%", percent(s.count))}</span>
                    </dd>
                </div>
            }
        })
        .collect_view();

    view! {
        <section class="rounded-xl border border-zinc-200 bg-white p-4 shadow-xs sm:p-5 lg:col-span-2" aria-labelledby="assignments-title">
            <div class="flex items-baseline justify-between gap-3">
                <h2 id="assignments-title" class="text-sm font-medium text-zinc-600">"Assignments by status"</h2>
                <p class="text-sm text-zinc-500">
                    <span class="font-semibold text-zinc-900 tabular-nums" data-testid="count-assignments-total">{grouped(total)}</span>
                    " in total"
                </p>
            </div>
            <div
                class="mt-4 flex h-2.5 w-full overflow-hidden rounded-full bg-zinc-100"
                role="img"
                aria-label=format!("{} active, {} scheduled, {} expired", grouped(active), grouped(scheduled), grouped(expired))
            >
                {bar}
            </div>
            <dl class="mt-3 divide-y divide-zinc-100">{legend}</dl>
        </section>
    }
    .into_any()
}

#[component]
fn ExpiringCard(count: i64, href: String) -> impl IntoView {
    let (tone, icon_tone) = if count > 0 {
        ("border-amber-200 bg-amber-50/60", "bg-amber-100 text-amber-800")
    } else {
        ("border-zinc-200 bg-white", "bg-zinc-100 text-zinc-500")
    };
    view! {
        <section class=format!("flex flex-col rounded-xl border p-4 shadow-xs sm:p-5 {tone}") aria-labelledby="expiring-title">
            <div class="flex items-center justify-between gap-2">
                <h2 id="expiring-title" class="text-sm font-medium text-zinc-700">"Expiring within 7 days"</h2>
                <span class=format!("flex size-7 items-center justify-center rounded-full {icon_tone}")>
                    <Icon name=IconName::Clock/>
                </span>
            </div>
            <p class="mt-3 text-3xl font-semibold tracking-tight text-zinc-900 tabular-nums" data-testid="count-expiring">
                {grouped(count)}
            </p>
            <p class="mt-1 text-sm leading-6 text-zinc-600">
                {if count == 1 {
                    "active assignment ends in the next 7 days."
                } else {
                    "active assignments end in the next 7 days."
                }}
            </p>
            <a
                href=href
                class="mt-auto inline-flex items-center gap-1 pt-4 text-sm font-medium text-canopy-700 hover:text-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
            >
                "Review assignments"
                <Icon name=IconName::ArrowRight/>
            </a>
        </section>
    }
    .into_any()
}

/// The other pages of this environment, with what each is for.
#[component]
fn Explore(scope: Scope) -> impl IntoView {
    let links = SECTIONS
        .iter()
        .filter(|section| !section.slug.is_empty())
        .map(|section| {
            view! {
                <li>
                    <a
                        href=scope.page_path(section.slug)
                        class="group flex h-full items-start gap-3 rounded-lg p-3 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-canopy-600"
                    >
                        <span class="mt-0.5 flex size-8 shrink-0 items-center justify-center rounded-md bg-canopy-50 text-canopy-700 ring-1 ring-canopy-100">
                            <Icon name=section.icon/>
                        </span>
                        <span>
                            <span class="block text-sm font-medium text-zinc-900 group-hover:text-canopy-800">{section.label}</span>
                            <span class="mt-0.5 block text-sm leading-5 text-zinc-500">{section.purpose}</span>
                        </span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="mt-8" aria-labelledby="explore-title">
            <h2 id="explore-title" class="text-sm font-semibold text-zinc-900">"Manage this environment"</h2>
            <ul class="mt-3 grid gap-1 rounded-xl border border-zinc-200 bg-white p-2 shadow-xs sm:grid-cols-2 lg:grid-cols-3">
                {links}
            </ul>
        </section>
    }
    .into_any()
}
