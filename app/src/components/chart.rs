//! Small charts drawn in inline SVG from Rust: horizontal bars for counts by category, columns for
//! counts over days. Sizes are SVG attributes (the Content-Security-Policy allows no inline
//! styles); colours are Tailwind `fill-*` classes. Each chart says in text what it shows, so the
//! drawing itself is hidden from assistive technology.

use leptos::prelude::*;

use crate::scope::grouped;

/// One bar: its label, its count, its colour (a `fill-*` class) and a test id for the count.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub fill: &'static str,
    pub key: String,
}

/// The width of `value` against `max`, in percent of the track; a non-zero value is never
/// drawn thinner than 1% (it must stay visible next to the large ones).
pub fn bar_percent(value: i64, max: i64) -> f64 {
    if max <= 0 || value <= 0 {
        return 0.0;
    }
    (value as f64 * 100.0 / max as f64).clamp(1.0, 100.0)
}

/// Bars on a common scale (the largest fills its track), each with its label and count.
#[component]
pub fn BarList(bars: Vec<Bar>, #[prop(optional)] test_id: &'static str) -> impl IntoView {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    let rows = bars
        .into_iter()
        .map(|bar| {
            let width = bar_percent(bar.value, max);
            view! {
                <li class="grid grid-cols-[minmax(0,9rem)_minmax(0,1fr)_auto] items-center gap-3 py-1.5 sm:grid-cols-[minmax(0,12rem)_minmax(0,1fr)_auto]" data-testid="bar" data-key=bar.key.clone()>
                    <span class="truncate text-sm text-zinc-700" title=bar.label.clone()>{bar.label.clone()}</span>
                    <svg class="block h-2.5 w-full overflow-hidden rounded-full" aria-hidden="true" focusable="false">
                        <rect class="fill-zinc-100" x="0" y="0" width="100%" height="100%" rx="5"></rect>
                        <rect class=bar.fill x="0" y="0" width=format!("{width:.2}%") height="100%" rx="5"></rect>
                    </svg>
                    <span class="w-12 text-right text-sm font-semibold text-zinc-900 tabular-nums" data-testid="bar-value">{grouped(bar.value)}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="divide-y divide-zinc-50" data-testid=(!test_id.is_empty()).then_some(test_id)>{rows}</ul> }.into_any()
}

/// Columns over consecutive days (`values[0]` is the first day), the first `highlight` days in
/// the strong colour; under them, where the days start and end.
#[component]
pub fn DayColumns(
    values: Vec<i64>,
    highlight: usize,
    /// What the chart shows, one sentence, read instead of the drawing.
    summary: String,
    #[prop(optional)] test_id: &'static str,
) -> impl IntoView {
    let days = values.len().max(1);
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    // A 100-unit-tall viewBox as wide as the days, stretched to the card: each day is one unit
    // wide, its column 70% of it.
    let columns = values
        .iter()
        .enumerate()
        .map(|(day, &value)| {
            let height = if value > 0 { (value as f64 * 100.0 / max as f64).max(3.0) } else { 0.0 };
            let fill = if day < highlight { "fill-amber-500" } else { "fill-sky-400" };
            let noun = if value == 1 { "assignment" } else { "assignments" };
            view! {
                <rect class="fill-zinc-100" x=format!("{:.2}", day as f64 + 0.15) y="0" width="0.7" height="100"></rect>
                <rect class=fill x=format!("{:.2}", day as f64 + 0.15) y=format!("{:.2}", 100.0 - height) width="0.7" height=format!("{height:.2}") data-day=day.to_string() data-value=value.to_string()>
                    // A tooltip for the pointer; the svg's own label speaks for the whole chart
                    // (an aria-label on a rect without a role is prohibited ARIA).
                    <title>{format!("Day {}: {value} {noun}", day + 1)}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <figure class="mt-3" data-testid=(!test_id.is_empty()).then_some(test_id)>
            <svg
                class="block h-28 w-full"
                viewBox=format!("0 0 {days} 100")
                preserveAspectRatio="none"
                role="img"
                aria-label=summary.clone()
            >
                {columns}
            </svg>
            <div class="mt-1.5 flex justify-between text-xs text-zinc-600" aria-hidden="true">
                <span>"Today"</span>
                <span>{format!("In {days} days")}</span>
            </div>
            <figcaption class="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-zinc-700">
                <span class="inline-flex items-center gap-1.5">
                    <span class="size-2.5 rounded-sm bg-amber-500" aria-hidden="true"></span>
                    {format!("Next {highlight} days")}
                </span>
                <span class="inline-flex items-center gap-1.5">
                    <span class="size-2.5 rounded-sm bg-sky-400" aria-hidden="true"></span>
                    {format!("Days {} to {days}", highlight + 1)}
                </span>
            </figcaption>
        </figure>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_share_a_scale_and_small_ones_stay_visible() {
        assert_eq!(bar_percent(50, 100), 50.0);
        assert_eq!(bar_percent(100, 100), 100.0);
        assert_eq!(bar_percent(1, 100_000), 1.0);
        assert_eq!(bar_percent(0, 100), 0.0);
        assert_eq!(bar_percent(3, 0), 0.0);
    }
}
