//! The pieces of the portal's forms and dialogs: the input look, a field's error line, the
//! form-wide alert, the dialog footer with its busy state, and focusing the first error.

use leptos::prelude::*;

use super::icons::{Icon, IconName};
use crate::dto::FieldErrors;

const INPUT: &str = "mt-1.5 block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-zinc-900 shadow-xs ring-1 ring-inset placeholder:text-zinc-500 focus:ring-2 focus:ring-inset focus:outline-none";

/// A text input or select, outlined in rose while its field has an error.
pub fn input_class(invalid: bool) -> String {
    if invalid {
        format!("{INPUT} ring-rose-400 focus:ring-rose-600")
    } else {
        format!("{INPUT} ring-zinc-300 focus:ring-canopy-600")
    }
}

/// A form field's error line, tied to its control by id.
#[component]
pub fn FieldError(id: String, errors: RwSignal<FieldErrors>, field: &'static str) -> impl IntoView {
    move || {
        errors.with(|e| e.get(field).map(str::to_owned)).map(|message| view! {
            <p id=id.clone() class="mt-1.5 flex items-start gap-1.5 text-sm text-rose-700" data-testid=format!("{field}-error")>
                <Icon name=IconName::Alert class="mt-0.5 size-3.5 shrink-0"/>
                {message}
            </p>
        })
    }
}

/// What went wrong with the whole form (not one field), in the API's words.
#[component]
pub fn FormAlert(message: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|text| view! {
            <div class="flex items-start gap-2 rounded-lg border border-rose-200 bg-rose-50 px-3 py-2.5 text-sm text-rose-800" role="alert" data-testid="form-error">
                <Icon name=IconName::Alert class="mt-0.5 size-4 shrink-0"/>
                <span>{text}</span>
            </div>
        })
    }
}

/// A save refused with 412: someone changed the object after the dialog read it. Nothing was
/// written; `on_reload` reads it again so the admin can redo their change on top.
#[component]
pub fn StaleAlert(what: &'static str, on_reload: Callback<()>) -> impl IntoView {
    view! {
        <div class="flex flex-col gap-2 rounded-lg border border-amber-200 bg-amber-50 px-3 py-2.5 text-sm text-amber-900 sm:flex-row sm:items-start" role="alert" data-testid="stale-alert">
            <Icon name=IconName::Alert class="mt-0.5 size-4 shrink-0"/>
            <span class="flex-1">{format!("Another admin changed this {what} after you opened it, so your change was not saved. Reload to see theirs, then make yours again.")}</span>
            <button
                type="button"
                class="self-start rounded-md bg-white px-2.5 py-1 text-sm font-medium text-amber-900 shadow-xs ring-1 ring-amber-300 hover:bg-amber-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-amber-600"
                on:click=move |_| on_reload.run(())
            >
                "Reload"
            </button>
        </div>
    }
    .into_any()
}

/// Cancel and the submit button, which shows `busy_label` and a spinner while the request runs.
#[component]
pub fn DialogFooter(
    on_cancel: Callback<()>,
    busy: RwSignal<bool>,
    label: String,
    busy_label: &'static str,
    #[prop(default = false)] danger: bool,
) -> impl IntoView {
    let tone = if danger {
        "bg-rose-700 hover:bg-rose-800 focus-visible:outline-rose-600"
    } else {
        "bg-canopy-700 hover:bg-canopy-800 focus-visible:outline-canopy-600"
    };
    view! {
        <div class="flex flex-col-reverse gap-2 border-t border-zinc-100 bg-zinc-50/70 px-5 py-3 sm:flex-row sm:justify-end sm:px-6">
            <button
                type="button"
                class="rounded-md bg-white px-3.5 py-2 text-sm font-medium text-zinc-800 shadow-xs ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                on:click=move |_| on_cancel.run(())
            >
                "Cancel"
            </button>
            <button
                type="submit"
                class=format!("inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold text-white shadow-xs focus-visible:outline-2 focus-visible:outline-offset-2 disabled:cursor-wait disabled:opacity-80 {tone}")
                disabled=move || busy.get()
            >
                {move || busy.get().then(|| view! {
                    <span class="size-4 animate-spin rounded-full border-2 border-white/40 border-t-white" aria-hidden="true"></span>
                })}
                {move || if busy.get() { busy_label.to_owned() } else { label.clone() }}
            </button>
        </div>
    }
    .into_any()
}

/// Focuses the first control whose field has an error: `order` pairs fields with element ids.
pub fn focus_first_error(errors: &FieldErrors, order: &[(&str, &str)]) {
    #[cfg(feature = "hydrate")]
    for (field, element_id) in order {
        if errors.get(field).is_some() {
            if let Some(el) = document().get_element_by_id(element_id)
                && let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el)
            {
                let _ = el.focus();
            }
            return;
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (errors, order);
}
