//! The smallest apps that stand for the portal's building blocks; see Cargo.toml's features.
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Row {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub created_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Page {
    pub items: Vec<Row>,
    pub next_cursor: Option<String>,
}

#[cfg(feature = "list")]
mod list {
    use leptos::prelude::*;

    use super::Page;

    async fn fetch_rows(q: String) -> Result<Page, String> {
        send_wrapper::SendWrapper::new(async move {
            let response = gloo_net::http::Request::get(&format!("/api/rows?q={q}")).send().await.map_err(|e| e.to_string())?;
            response.json::<Page>().await.map_err(|e| e.to_string())
        })
        .await
    }

    #[component]
    pub fn List() -> impl IntoView {
        #[cfg(feature = "routed")]
        let q = {
            let query = leptos_router::hooks::use_query_map();
            move || query.read().get("q").unwrap_or_default()
        };
        #[cfg(not(feature = "routed"))]
        let q = String::new;
        let rows = Resource::new(q, fetch_rows);
        let (search, set_search) = signal(String::new());
        view! {
            <input prop:value=search on:input=move |ev| set_search.set(event_target_value(&ev))/>
            <Suspense fallback=|| view! { <p>"Loading"</p> }>
                {move || rows.get().map(|page| match page {
                    Ok(page) => view! {
                        <table><tbody>
                            <For each=move || page.items.clone() key=|row| row.id.clone() let:row>
                                <tr><td>{row.name}</td><td>{row.email}</td><td>{row.role}</td><td>{row.created_at}</td></tr>
                            </For>
                        </tbody></table>
                    }.into_any(),
                    Err(error) => view! { <p class="error">{error}</p> }.into_any(),
                })}
            </Suspense>
        }
    }

    #[cfg(feature = "routed")]
    #[component]
    pub fn Routed() -> impl IntoView {
        use leptos_router::{components::{A, Route, Router, Routes}, path};
        view! {
            <Router>
                <nav><A href="/">"Home"</A><A href="/list">"List"</A></nav>
                <Routes fallback=|| "Not found">
                    <Route path=path!("/") view=|| view! { <h1>"Home"</h1> }/>
                    <Route path=path!("/list") view=List/>
                </Routes>
            </Router>
        }
    }
}

#[cfg(feature = "islands")]
mod islands {
    use leptos::prelude::*;

    use super::Row;

    /// A search box that navigates to `?q=` once typing pauses.
    #[island]
    pub fn SearchBox(initial: String) -> impl IntoView {
        let (search, set_search) = signal(initial);
        Effect::new(move |_| {
            let q = search.get();
            set_timeout(move || drop(window().location().set_search(&format!("q={q}"))), std::time::Duration::from_millis(300));
        });
        view! { <input prop:value=search on:input=move |ev| set_search.set(event_target_value(&ev))/> }
    }

    /// A dialog that PATCHes one row's role and shows the answer or the error.
    #[island]
    pub fn EditRow(row: Row) -> impl IntoView {
        let (open, set_open) = signal(false);
        let (role, set_role) = signal(row.role.clone());
        let (error, set_error) = signal(None::<String>);
        let save = Action::new_local(move |role: &String| {
            let (id, role) = (row.id.clone(), role.clone());
            async move {
                let request = gloo_net::http::Request::patch(&format!("/api/rows/{id}"))
                    .json(&serde_json::json!({ "role": role }))
                    .map_err(|e| e.to_string())?;
                let response = request.send().await.map_err(|e| e.to_string())?;
                response.json::<Row>().await.map_err(|e| e.to_string())
            }
        });
        Effect::new(move |_| match save.value().get() {
            Some(Ok(saved)) => {
                set_role.set(saved.role);
                set_open.set(false);
            }
            Some(Err(message)) => set_error.set(Some(message)),
            None => {}
        });
        view! {
            <button on:click=move |_| set_open.set(true)>"Edit"</button>
            <Show when=move || open.get()>
                <div role="dialog">
                    <input prop:value=role on:input=move |ev| set_role.set(event_target_value(&ev))/>
                    <p>{move || error.get()}</p>
                    <button on:click=move |_| drop(save.dispatch(role.get()))>"Save"</button>
                </div>
            </Show>
        }
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    #[cfg(feature = "islands")]
    leptos::mount::hydrate_islands();
    #[cfg(all(feature = "routed", not(feature = "islands")))]
    leptos::mount::hydrate_body(list::Routed);
    #[cfg(all(feature = "list", not(feature = "routed"), not(feature = "islands")))]
    leptos::mount::hydrate_body(list::List);
    #[cfg(not(any(feature = "list", feature = "islands")))]
    {
        use leptos::prelude::*;
        leptos::mount::hydrate_body(|| view! { <p>"Hello"</p> });
    }
}
