//! A tree view over a [`Forest`]: the WAI-ARIA tree pattern drawn as a flat list of rows (each
//! `treeitem` with its level, position and expanded state), so only the visible rows exist.
//!
//! Keyboard: Up / Down move between rows, Right opens a closed node or goes to its first child,
//! Left closes an open node or goes to its parent, Home / End go to the first and last row,
//! Enter or Space selects. One row is in the tab order (the focused one, else the selected one,
//! else the first), so Tab leaves the tree in one step.

use std::sync::Arc;

use leptos::{ev::KeyboardEvent, prelude::*};

use super::{
    icons::{Icon, IconName},
    tree::{Forest, TreeLine},
};
use crate::scope::grouped;

/// Indentation per level, as classes (the CSP allows no inline styles); deeper levels share the
/// last one.
const INDENT: [&str; 9] = ["pl-2", "pl-7", "pl-12", "pl-17", "pl-22", "pl-27", "pl-32", "pl-37", "pl-42"];

/// The element id of a node's row, for focus and `aria-activedescendant`-free navigation.
pub fn row_id(node_id: &str) -> String {
    format!("tree-item-{node_id}")
}

fn line_key(forest: &Forest, line: &TreeLine) -> String {
    match line {
        TreeLine::Node(row) => format!(
            "{}:{}:{}:{}:{}/{}:{}",
            forest.node(row.index).id,
            row.depth,
            row.has_children,
            row.expanded,
            row.position,
            row.siblings,
            row.matched
        ),
        TreeLine::More { parent, hidden, .. } => format!("more:{parent}:{hidden}"),
    }
}

/// Whether the keyboard's focus went nowhere (to the body): what happens when the focused row
/// is drawn anew, as a row is when it opens or closes (its key says whether it is open).
fn focus_was_lost() -> bool {
    #[cfg(feature = "hydrate")]
    {
        document().active_element().is_none_or(|active| active.tag_name() == "BODY")
    }
    #[cfg(not(feature = "hydrate"))]
    false
}

/// Moves focus to the row of `node_id`, if it is on screen.
fn focus_row(node_id: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(el) = document().get_element_by_id(&row_id(node_id))
        && let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el)
    {
        let _ = el.focus();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = node_id;
}

#[component]
pub fn TreeView(
    forest: Arc<Forest>,
    /// The rows to draw (from [`Forest::browse`] or [`Forest::filtered`]).
    #[prop(into)]
    lines: Signal<Vec<TreeLine>>,
    /// The selected node's id.
    #[prop(into)]
    selected: Signal<Option<String>>,
    on_select: Callback<String>,
    /// `(index, expand)`.
    on_toggle: Callback<(usize, bool)>,
    /// "Show all" under a parent whose children were cut.
    on_show_all: Callback<usize>,
    label: &'static str,
) -> impl IntoView {
    let focused = RwSignal::new(None::<String>);
    let forest_for_rows = forest.clone();
    let forest_for_stop = forest.clone();
    // The one row in the tab order.
    let tab_stop = Memo::new(move |_| {
        lines.with(|lines| {
            let on_screen = |id: &str| lines.iter().any(|l| matches!(l, TreeLine::Node(r) if forest_for_stop.node(r.index).id == id));
            focused
                .get()
                .filter(|id| on_screen(id))
                .or_else(|| selected.get().filter(|id| on_screen(id)))
                .or_else(|| lines.iter().find_map(|l| match l {
                    TreeLine::Node(r) => Some(forest_for_stop.node(r.index).id.clone()),
                    TreeLine::More { .. } => None,
                }))
        })
    });

    let forest_for_keys = forest.clone();
    let on_keydown = move |ev: KeyboardEvent| {
        let Some(current) = tab_stop.get_untracked() else { return };
        let rows: Vec<(usize, bool, bool)> = lines.with_untracked(|lines| {
            lines
                .iter()
                .filter_map(|l| match l {
                    TreeLine::Node(r) => Some((r.index, r.has_children, r.expanded)),
                    TreeLine::More { .. } => None,
                })
                .collect()
        });
        let Some(at) = rows.iter().position(|(i, ..)| forest_for_keys.node(*i).id == current) else { return };
        let (index, has_children, expanded) = rows[at];
        let go = |to: usize| {
            let id = forest_for_keys.node(to).id.clone();
            focused.set(Some(id.clone()));
            focus_row(&id);
        };
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                if let Some((next, ..)) = rows.get(at + 1) {
                    go(*next);
                }
            }
            "ArrowUp" => {
                ev.prevent_default();
                if at > 0 {
                    go(rows[at - 1].0);
                }
            }
            "Home" => {
                ev.prevent_default();
                go(rows[0].0);
            }
            "End" => {
                ev.prevent_default();
                go(rows[rows.len() - 1].0);
            }
            "ArrowRight" => {
                ev.prevent_default();
                if has_children && !expanded {
                    on_toggle.run((index, true));
                } else if has_children && let Some((child, ..)) = rows.get(at + 1) {
                    go(*child);
                }
            }
            "ArrowLeft" => {
                ev.prevent_default();
                if has_children && expanded {
                    on_toggle.run((index, false));
                } else if let Some(parent) = forest_for_keys.parent(index) {
                    go(parent);
                }
            }
            "Enter" | " " => {
                ev.prevent_default();
                on_select.run(current);
            }
            _ => {}
        }
    };

    let key_forest = forest.clone();
    view! {
        <div role="tree" aria-label=label class="py-1" on:keydown=on_keydown data-testid="node-tree">
            <For
                each=move || lines.get()
                key=move |line| line_key(&key_forest, line)
                children=move |line| {
                    match line {
                        TreeLine::Node(row) => {
                            let node = forest_for_rows.node(row.index).clone();
                            let id = StoredValue::new(node.id.clone());
                            let is_selected = Memo::new(move |_| selected.with(|s| id.with_value(|id| s.as_deref() == Some(id.as_str()))));
                            let tabbable = move || tab_stop.with(|t| id.with_value(|id| t.as_deref() == Some(id.as_str())));
                            let indent = INDENT[row.depth.min(INDENT.len() - 1)];
                            let (index, expanded) = (row.index, row.expanded);
                            let toggle_label = format!("{} {}", if expanded { "Collapse" } else { "Expand" }, node.name);
                            let children_count = forest_for_rows.children(row.index).len();
                            // A row drawn anew while it had the focus (Left closed it, Right
                            // opened it) takes the focus back once it is in the document.
                            Effect::new(move |_| id.with_value(|id| {
                                if focused.get_untracked().as_deref() == Some(id.as_str()) && focus_was_lost() {
                                    focus_row(id);
                                }
                            }));
                            view! {
                                <div
                                    role="treeitem"
                                    id=row_id(&node.id)
                                    aria-setsize=row.siblings.to_string()
                                    aria-posinset=row.position.to_string()
                                    aria-expanded=row.has_children.then(|| expanded.to_string())
                                    aria-selected=move || is_selected.get().to_string()
                                    tabindex=move || if tabbable() { "0" } else { "-1" }
                                    data-testid="tree-node"
                                    data-id=node.id.clone()
                                    data-matched=row.matched.then_some("true")
                                    class=move || format!(
                                        "group flex cursor-pointer items-center gap-1.5 rounded-md py-1.5 pr-2 text-sm outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-canopy-600 {indent} {}",
                                        if is_selected.get() { "bg-canopy-50 text-canopy-900" } else { "text-zinc-800 hover:bg-zinc-50" },
                                    )
                                    on:click=move |_| {
                                        id.with_value(|id| {
                                            focused.set(Some(id.clone()));
                                            on_select.run(id.clone());
                                        })
                                    }
                                    on:focus=move |_| id.with_value(|id| {
                                        if focused.get_untracked().as_deref() != Some(id.as_str()) {
                                            focused.set(Some(id.clone()));
                                        }
                                    })
                                >
                                    {if row.has_children {
                                        view! {
                                            // A pointer target only: the keyboard opens and closes with the arrows.
                                            <span
                                                class="flex size-6 shrink-0 items-center justify-center rounded text-zinc-500 hover:bg-zinc-200/70 hover:text-zinc-900"
                                                title=toggle_label
                                                aria-hidden="true"
                                                data-testid="tree-toggle"
                                                on:click=move |ev| {
                                                    ev.stop_propagation();
                                                    on_toggle.run((index, !expanded));
                                                }
                                            >
                                                <Icon name=IconName::ChevronRight class=if expanded { "size-4 rotate-90 transition-transform" } else { "size-4 transition-transform" }/>
                                            </span>
                                        }
                                        .into_any()
                                    } else {
                                        view! { <span class="size-6 shrink-0" aria-hidden="true"></span> }.into_any()
                                    }}
                                    <span class=if row.matched { "min-w-0 truncate font-semibold text-zinc-900" } else { "min-w-0 truncate font-medium" } data-testid="tree-node-name">
                                        {node.name.clone()}
                                    </span>
                                    <span class="shrink-0 rounded bg-zinc-100 px-1.5 py-0.5 text-[0.6875rem] font-medium text-zinc-600 ring-1 ring-inset ring-zinc-200">
                                        {node.kind.clone()}
                                    </span>
                                    {(row.has_children && !expanded).then(|| view! {
                                        <span class="ml-auto shrink-0 text-xs text-zinc-500 tabular-nums">
                                            {grouped(children_count as i64)}
                                            <span class="sr-only">" children"</span>
                                        </span>
                                    })}
                                </div>
                            }
                            // tachys has no `aria-level` attribute of its own.
                            .attr("aria-level", (row.depth + 1).to_string())
                            .into_any()
                        }
                        TreeLine::More { parent, depth, hidden } => {
                            let indent = INDENT[(depth + 1).min(INDENT.len() - 1)];
                            view! {
                                <div role="none" class=format!("py-1 {indent}")>
                                    <button
                                        type="button"
                                        class="rounded-md px-2 py-1 text-sm font-medium text-canopy-700 hover:bg-canopy-50 focus-visible:outline-2 focus-visible:outline-canopy-600"
                                        on:click=move |_| on_show_all.run(parent)
                                        data-testid="tree-show-all"
                                    >
                                        {format!("Show {} more", grouped(hidden as i64))}
                                    </button>
                                </div>
                            }
                            .into_any()
                        }
                    }
                }
            />
        </div>
    }
    .into_any()
}
