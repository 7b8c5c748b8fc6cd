//! `/a/:account/:app/:env/api-keys`: the environment's management API keys (newest first, the
//! page in the URL), a new key whose secret is shown once with a copy button, and revoking a key
//! after a confirmation. Server-rendered with the data, then loaded over HTTP as the URL changes.

pub mod dialogs;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{hooks::use_query_map, params::ParamsMap};

use self::dialogs::{KeyDialog, KeyDialogs};
use crate::{
    api,
    components::{
        badges::{StatusPill, Tone},
        icons::{Icon, IconName},
        notice::Notice,
        shell::MeResource,
        states::SignInRedirect,
        table::{EmptyList, Pager, PastTheEnd, TableCard, TableError, TableSkeleton, WIDE_CELL, WIDE_HEADER, page_bounds},
        when::{LocalClock, date_label, date_time_label},
    },
    dto::{ApiKeyResponse, Paginated},
    pages::list_query::{ListParams, UrlQuery},
    scope::Scope,
};

pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// The list's state as the URL holds it (`?take=10&page=2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeysQuery {
    pub page: u32,
    pub take: u32,
}

impl KeysQuery {
    pub fn from_params(params: &ParamsMap) -> Self {
        let common = ListParams::read(params, DEFAULT_PAGE_SIZE);
        Self { page: common.page, take: common.take }
    }

    pub fn to_search(&self) -> String {
        UrlQuery::new("").finish(None, self.take, DEFAULT_PAGE_SIZE, self.page)
    }

    pub fn api_query(&self) -> String {
        format!("page={}&take={}", self.page, self.take)
    }
}

/// `ENV/api-keys`.
pub fn api_keys_path(scope: &Scope) -> String {
    format!("{}/api-keys", scope.environment_api_path())
}

#[derive(Clone, Copy)]
struct KeysContext {
    scope: Memo<Scope>,
    state: Memo<KeysQuery>,
    dialog: RwSignal<Option<KeyDialog>>,
}

impl KeysContext {
    fn href(&self, state: &KeysQuery) -> String {
        format!("{}{}", self.scope.with_untracked(|s| s.page_path("api-keys")), state.to_search())
    }
}

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let scope = expect_context::<Memo<Scope>>();
    let me = expect_context::<MeResource>();
    let query = use_query_map();
    let state = Memo::new(move |_| query.with(KeysQuery::from_params));
    LocalClock::provide();
    let version = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<String>);
    let table = Resource::new(
        move || (scope.get(), state.get(), version.get()),
        |(scope, state, _)| {
            api::bound(async move { api::get::<Paginated<ApiKeyResponse>>(&format!("{}?{}", api_keys_path(&scope), state.api_query())).await })
        },
    );
    let ctx = KeysContext { scope, state, dialog: RwSignal::new(None) };
    provide_context(ctx);
    let eyebrow = move || {
        let scope = scope.get();
        me.get().and_then(Result::ok).and_then(|me| scope.title_in(&me)).unwrap_or(scope.environment)
    };
    let pending = RwSignal::new(false);

    view! {
        <Title text="API keys · Canopy"/>
        <header class="flex flex-wrap items-end justify-between gap-4">
            <div class="min-w-0">
                <p class="text-sm font-medium text-zinc-600">{eyebrow}</p>
                <h1 class="mt-1 text-2xl font-semibold tracking-tight text-zinc-900">"API keys"</h1>
                <p class="mt-1.5 max-w-2xl text-sm text-zinc-600">
                    "Keys your services send as "
                    <code class="rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.8125rem] text-zinc-800">"X-API-Key"</code>
                    " to call the management API of this environment. A key's secret is shown once, when it is created."
                </p>
            </div>
            <button
                type="button"
                class="inline-flex items-center gap-1.5 rounded-md bg-canopy-700 px-3 py-2 text-sm font-semibold text-white shadow-xs hover:bg-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                on:click=move |_| ctx.dialog.set(Some(KeyDialog::Create))
                data-testid="new-api-key"
            >
                <Icon name=IconName::Plus/>
                "New API key"
            </button>
        </header>

        <Notice notice/>
        <TableCard label="API keys" pending>
            <Transition fallback=TableSkeleton set_pending=pending>
                {move || Suspend::new(async move {
                    match table.await {
                        Ok(page) => view! { <KeyTable page/> }.into_any(),
                        Err(err) if err.is_unauthorized() => view! { <SignInRedirect/> }.into_any(),
                        Err(err) => view! {
                            <TableError
                                title="The API keys could not be loaded"
                                message=err.body.message
                                on_retry=Callback::new(move |()| version.update(|v| *v += 1))
                            />
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </TableCard>
        <KeyDialogs scope dialog=ctx.dialog version notice/>
    }
    .into_any()
}

#[component]
fn KeyTable(page: Paginated<ApiKeyResponse>) -> impl IntoView {
    let ctx = expect_context::<KeysContext>();
    let state = ctx.state;
    let clock = LocalClock::get();
    let meta = page.pagination.clone();
    if page.items.is_empty() {
        if meta.item_count > 0 {
            let href = ctx.href(&KeysQuery { page: meta.page_count.max(1) as u32, ..state.get_untracked() });
            return view! { <PastTheEnd href/> }.into_any();
        }
        return view! {
            <EmptyList
                filtered=false
                clear_href=String::new()
                no_match=("", "")
                nothing_yet=("No API keys yet", "Create a key for each service that calls the management API, so each can be revoked on its own.")
                icon=IconName::ApiKeys
            >
                <button
                    type="button"
                    class="rounded-md bg-canopy-700 px-3 py-1.5 text-sm font-semibold text-white shadow-xs hover:bg-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                    on:click=move |_| ctx.dialog.set(Some(KeyDialog::Create))
                >
                    "New API key"
                </button>
            </EmptyList>
        }
        .into_any();
    }
    let (first, last) = page_bounds(&meta);
    let href_for = Callback::new(move |page: u32| ctx.href(&KeysQuery { page, ..state.get_untracked() }));
    let take_href = Callback::new(move |take: u32| ctx.href(&KeysQuery { page: 1, take }));
    let rows = page.items.into_iter().map(|key| view! { <KeyRow key clock/> }).collect_view();
    view! {
        <div class="overflow-x-auto">
            <table class="w-full table-fixed text-left text-sm md:min-w-[44rem]" data-testid="api-keys-table">
                <caption class="sr-only">{format!("API keys, {first} to {last} of {}, newest first.", meta.item_count)}</caption>
                <colgroup>
                    <col class="md:w-[30%]"/>
                    <col class="hidden md:table-column md:w-[18%]"/>
                    <col class="hidden md:table-column md:w-[17%]"/>
                    <col class="hidden md:table-column md:w-[17%]"/>
                    <col class="w-32"/>
                </colgroup>
                <thead class="border-b border-zinc-200 bg-zinc-50/80 text-xs font-medium text-zinc-600">
                    <tr>
                        <th scope="col" class="px-3 py-2.5 pl-4">"Name"</th>
                        <th scope="col" class=WIDE_HEADER>"Prefix"</th>
                        <th scope="col" class=WIDE_HEADER>"Created"</th>
                        <th scope="col" class=WIDE_HEADER>"Last used"</th>
                        <th scope="col" class="py-2.5 pl-3 pr-4 text-right">"Status"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-zinc-100">{rows}</tbody>
            </table>
        </div>
        <Pager meta href_for take_href/>
    }
    .into_any()
}

#[component]
fn KeyRow(key: ApiKeyResponse, clock: LocalClock) -> impl IntoView {
    let ctx = expect_context::<KeysContext>();
    let created = key.created_at;
    let last_used = key.last_used_at;
    let revoked = key.revoked_at;
    let revoke = key.clone();
    let name = key.name.clone();
    let last_used_label = move || match last_used {
        Some(at) => date_time_label(&at, clock.is_local()),
        None => "Not recorded".to_owned(),
    };
    view! {
        <tr class="hover:bg-zinc-50/70" data-testid="api-key-row" data-id=key.id.clone()>
            <td class="px-3 py-3 pl-4">
                <div class="flex min-w-0 items-center gap-3">
                    <span class=if revoked.is_some() {
                        "flex size-8 shrink-0 items-center justify-center rounded-full bg-zinc-100 text-zinc-500"
                    } else {
                        "flex size-8 shrink-0 items-center justify-center rounded-full bg-canopy-50 text-canopy-700 ring-1 ring-canopy-100"
                    }>
                        <Icon name=IconName::ApiKeys/>
                    </span>
                    <div class="min-w-0">
                        <p class="truncate font-medium text-zinc-900" data-testid="api-key-name">{key.name.clone()}</p>
                        // Narrow screens: the prefix and the dates under the name.
                        <p class="truncate font-mono text-xs text-zinc-600 md:hidden">{format!("{}…", key.prefix)}</p>
                        <p class="text-xs text-zinc-600 md:hidden">"Created " {move || date_label(&created, clock.is_local())}</p>
                    </div>
                </div>
            </td>
            <td class=WIDE_CELL>
                <code class="rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-[0.8125rem] text-zinc-800" data-testid="api-key-prefix">
                    {key.prefix.clone()}
                </code>
                <span class="sr-only">" followed by the secret"</span>
            </td>
            <td class="hidden whitespace-nowrap px-3 py-3 text-xs text-zinc-700 tabular-nums md:table-cell" title=move || date_time_label(&created, clock.is_local())>
                {move || date_label(&created, clock.is_local())}
            </td>
            <td class="hidden whitespace-nowrap px-3 py-3 text-xs text-zinc-700 tabular-nums md:table-cell" data-testid="api-key-last-used">
                {last_used_label}
            </td>
            <td class="py-3 pl-3 pr-4">
                <div class="flex items-center justify-end gap-2">
                    {match revoked {
                        Some(at) => view! {
                            <span title=move || format!("Revoked {}", date_time_label(&at, clock.is_local())) data-testid="api-key-status">
                                <StatusPill label="Revoked" tone=Tone::Grey/>
                            </span>
                        }
                        .into_any(),
                        None => view! {
                            <span class="hidden sm:inline" data-testid="api-key-status"><StatusPill label="Active" tone=Tone::Green/></span>
                            <button
                                type="button"
                                class="rounded-md px-2 py-1 text-sm font-medium text-rose-700 hover:bg-rose-50 focus-visible:outline-2 focus-visible:outline-rose-600"
                                aria-label=format!("Revoke {name}")
                                data-testid="revoke-api-key"
                                on:click=move |_| ctx.dialog.set(Some(KeyDialog::Revoke(revoke.clone())))
                            >
                                "Revoke"
                            </button>
                        }
                        .into_any(),
                    }}
                </div>
            </td>
        </tr>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::list_query::params_of;

    #[test]
    fn keys_page_and_size_round_trip_through_the_url() {
        let state = KeysQuery { page: 2, take: 10 };
        assert_eq!(state.to_search(), "?take=10&page=2");
        assert_eq!(KeysQuery::from_params(&params_of(&[("take", "10"), ("page", "2")])), state);
        assert_eq!(state.api_query(), "page=2&take=10");
        assert_eq!(KeysQuery::from_params(&params_of(&[("page", "0")])).to_search(), "");
    }
}
