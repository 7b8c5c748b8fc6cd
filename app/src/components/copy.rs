//! A value shown once for the admin to take away (an API key's secret): a read-only field that
//! selects itself on focus, and a button that copies it to the clipboard and says so.

use leptos::prelude::*;

const COPY_PATHS: &str = r#"<rect width="14" height="14" x="8" y="8" rx="2" ry="2"/><path d="M4 16c-1.1 0-2-.9-2-2V4c0-1.1.9-2 2-2h10c1.1 0 2 .9 2 2"/>"#;
const CHECK_PATHS: &str = r#"<path d="M20 6 9 17l-5-5"/>"#;

/// Where a copy stands: the button's label follows it, and a live region announces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Copied {
    Not,
    Done,
    /// The browser refused (no clipboard permission): the text is selected for Ctrl+C instead.
    Refused,
}

#[component]
pub fn CopyField(
    /// The field's label.
    label: &'static str,
    value: String,
    #[prop(optional)] test_id: &'static str,
) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let state = RwSignal::new(Copied::Not);
    let id = format!("copy-{}", super::dialog::next_id());
    let select_all = move || {
        if let Some(input) = input.get_untracked() {
            input.select();
        }
    };
    let text = value.clone();
    let on_copy = move |_| {
        let text = text.clone();
        leptos::task::spawn_local(async move {
            let copied = write_clipboard(&text).await;
            if !copied {
                select_all();
            }
            state.set(if copied { Copied::Done } else { Copied::Refused });
        });
    };
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium text-zinc-800">{label}</label>
            <div class="mt-1.5 flex gap-2">
                <input
                    id=id
                    node_ref=input
                    type="text"
                    readonly=true
                    spellcheck="false"
                    autocomplete="off"
                    value=value
                    on:focus=move |_| select_all()
                    data-testid=(!test_id.is_empty()).then_some(test_id)
                    class="block w-full min-w-0 rounded-md border-0 bg-zinc-50 px-3 py-2 font-mono text-[0.8125rem] text-zinc-900 shadow-xs ring-1 ring-inset ring-zinc-300 focus:ring-2 focus:ring-inset focus:ring-canopy-600 focus:outline-none"
                />
                <button
                    type="button"
                    class="inline-flex shrink-0 items-center gap-1.5 rounded-md bg-white px-3 py-2 text-sm font-medium text-zinc-800 shadow-xs ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                    on:click=on_copy
                    data-testid="copy-button"
                >
                    {move || glyph(if state.get() == Copied::Done { CHECK_PATHS } else { COPY_PATHS }).into_any()}
                    {move || if state.get() == Copied::Done { "Copied" } else { "Copy" }}
                </button>
            </div>
            <p class="mt-1.5 min-h-5 text-sm text-zinc-600" role="status" aria-live="polite" data-testid="copy-status">
                {move || match state.get() {
                    Copied::Not => "",
                    Copied::Done => "Copied to the clipboard.",
                    Copied::Refused => "The browser did not allow copying: the text is selected, press Ctrl+C (⌘C) to copy it.",
                }}
            </p>
        </div>
    }
    .into_any()
}

fn glyph(paths: &'static str) -> impl IntoView {
    view! {
        <svg
            class="size-4"
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="1.75"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
            focusable="false"
            inner_html=paths
        ></svg>
    }
}

/// `navigator.clipboard.writeText(text)`; `false` when the browser has no clipboard here or
/// refuses. Read through `Reflect` so the bundle needs no extra `web-sys` features.
#[cfg(feature = "hydrate")]
async fn write_clipboard(text: &str) -> bool {
    use wasm_bindgen::{JsCast, JsValue};
    let attempt = || -> Option<js_sys::Promise> {
        let navigator = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("navigator")).ok()?;
        let clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard")).ok()?;
        if clipboard.is_undefined() || clipboard.is_null() {
            return None;
        }
        let write = js_sys::Reflect::get(&clipboard, &JsValue::from_str("writeText")).ok()?.dyn_into::<js_sys::Function>().ok()?;
        write.call1(&clipboard, &JsValue::from_str(text)).ok()?.dyn_into::<js_sys::Promise>().ok()
    };
    let Some(promise) = attempt() else { return false };
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

#[cfg(not(feature = "hydrate"))]
async fn write_clipboard(_text: &str) -> bool {
    false
}
