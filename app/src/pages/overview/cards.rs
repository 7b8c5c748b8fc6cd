//! The overview's cards: totals, assignments by status and by role, what expires in the next 7
//! and 30 days, and the links to the environment's other pages.

use leptos::prelude::*;

use crate::{
    components::{
        chart::{Bar, BarList, DayColumns},
        icons::{Icon, IconName},
    },
    dto::{AssignmentSummary, RoleCount},
    scope::{Scope, grouped},
    sections::SECTIONS,
};

#[component]
pub fn StatCard(
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
pub fn AssignmentsCard(active: i64, scheduled: i64, expired: i64) -> impl IntoView {
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

/// What ends soon: the 7- and 30-day counts, and the 30 days as columns.
#[component]
pub fn ExpiringCard(summary: AssignmentSummary, href: String) -> impl IntoView {
    let week = summary.expiring_within_7_days;
    let month = summary.expiring_within_30_days;
    let (tone, icon_tone) = if week > 0 {
        ("border-amber-200 bg-amber-50/40", "bg-amber-100 text-amber-800")
    } else {
        ("border-zinc-200 bg-white", "bg-zinc-100 text-zinc-500")
    };
    let days = summary.expiring_by_day.len();
    let described = format!(
        "Active assignments ending per day over the next {days} days: {} in the next 7 days, {} in the next 30 days; the most on one day is {}.",
        grouped(week),
        grouped(month),
        grouped(summary.expiring_by_day.iter().copied().max().unwrap_or(0)),
    );
    view! {
        <section class=format!("flex flex-col rounded-xl border p-4 shadow-xs sm:p-5 {tone}") aria-labelledby="expiring-title" data-testid="expiring-card">
            <div class="flex items-center justify-between gap-2">
                <h2 id="expiring-title" class="text-sm font-medium text-zinc-700">"Expiring soon"</h2>
                <span class=format!("flex size-7 items-center justify-center rounded-full {icon_tone}")>
                    <Icon name=IconName::Clock/>
                </span>
            </div>
            <dl class="mt-3 grid grid-cols-2 gap-3">
                <div>
                    <dt class="text-xs text-zinc-600">"Next 7 days"</dt>
                    <dd class="text-3xl font-semibold tracking-tight text-zinc-900 tabular-nums" data-testid="count-expiring">{grouped(week)}</dd>
                </div>
                <div>
                    <dt class="text-xs text-zinc-600">"Next 30 days"</dt>
                    <dd class="text-3xl font-semibold tracking-tight text-zinc-900 tabular-nums" data-testid="count-expiring-30">{grouped(month)}</dd>
                </div>
            </dl>
            <DayColumns values=summary.expiring_by_day.clone() highlight=7 summary=described test_id="expiring-chart"/>
            <a
                href=href
                class="mt-auto inline-flex items-center gap-1 pt-4 text-sm font-medium text-canopy-700 hover:text-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
            >
                "Review active assignments"
                <Icon name=IconName::ArrowRight/>
            </a>
        </section>
    }
    .into_any()
}

/// Assignments per role, most used first: a bar each, on one scale.
#[component]
pub fn RolesCard(roles: Vec<RoleCount>, href: String) -> impl IntoView {
    let total: i64 = roles.iter().map(|r| r.count).sum();
    let bars = roles
        .into_iter()
        .map(|role| Bar { label: role.role_name, value: role.count, fill: "fill-canopy-600", key: role.role_id })
        .collect::<Vec<_>>();
    let empty = bars.is_empty();
    view! {
        <section class="rounded-xl border border-zinc-200 bg-white p-4 shadow-xs sm:p-5 lg:col-span-2" aria-labelledby="roles-title" data-testid="roles-card">
            <div class="flex items-baseline justify-between gap-3">
                <h2 id="roles-title" class="text-sm font-medium text-zinc-600">"Assignments by role"</h2>
                <a href=href class="rounded text-sm font-medium text-canopy-700 hover:text-canopy-800 focus-visible:outline-2 focus-visible:outline-canopy-600">
                    "Roles"
                </a>
            </div>
            <p class="sr-only">{format!("{} assignments across the roles below.", grouped(total))}</p>
            {if empty {
                view! { <p class="mt-4 text-sm text-zinc-600">"No roles in this environment yet."</p> }.into_any()
            } else {
                view! { <div class="mt-3"><BarList bars test_id="roles-chart"/></div> }.into_any()
            }}
        </section>
    }
    .into_any()
}

/// The other pages of this environment, with what each is for.
#[component]
pub fn Explore(scope: Scope) -> impl IntoView {
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
