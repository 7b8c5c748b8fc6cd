//! Modal dialogs: a native `<dialog>` opened with `showModal()`, so the page behind is inert for
//! pointer, keyboard and assistive technology alike. Tab and Shift+Tab wrap inside the dialog,
//! Escape closes it, and focus goes back to what had it before.
//!
//! A dialog is open while it is rendered: the caller shows it with a signal and closes it by
//! clearing that signal (which `on_close` does).

use leptos::{ev::KeyboardEvent, html, prelude::*};

use super::icons::{Icon, IconName};

#[component]
pub fn Modal(
    /// The heading, also the dialog's accessible name.
    title: String,
    /// One sentence under the heading; also the dialog's description.
    #[prop(optional, into)]
    description: Option<String>,
    /// `alertdialog` for confirmations of destructive actions.
    #[prop(default = "dialog")]
    role: &'static str,
    /// `max-w-lg` unless said otherwise.
    #[prop(default = "max-w-lg")]
    width: &'static str,
    on_close: Callback<()>,
    #[prop(optional)] test_id: &'static str,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let id = next_id();
    let title_id = format!("dialog-{id}-title");
    let description_id = format!("dialog-{id}-description");

    #[cfg(feature = "hydrate")]
    {
        let opener = document().active_element();
        Effect::new(move |_| {
            if let Some(dialog) = dialog.get() {
                if !dialog.open() {
                    let _ = dialog.show_modal();
                }
                focus_first(&dialog);
            }
        });
        let opener = send_wrapper::SendWrapper::new(opener);
        on_cleanup(move || {
            if let Some(opener) = opener.take()
                && let Ok(opener) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(opener)
            {
                // Once the dialog is gone: while a modal dialog is open the page behind it is
                // inert and cannot take focus.
                let opener = send_wrapper::SendWrapper::new(opener);
                set_timeout(move || { let _ = opener.focus(); }, std::time::Duration::ZERO);
            }
        });
    }

    let on_keydown = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            ev.stop_propagation();
            on_close.run(());
        }
        "Tab" => {
            #[cfg(feature = "hydrate")]
            if let Some(dialog) = dialog.get_untracked() {
                trap_tab(&dialog, &ev);
            }
        }
        _ => {}
    };

    let labelled_by = title_id.clone();
    let described_by = description.as_ref().map(|_| description_id.clone());
    view! {
        <dialog
            node_ref=dialog
            role=role
            aria-modal="true"
            aria-labelledby=labelled_by
            aria-describedby=described_by
            on:keydown=on_keydown
            data-testid=test_id
            class=format!(
                "m-auto w-[calc(100%-2rem)] {width} rounded-xl bg-white p-0 text-zinc-900 shadow-2xl ring-1 ring-zinc-900/10 backdrop:bg-zinc-900/40 backdrop:backdrop-blur-[1px]",
            )
        >
            <div class="flex items-start justify-between gap-4 border-b border-zinc-100 px-5 py-4 sm:px-6">
                <div class="min-w-0">
                    <h2 id=title_id class="text-base font-semibold text-zinc-900">{title}</h2>
                    {description.map(|text| view! {
                        <p id=description_id class="mt-1 text-sm text-zinc-600">{text}</p>
                    })}
                </div>
                <button
                    type="button"
                    class="-mr-1.5 rounded-md p-1.5 text-zinc-500 hover:bg-zinc-100 hover:text-zinc-800 focus-visible:outline-2 focus-visible:outline-canopy-600"
                    aria-label="Close"
                    on:click=move |_| on_close.run(())
                >
                    <Icon name=IconName::Close/>
                </button>
            </div>
            {children()}
        </dialog>
    }
    .into_any()
}

/// Ids for label/description pairs, unique within the page.
pub fn next_id() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(feature = "hydrate")]
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

#[cfg(feature = "hydrate")]
fn focusables(dialog: &web_sys::HtmlDialogElement) -> Vec<web_sys::HtmlElement> {
    use wasm_bindgen::JsCast;
    let Ok(list) = dialog.query_selector_all(FOCUSABLE) else { return Vec::new() };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
        .filter(|el| el.offset_parent().is_some() && !el.class_name().split_whitespace().any(|c| c == "invisible"))
        .collect()
}

/// Focuses the element marked `data-autofocus`, else the first field, else the first control
/// after the close button.
#[cfg(feature = "hydrate")]
fn focus_first(dialog: &web_sys::HtmlDialogElement) {
    use wasm_bindgen::JsCast;
    if let Ok(Some(el)) = dialog.query_selector("[data-autofocus]")
        && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
    {
        let _ = el.focus();
        return;
    }
    let all = focusables(dialog);
    if let Some(el) = all.get(1).or_else(|| all.first()) {
        let _ = el.focus();
    }
}

#[cfg(feature = "hydrate")]
fn trap_tab(dialog: &web_sys::HtmlDialogElement, ev: &KeyboardEvent) {
    use wasm_bindgen::JsCast;
    let all = focusables(dialog);
    let (Some(first), Some(last)) = (all.first(), all.last()) else { return };
    let active = document().active_element().and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
    let inside = active.as_ref().is_some_and(|el| all.iter().any(|f| f == el));
    if ev.shift_key() {
        if !inside || active.as_ref() == Some(first) {
            ev.prevent_default();
            let _ = last.focus();
        }
    } else if !inside || active.as_ref() == Some(last) {
        ev.prevent_default();
        let _ = first.focus();
    }
}
