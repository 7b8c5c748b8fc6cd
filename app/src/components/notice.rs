//! A short confirmation after a write, at the bottom of the screen for six seconds, announced
//! politely to screen readers.

use leptos::prelude::*;

use super::icons::{Icon, IconName};

#[component]
pub fn Notice(notice: RwSignal<Option<String>>) -> impl IntoView {
    let timer = StoredValue::new(None::<TimeoutHandle>);
    Effect::new(move |_| {
        if notice.get().is_some() {
            if let Some(handle) = timer.get_value() {
                handle.clear();
            }
            let handle = set_timeout_with_handle(move || notice.set(None), std::time::Duration::from_secs(6)).ok();
            timer.set_value(handle);
        }
    });
    view! {
        <div aria-live="polite" role="status" class="pointer-events-none fixed inset-x-0 bottom-4 z-50 flex justify-center px-4">
            {move || notice.get().map(|message| view! {
                <p
                    class="pointer-events-auto flex items-center gap-2 rounded-lg bg-zinc-900 px-4 py-2.5 text-sm font-medium text-white shadow-lg"
                    data-testid="notice"
                >
                    <Icon name=IconName::Check class="size-4 text-canopy-300"/>
                    {message}
                </p>
            })}
        </div>
    }
    .into_any()
}
