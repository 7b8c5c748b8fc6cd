//! Picks a node of a [`Forest`] already in memory (an ARIA combobox with a listbox): type to
//! search names and paths, arrows to move, Enter to choose, Escape to close the list. Nodes in
//! the `refused` subtree are listed but cannot be chosen, with the reason next to them: the
//! move dialog uses this to refuse a node's own subtree before the API would.

use std::sync::Arc;

use leptos::{ev::KeyboardEvent, prelude::*};

use super::tree::Forest;

/// Options listed at once; typing narrows them.
const OPTIONS_SHOWN: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Choice {
    index: usize,
    name: String,
    path: String,
    refused: bool,
}

fn choices(forest: &Forest, term: &str, refused: Option<usize>) -> Vec<Choice> {
    let found: Vec<usize> = if term.trim().is_empty() {
        // Tree order from the top, for a first look.
        let mut all = Vec::new();
        let mut stack: Vec<usize> = forest.roots().iter().rev().copied().collect();
        while let Some(i) = stack.pop() {
            all.push(i);
            if all.len() >= OPTIONS_SHOWN {
                break;
            }
            stack.extend(forest.children(i).iter().rev().copied());
        }
        all
    } else {
        forest.search(term).into_iter().take(OPTIONS_SHOWN).collect()
    };
    found
        .into_iter()
        .map(|index| Choice {
            index,
            name: forest.node(index).name.clone(),
            path: forest.path(index),
            refused: refused.is_some_and(|r| forest.is_within(index, r)),
        })
        .collect()
}

#[component]
pub fn NodePicker(
    id: String,
    label: &'static str,
    forest: Arc<Forest>,
    /// A subtree whose nodes cannot be chosen (the node being moved).
    refused: Option<usize>,
    /// Why they cannot, shown beside them and when one is tried.
    #[prop(default = "Inside the node being moved")]
    refused_reason: &'static str,
    selected: RwSignal<Option<usize>>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(default = false)] autofocus: bool,
) -> impl IntoView {
    let text = RwSignal::new(selected.get_untracked().map(|i| forest.path(i)).unwrap_or_default());
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    let refusal = RwSignal::new(None::<String>);
    let listbox_id = format!("{id}-listbox");
    let error_id = format!("{id}-error");
    let list_forest = forest.clone();
    let options = Memo::new(move |_| text.with(|t| choices(&list_forest, t, refused)));

    let choose = move |choice: Choice| {
        if choice.refused {
            refusal.set(Some(format!("{} is {}: a node cannot move under itself or its own descendants.", choice.path, refused_reason.to_lowercase())));
            return;
        }
        refusal.set(None);
        text.set(choice.path.clone());
        selected.set(Some(choice.index));
        open.set(false);
    };

    let on_keydown = move |ev: KeyboardEvent| {
        let count = options.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                open.set(true);
                if count > 0 {
                    active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % count)));
                }
            }
            "ArrowUp" => {
                ev.prevent_default();
                open.set(true);
                if count > 0 {
                    active.update(|a| *a = Some(a.map_or(count - 1, |i| (i + count - 1) % count)));
                }
            }
            "Enter" => {
                if open.get_untracked() {
                    ev.prevent_default();
                    if let Some(choice) = active.get_untracked().and_then(|i| options.with_untracked(|o| o.get(i).cloned())) {
                        choose(choice);
                    }
                }
            }
            "Escape" => {
                if open.get_untracked() {
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
    let message = Signal::derive(move || refusal.get().or_else(|| error.get()));
    let invalid = move || message.with(Option::is_some);

    view! {
        <div class="relative">
            <label for=id.clone() class="block text-sm font-medium text-zinc-800">{label}</label>
            <input
                id=id.clone()
                type="text"
                role="combobox"
                autocomplete="off"
                spellcheck="false"
                data-autofocus=autofocus.then_some("")
                placeholder="Search by name or path"
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
                    text.set(event_target_value(&ev));
                    selected.set(None);
                    refusal.set(None);
                    active.set(Some(0));
                    open.set(true);
                }
                on:focus=move |_| open.set(true)
                on:blur=move |_| open.set(false)
                on:keydown=on_keydown
                class=move || format!(
                    "mt-1.5 block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-zinc-900 shadow-xs ring-1 ring-inset placeholder:text-zinc-500 focus:ring-2 focus:ring-inset focus:outline-none {}",
                    if invalid() { "ring-rose-400 focus:ring-rose-600" } else { "ring-zinc-300 focus:ring-canopy-600" },
                )
                data-testid="node-picker-input"
            />
            <Show when=move || open.get()>
                <ul
                    id=listbox_id.clone()
                    role="listbox"
                    aria-label=label
                    class="absolute z-50 mt-1 max-h-64 w-full overflow-auto rounded-md bg-white py-1 text-sm shadow-lg ring-1 ring-zinc-900/10"
                >
                    {
                        let option_id = option_id.clone();
                        move || {
                            let found = options.get();
                            if found.is_empty() {
                                return view! { <li class="px-3 py-2 text-zinc-600">"No node matches. Try another name."</li> }.into_any();
                            }
                            found
                                .into_iter()
                                .enumerate()
                                .map(|(i, choice)| {
                                    let is_active = move || active.get() == Some(i);
                                    let refused = choice.refused;
                                    let picked = choice.clone();
                                    view! {
                                        <li
                                            id=option_id(i)
                                            role="option"
                                            aria-selected=move || if is_active() { "true" } else { "false" }
                                            aria-disabled=refused.then_some("true")
                                            data-testid="node-option"
                                            data-refused=refused.then_some("true")
                                            class=move || match (is_active(), refused) {
                                                (_, true) => "cursor-not-allowed px-3 py-2 text-zinc-500",
                                                (true, false) => "cursor-pointer px-3 py-2 bg-canopy-50 text-canopy-900",
                                                (false, false) => "cursor-pointer px-3 py-2 text-zinc-800 hover:bg-zinc-50",
                                            }
                                            on:mousedown=move |ev| {
                                                ev.prevent_default();
                                                choose(picked.clone());
                                            }
                                            on:mouseenter=move |_| active.set(Some(i))
                                        >
                                            <span class="block truncate font-medium">{choice.name.clone()}</span>
                                            <span class="block truncate text-xs">
                                                {choice.path.clone()}
                                                {refused.then(|| view! { <span class="text-rose-700">{format!(" · {refused_reason}")}</span> })}
                                            </span>
                                        </li>
                                    }
                                })
                                .collect_view()
                                .into_any()
                        }
                    }
                </ul>
            </Show>
            {move || message.get().map(|text| view! {
                <p id=error_id.clone() class="mt-1.5 text-sm text-rose-700" role="alert" data-testid="node-picker-error">{text}</p>
            })}
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::tree::TreeNode;

    #[test]
    fn the_refused_subtree_is_listed_but_marked() {
        let node = |id: &str, parent: Option<&str>, name: &str| TreeNode { id: id.into(), parent_id: parent.map(Into::into), name: name.into(), kind: "k".into() };
        let forest = Forest::new(vec![node("a", None, "Acme"), node("b", Some("a"), "EMEA"), node("c", Some("b"), "Payments"), node("d", Some("a"), "Americas")]);
        let emea = forest.find("b");
        let listed = choices(&forest, "", emea);
        let refused: Vec<(&str, bool)> = listed.iter().map(|c| (c.name.as_str(), c.refused)).collect();
        assert_eq!(refused, [("Acme", false), ("EMEA", true), ("Payments", true), ("Americas", false)]);
        assert_eq!(choices(&forest, "pay", emea)[0].path, "Acme / EMEA / Payments");
    }
}
