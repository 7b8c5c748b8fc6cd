//! "Export CSV": a download link to a list's `…/export` endpoint with the list's current
//! filters and sort. The browser streams the file to disk itself, so a long export never
//! holds the page, and the session cookie authorises it as it does the page's own reads.

use leptos::prelude::*;

use super::icons::{Icon, IconName};

/// A secondary button that downloads `href` (an API export URL).
#[component]
pub fn ExportLink(#[prop(into)] href: Signal<String>, #[prop(into)] label: String) -> impl IntoView {
    view! {
        <a
            href=href
            download=""
            // The visible "Export CSV" is the name (axe: label-content-name-mismatch); what is
            // exported is the description.
            title=label
            class="inline-flex items-center gap-1.5 rounded-md bg-white px-3 py-2 text-sm font-medium text-zinc-800 shadow-xs ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
        >
            <Icon name=IconName::Download/>
            "Export CSV"
        </a>
    }
}
