//! A searchable picker (ARIA combobox with a listbox): type to search the API, arrows to move,
//! Enter to choose, Escape to close the list. Used for identities and nodes, which can number in
//! the thousands, so the options are always a server-side search, never a full list.

use leptos::{ev::KeyboardEvent, prelude::*};

use crate::{
    api,
    dto::{IdentityResponse, NodeResponse, Paginated},
    scope::{Scope, encode_query_value},
};

/// One choice: the id that is sent, and what the admin reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickOption {
    pub id: String,
    pub label: String,
    pub detail: String,
}

/// What a picker searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerSource {
    Identities,
    Nodes,
}

/// How many matches a picker lists; typing more narrows them.
const PICKER_TAKE: u32 = 20;

pub fn identities_path(scope: &Scope) -> String {
    format!(
        "/portal/v1/accounts/{}/applications/{}/identities",
        encode_query_value(&scope.account).replace('/', "%2F"),
        encode_query_value(&scope.application).replace('/', "%2F")
    )
}

pub fn nodes_path(scope: &Scope) -> String {
    format!("{}/nodes", scope.environment_api_path())
}

/// Searches `source` for `term` (name, email or path contains).
pub async fn search(scope: &Scope, source: PickerSource, term: &str) -> Result<Vec<PickOption>, api::ApiError> {
    let q = term.trim();
    let q = if q.is_empty() { String::new() } else { format!("&q={}", encode_query_value(q)) };
    match source {
        PickerSource::Identities => {
            let path = format!("{}?take={PICKER_TAKE}&sort_by=name&order=asc{q}", identities_path(scope));
            let page: Paginated<IdentityResponse> = api::get(&path).await?;
            Ok(page
                .items
                .into_iter()
                .map(|identity| PickOption { id: identity.id, label: identity.name, detail: identity.email })
                .collect())
        }
        PickerSource::Nodes => {
            let path = format!("{}?take={PICKER_TAKE}{q}", nodes_path(scope));
            let page: Paginated<NodeResponse> = api::get(&path).await?;
            Ok(page.items.into_iter().map(|node| PickOption { id: node.id, label: node.name, detail: node.path }).collect())
        }
    }
}

#[component]
pub fn SearchPicker(
    /// The input's id; the listbox and error ids derive from it.
    id: String,
    label: &'static str,
    placeholder: &'static str,
    source: PickerSource,
    selected: RwSignal<Option<PickOption>>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(default = false)] autofocus: bool,
    /// Hides the visible label (it stays for assistive technology), for a toolbar.
    #[prop(default = false)]
    compact: bool,
) -> impl IntoView {
    let scope = expect_context::<Memo<Scope>>();
    let text = RwSignal::new(selected.get_untracked().map(|o| o.label).unwrap_or_default());
    let options = RwSignal::new(Vec::<PickOption>::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    let loading = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let generation = StoredValue::new(0u64);
    let listbox_id = format!("{id}-listbox");
    let error_id = format!("{id}-error");

    // When the choice is cleared from outside (a chip removed, a form reset), the text follows.
    Effect::new(move |_| {
        let label = selected.with(|s| s.as_ref().map(|o| o.label.clone()));
        text.set(label.unwrap_or_default());
    });

    let run_search = move |term: String| {
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        loading.set(true);
        let scope = scope.get_untracked();
        leptos::task::spawn_local(async move {
            let answer = search(&scope, source, &term).await;
            // A slower answer to an older term must not replace a newer one.
            if generation.get_value() != mine {
                return;
            }
            loading.set(false);
            match answer {
                Ok(found) => {
                    failed.set(None);
                    active.set(if found.is_empty() { None } else { Some(0) });
                    options.set(found);
                }
                Err(err) => {
                    options.set(Vec::new());
                    failed.set(Some(err.body.message));
                }
            }
        });
    };

    let timer = StoredValue::new(None::<TimeoutHandle>);
    let debounced_search = move |term: String| {
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(move || run_search(term), std::time::Duration::from_millis(200)).ok();
        timer.set_value(handle);
    };

    let choose = move |option: PickOption| {
        text.set(option.label.clone());
        selected.set(Some(option));
        open.set(false);
    };

    let on_keydown = move |ev: KeyboardEvent| {
        let count = options.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                if !open.get_untracked() {
                    open.set(true);
                    run_search(text.get_untracked());
                } else if count > 0 {
                    active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % count)));
                }
            }
            "ArrowUp" => {
                ev.prevent_default();
                if count > 0 {
                    active.update(|a| *a = Some(a.map_or(count - 1, |i| (i + count - 1) % count)));
                }
            }
            "Enter" => {
                if open.get_untracked() {
                    ev.prevent_default();
                    let picked = active.get_untracked().and_then(|i| options.with_untracked(|o| o.get(i).cloned()));
                    if let Some(option) = picked {
                        choose(option);
                    }
                }
            }
            "Escape" => {
                if open.get_untracked() {
                    // Closes the list only; a second Escape reaches the dialog.
                    ev.prevent_default();
                    ev.stop_propagation();
                    open.set(false);
                }
            }
            _ => {}
        }
    };

    let option_id = {
        let id = id.clone();
        move |i: usize| format!("{id}-option-{i}")
    };
    let active_descendant = {
        let option_id = option_id.clone();
        move || open.get().then(|| active.get().map(&option_id)).flatten()
    };
    let invalid = move || error.with(Option::is_some);

    view! {
        <div class="relative">
            <label for=id.clone() class=if compact { "sr-only" } else { "block text-sm font-medium text-zinc-800" }>{label}</label>
            <input
                id=id.clone()
                type="text"
                role="combobox"
                autocomplete="off"
                spellcheck="false"
                data-autofocus=autofocus.then_some("")
                placeholder=placeholder
                aria-autocomplete="list"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls=listbox_id.clone()
                aria-activedescendant=active_descendant
                aria-invalid=move || invalid().then_some("true")
                aria-describedby={
                    let error_id = error_id.clone();
                    move || invalid().then(|| error_id.clone())
                }
                prop:value=move || text.get()
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    text.set(value.clone());
                    if selected.with_untracked(|s| s.as_ref().is_some_and(|o| o.label != value)) {
                        selected.set(None);
                    }
                    open.set(true);
                    debounced_search(value);
                }
                on:focus=move |_| {
                    if !open.get_untracked() && selected.with_untracked(Option::is_none) {
                        open.set(true);
                        run_search(text.get_untracked());
                    }
                }
                on:blur=move |_| {
                    // After a click on an option has been handled (mousedown prevents the blur).
                    open.set(false);
                }
                on:keydown=on_keydown
                class=move || {
                    let ring = if invalid() {
                        "ring-rose-400 focus:ring-rose-600"
                    } else {
                        "ring-zinc-300 focus:ring-canopy-600"
                    };
                    format!(
                        "{} block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-zinc-900 shadow-xs ring-1 ring-inset placeholder:text-zinc-500 focus:ring-2 focus:ring-inset focus:outline-none {ring}",
                        if compact { "" } else { "mt-1.5" },
                    )
                }
            />
            <Show when=move || open.get()>
                <ul
                    id=listbox_id.clone()
                    role="listbox"
                    aria-label=label
                    class="absolute z-50 mt-1 max-h-64 w-full min-w-64 overflow-auto rounded-md bg-white py-1 text-sm shadow-lg ring-1 ring-zinc-900/10"
                >
                    {
                        let option_id = option_id.clone();
                        move || {
                            if let Some(message) = failed.get() {
                                return view! { <li class="px-3 py-2 text-rose-700">{message}</li> }.into_any();
                            }
                            let found = options.get();
                            if found.is_empty() {
                                let message = if loading.get() { "Searching…" } else { "No matches. Try another name." };
                                return view! { <li class="px-3 py-2 text-zinc-600">{message}</li> }.into_any();
                            }
                            found
                                .into_iter()
                                .enumerate()
                                .map(|(i, option)| {
                                    let is_active = move || active.get() == Some(i);
                                    let picked = option.clone();
                                    view! {
                                        <li
                                            id=option_id(i)
                                            role="option"
                                            aria-selected=move || if is_active() { "true" } else { "false" }
                                            class=move || {
                                                if is_active() {
                                                    "cursor-pointer px-3 py-2 bg-canopy-50 text-canopy-900"
                                                } else {
                                                    "cursor-pointer px-3 py-2 text-zinc-800 hover:bg-zinc-50"
                                                }
                                            }
                                            on:mousedown=move |ev| {
                                                ev.prevent_default();
                                                choose(picked.clone());
                                            }
                                            on:mouseenter=move |_| active.set(Some(i))
                                        >
                                            <span class="block truncate font-medium">{option.label.clone()}</span>
                                            <span class="block truncate text-xs text-zinc-600">{option.detail.clone()}</span>
                                        </li>
                                    }
                                })
                                .collect_view()
                                .into_any()
                        }
                    }
                </ul>
            </Show>
            {move || error.get().map(|message| view! {
                <p id=error_id.clone() class="mt-1.5 text-sm text-rose-700" data-testid=format!("{id}-error")>{message}</p>
            })}
        </div>
    }
    .into_any()
}
