//! The top bar's account / application / environment switcher, built from `GET /portal/v1/me`.
//!
//! Every choice is a link, and the menus are `<details>` elements, so switching works before the
//! WASM bundle has loaded. Once hydrated, a click outside or Escape closes an open menu.

use leptos::prelude::*;

use super::icons::{Icon, IconName};
use crate::{
    dto::{AccountSummary, ApplicationSummary, MeResponse},
    scope::{Scope, is_production},
};

/// An environment's name with its colour: production is rose everywhere, so it stands out.
#[component]
pub fn EnvironmentBadge(slug: String, name: String) -> impl IntoView {
    let (badge, dot) = if is_production(&slug) {
        ("bg-rose-50 text-rose-700 ring-rose-600/25", "bg-rose-500")
    } else {
        ("bg-zinc-100 text-zinc-700 ring-zinc-500/20", "bg-canopy-500")
    };
    view! {
        <span
            class=format!("inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {badge}")
            data-environment=slug
        >
            <span class=format!("size-1.5 rounded-full {dot}") aria-hidden="true"></span>
            {name}
        </span>
    }
    .into_any()
}

/// Where a choice in the switcher leads: the same page of the chosen environment, preferring the
/// application and environment slugs the admin is on (production stays production).
fn target_in_account(account: &AccountSummary, current: &Scope) -> Option<Scope> {
    let application = account
        .applications
        .iter()
        .filter(|app| !app.environments.is_empty())
        .find(|app| app.slug == current.application)
        .or_else(|| account.applications.iter().find(|app| !app.environments.is_empty()))?;
    target_in_application(&account.slug, application, current)
}

fn target_in_application(account_slug: &str, application: &ApplicationSummary, current: &Scope) -> Option<Scope> {
    let environment = application
        .environments
        .iter()
        .find(|env| env.slug == current.environment)
        .or_else(|| application.environments.first())?;
    Some(Scope::new(account_slug, &application.slug, &environment.slug))
}

#[component]
pub fn Switcher(
    me: MeResponse,
    scope: Memo<Scope>,
    /// The current page's section slug (`""` on the overview), kept when switching.
    section: Memo<String>,
) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| dismissal::install());

    // Rebuilt whenever the scope changes, which also closes any menu that was open.
    move || {
        let current = scope.get();
        let section = section.get();
        let account = me.accounts.iter().find(|a| a.slug == current.account).cloned();
        let application = account
            .as_ref()
            .and_then(|a| a.applications.iter().find(|app| app.slug == current.application).cloned());
        let environment = application
            .as_ref()
            .and_then(|app| app.environments.iter().find(|env| env.slug == current.environment).cloned());

        let account_items = me
            .accounts
            .iter()
            .map(|candidate| {
                let target = target_in_account(candidate, &current).map(|s| s.page_path(&section));
                let selected = candidate.slug == current.account;
                let (name, role) = (candidate.name.clone(), candidate.role.as_str());
                view! {
                    <MenuItem href=target selected>
                        <span class="truncate">{name}</span>
                        <span class="ml-auto pl-3 text-xs capitalize text-zinc-500">{role}</span>
                    </MenuItem>
                }
            })
            .collect_view();

        let application_items = account.as_ref().map(|account| {
            account
                .applications
                .iter()
                .map(|candidate| {
                    let target = target_in_application(&account.slug, candidate, &current).map(|s| s.page_path(&section));
                    let selected = candidate.slug == current.application;
                    let name = candidate.name.clone();
                    view! {
                        <MenuItem href=target selected>
                            <span class="truncate">{name}</span>
                        </MenuItem>
                    }
                })
                .collect_view()
        });

        let environment_items = application.as_ref().map(|application| {
            application
                .environments
                .iter()
                .map(|candidate| {
                    let target = Scope::new(&current.account, &application.slug, &candidate.slug).page_path(&section);
                    let selected = candidate.slug == current.environment;
                    let (slug, name) = (candidate.slug.clone(), candidate.name.clone());
                    view! {
                        <MenuItem href=Some(target) selected>
                            <EnvironmentBadge slug name/>
                        </MenuItem>
                    }
                })
                .collect_view()
        });

        let account_label = account.as_ref().map(|a| a.name.clone()).unwrap_or_else(|| current.account.clone());
        let application_label =
            application.as_ref().map(|a| a.name.clone()).unwrap_or_else(|| current.application.clone());
        let environment_label = match &environment {
            Some(env) => view! { <EnvironmentBadge slug=env.slug.clone() name=env.name.clone()/> }.into_any(),
            None => view! { <span class="text-sm text-zinc-500">{current.environment.clone()}</span> }.into_any(),
        };

        view! {
            <nav aria-label="Account, application and environment" class="flex min-w-0 items-center gap-0.5 text-sm">
                <Menu label="Account" test_id="switch-account" heading="Accounts" summary=view! {
                    <span class="flex size-5 shrink-0 items-center justify-center rounded bg-zinc-900 text-[0.625rem] font-semibold text-white" aria-hidden="true">
                        {initials(&account_label)}
                    </span>
                    <span class="hidden truncate font-medium text-zinc-900 sm:inline">{account_label.clone()}</span>
                }.into_any()>
                    {account_items}
                </Menu>
                <Separator/>
                <Menu label="Application" test_id="switch-application" heading="Applications" summary=view! {
                    <span class="truncate font-medium text-zinc-900">{application_label}</span>
                }.into_any()>
                    {application_items}
                </Menu>
                <Separator/>
                <Menu label="Environment" test_id="switch-environment" heading="Environments" align_end=true summary=environment_label>
                    {environment_items}
                </Menu>
            </nav>
        }
    }
}

#[component]
fn Separator() -> impl IntoView {
    view! { <span class="select-none px-0.5 text-zinc-300" aria-hidden="true">"/"</span> }
}

/// A disclosure menu: a summary showing the current choice, and a panel of links.
#[component]
fn Menu(
    /// What is being chosen, for screen readers ("Account: Acme").
    label: &'static str,
    heading: &'static str,
    test_id: &'static str,
    summary: AnyView,
    /// On narrow screens, open towards the left (the last menu sits near the right edge).
    #[prop(optional)]
    align_end: bool,
    children: Children,
) -> impl IntoView {
    let panel = if align_end {
        "absolute right-0 z-40 mt-1.5 w-64 max-w-[calc(100vw-2rem)] origin-top-right rounded-lg bg-white p-1 shadow-lg ring-1 ring-zinc-900/10 sm:left-0 sm:right-auto sm:origin-top-left"
    } else {
        "absolute left-0 z-40 mt-1.5 w-64 max-w-[calc(100vw-2rem)] origin-top-left rounded-lg bg-white p-1 shadow-lg ring-1 ring-zinc-900/10"
    };
    view! {
        <details class="group relative min-w-0" data-menu="" data-testid=test_id>
            <summary class="flex min-w-0 cursor-pointer list-none items-center gap-1.5 rounded-md px-2 py-1.5 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-canopy-600 group-open:bg-zinc-100 [&::-webkit-details-marker]:hidden">
                <span class="sr-only">{label}": "</span>
                {summary}
                <Icon name=IconName::ChevronsUpDown class="size-3.5 shrink-0 text-zinc-400"/>
            </summary>
            <div class=panel>
                <p class="px-2.5 pb-1 pt-1.5 text-xs font-medium text-zinc-500">{heading}</p>
                <ul class="space-y-0.5">{children()}</ul>
            </div>
        </details>
    }
    .into_any()
}

#[component]
fn MenuItem(href: Option<String>, selected: bool, children: Children) -> impl IntoView {
    let base = "flex w-full items-center gap-2 rounded-md px-2.5 py-1.5 text-sm";
    let check = view! {
        <span class="flex size-4 shrink-0 items-center justify-center text-canopy-700">
            {selected.then(|| view! { <Icon name=IconName::Check class="size-4"/> })}
        </span>
    };
    match href {
        Some(href) => view! {
            <li>
                <a
                    href=href
                    class=format!("{base} text-zinc-800 hover:bg-zinc-100 focus-visible:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-canopy-600")
                    aria-current=selected.then_some("page")
                >
                    {check}
                    {children()}
                </a>
            </li>
        }
        .into_any(),
        // An account or application with no environment yet has nowhere to go.
        None => view! {
            <li>
                <span class=format!("{base} cursor-not-allowed text-zinc-400") aria-disabled="true">
                    {check}
                    {children()}
                    <span class="ml-auto text-xs">"No environments"</span>
                </span>
            </li>
        }
        .into_any(),
    }
}

/// Up to two letters standing for a name: "Acme Corp" → "AC".
pub fn initials(name: &str) -> String {
    let letters: String = name.split_whitespace().filter_map(|word| word.chars().next()).take(2).collect();
    if letters.is_empty() { "?".to_owned() } else { letters.to_uppercase() }
}

#[cfg(feature = "hydrate")]
mod dismissal {
    use leptos::{ev, prelude::*};
    use wasm_bindgen::JsCast;

    /// Closes open switcher menus on a click outside them (or on a link inside), and on Escape.
    pub fn install() {
        let click = window_event_listener(ev::click, |event| {
            let target = event.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            let followed_link = target.as_ref().and_then(|t| t.closest("a").ok().flatten()).is_some();
            close_open_menus(|menu| {
                let inside = target.as_ref().is_some_and(|t| menu.contains(Some(t.unchecked_ref())));
                inside && !followed_link
            });
        });
        let escape = window_event_listener(ev::keydown, |event| {
            if event.key() == "Escape" {
                close_open_menus(|_| false);
            }
        });
        on_cleanup(move || {
            click.remove();
            escape.remove();
        });
    }

    fn close_open_menus(keep_open: impl Fn(&web_sys::Element) -> bool) {
        let Ok(open) = document().query_selector_all("details[data-menu][open]") else { return };
        for index in 0..open.length() {
            let Some(menu) = open.item(index).and_then(|node| node.dyn_into::<web_sys::Element>().ok()) else { continue };
            if !keep_open(&menu) {
                let _ = menu.remove_attribute("open");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_the_first_two_words() {
        assert_eq!(initials("Acme Corp"), "AC");
        assert_eq!(initials("ada lovelace byron"), "AL");
        assert_eq!(initials("Globex"), "G");
        assert_eq!(initials("  "), "?");
    }
}
