//! Small labels: status pills with a dot, the neutral role pill, and identity avatars.

use leptos::prelude::*;

use super::switcher::initials;

/// The colour of a status pill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Green,
    Sky,
    Grey,
    Amber,
}

/// A rounded status label with a coloured dot.
#[component]
pub fn StatusPill(label: &'static str, tone: Tone) -> impl IntoView {
    let (pill, dot) = match tone {
        Tone::Green => ("bg-emerald-50 text-emerald-800 ring-emerald-600/25", "bg-emerald-500"),
        Tone::Sky => ("bg-sky-50 text-sky-800 ring-sky-600/25", "bg-sky-500"),
        Tone::Grey => ("bg-zinc-100 text-zinc-700 ring-zinc-500/25", "bg-zinc-400"),
        Tone::Amber => ("bg-amber-50 text-amber-900 ring-amber-600/30", "bg-amber-500"),
    };
    view! {
        <span class=format!("inline-flex items-center gap-1.5 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {pill}")>
            <span class=format!("size-1.5 rounded-full {dot}") aria-hidden="true"></span>
            {label}
        </span>
    }
    .into_any()
}

/// A role's name as a neutral tag.
#[component]
pub fn RolePill(name: String, #[prop(optional)] test_id: &'static str) -> impl IntoView {
    view! {
        <span
            class="inline-flex max-w-full items-center truncate rounded-md bg-zinc-100 px-2 py-0.5 text-xs font-medium text-zinc-800 ring-1 ring-inset ring-zinc-200"
            data-testid=(!test_id.is_empty()).then_some(test_id)
        >
            {name}
        </span>
    }
    .into_any()
}

/// Avatar colours: each pair passes AA for the initials.
const AVATAR_TONES: [&str; 6] = [
    "bg-canopy-100 text-canopy-800",
    "bg-sky-100 text-sky-800",
    "bg-amber-100 text-amber-900",
    "bg-violet-100 text-violet-800",
    "bg-rose-100 text-rose-800",
    "bg-teal-100 text-teal-800",
];

/// The identity's picture, else its initials on a colour its id picks. `size` is a Tailwind
/// size class (`size-8` in tables).
#[component]
pub fn Avatar(name: String, id: String, url: Option<String>, #[prop(default = "size-8 text-xs")] size: &'static str) -> impl IntoView {
    match url {
        Some(url) => view! {
            <img src=url alt="" loading="lazy" class=format!("{size} shrink-0 rounded-full bg-zinc-100 object-cover ring-1 ring-zinc-200")/>
        }
        .into_any(),
        None => {
            let tone = AVATAR_TONES[id.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(usize::from(b))) % AVATAR_TONES.len()];
            view! {
                <span class=format!("flex {size} shrink-0 items-center justify-center rounded-full font-semibold {tone}") aria-hidden="true">
                    {initials(&name)}
                </span>
            }
            .into_any()
        }
    }
}
