//! `/login`: the admin sign-in page.
//!
//! A plain HTML form that posts to `/portal/v1/auth/login`, so signing in works before the WASM
//! bundle has loaded (the server answers 303 to `next`, or back here with `?error=`). Once
//! hydrated, the submit is intercepted: the same `LoginRequest::validate` the server runs gives
//! inline field errors, the JSON login sets the session cookie, and a full page load follows so
//! the next page renders on the server with the cookie.

use leptos::{ev::SubmitEvent, html, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api,
    components::icons::{Icon, IconName},
    dto::{LoginRequest, TokenResponse, Validate},
    scope::safe_next,
};

/// The `?error=` codes the server's form login redirects with, in words.
fn describe_error(code: &str) -> &'static str {
    match code {
        "invalid_credentials" => "Email or password is incorrect.",
        "invalid_input" => "Enter your email address and password.",
        "too_many_attempts" => "Too many failed sign-ins. Wait a few minutes, then try again.",
        _ => "Signing in failed. Please try again.",
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = Memo::new(move |_| safe_next(query.read().get("next").as_deref()));
    let server_error = Memo::new(move |_| query.read().get("error").map(|code| describe_error(&code).to_owned()));

    let email = NodeRef::<html::Input>::new();
    let password = NodeRef::<html::Input>::new();
    let email_error = RwSignal::new(None::<String>);
    let password_error = RwSignal::new(None::<String>);
    // A failure of a submit made in this page (the server's `?error=` is shown until then).
    let submit_error = RwSignal::new(None::<String>);
    let submitted = RwSignal::new(false);
    let pending = RwSignal::new(false);
    // Browser validation only until hydrated; after that the shared validation speaks.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let form_error = move || submit_error.get().or_else(|| (!submitted.get()).then(|| server_error.get()).flatten());

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        submitted.set(true);
        submit_error.set(None);
        let value = |input: NodeRef<html::Input>| input.get_untracked().map(|el| el.value()).unwrap_or_default();
        let request = LoginRequest { email: value(email).trim().to_owned(), password: value(password) };
        if let Err(errors) = request.validate() {
            email_error.set(errors.get("email").map(str::to_owned));
            password_error.set(errors.get("password").map(str::to_owned));
            focus(if errors.get("email").is_some() { email } else { password });
            return;
        }
        email_error.set(None);
        password_error.set(None);
        pending.set(true);
        let next = next.get_untracked();
        leptos::task::spawn_local(async move {
            match api::post_json::<_, TokenResponse>("/portal/v1/auth/login", &request).await {
                // The cookie is set; a full load lets the server render the next page with it.
                // `pending` stays on while the browser navigates.
                Ok(_) => assign_location(&next),
                Err(err) => {
                    pending.set(false);
                    let email_message = err.body.field("email").map(str::to_owned);
                    let password_message = err.body.field("password").map(str::to_owned);
                    if email_message.is_some() || password_message.is_some() {
                        email_error.set(email_message.clone());
                        password_error.set(password_message);
                        focus(if email_message.is_some() { email } else { password });
                    } else {
                        submit_error.set(Some(err.body.message));
                        focus(password);
                    }
                }
            }
        });
    };

    view! {
        <Title text="Sign in · Canopy"/>
        <div class="grid min-h-screen bg-white lg:grid-cols-[minmax(0,1fr)_minmax(0,1.1fr)]">
            <main class="flex flex-col justify-center px-6 py-12 sm:px-12 lg:px-20">
                <div class="mx-auto w-full max-w-sm">
                    <div class="flex items-center gap-2.5">
                        <span class="flex size-9 items-center justify-center rounded-lg bg-canopy-700 text-white shadow-sm" aria-hidden="true">
                            <Icon name=IconName::Logo class="size-5"/>
                        </span>
                        <span class="text-lg font-semibold tracking-tight text-zinc-900">"Canopy"</span>
                    </div>
                    <h1 class="mt-10 text-2xl font-semibold tracking-tight text-zinc-900">"Sign in to your workspace"</h1>
                    <p class="mt-2 text-sm text-zinc-600">"Manage who may do what in your applications."</p>

                    {move || form_error().map(|message| view! {
                        <div
                            class="mt-6 flex items-start gap-2.5 rounded-lg border border-rose-200 bg-rose-50 px-3.5 py-3 text-sm text-rose-800"
                            role="alert"
                            data-testid="login-error"
                        >
                            <span class="mt-px text-rose-700"><Icon name=IconName::Alert/></span>
                            <span>{message}</span>
                        </div>
                    })}

                    <form
                        method="post"
                        action="/portal/v1/auth/login"
                        class="mt-8 space-y-5"
                        novalidate=move || hydrated.get()
                        on:submit=on_submit
                        aria-busy=move || pending.get().then_some("true")
                    >
                        <input type="hidden" name="next" value=move || next.get()/>
                        <Field
                            id="email"
                            label="Email"
                            kind="email"
                            autocomplete="username"
                            node_ref=email
                            error=email_error
                            autofocus=true
                        />
                        <Field
                            id="password"
                            label="Password"
                            kind="password"
                            autocomplete="current-password"
                            node_ref=password
                            error=password_error
                            autofocus=false
                        />
                        <button
                            type="submit"
                            class="flex w-full items-center justify-center gap-2 rounded-md bg-canopy-700 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600 disabled:cursor-wait disabled:opacity-80"
                            disabled=move || pending.get()
                        >
                            {move || pending.get().then(|| view! {
                                <span class="size-4 animate-spin rounded-full border-2 border-white/40 border-t-white" aria-hidden="true"></span>
                            })}
                            {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                        </button>
                    </form>

                    <p class="mt-8 rounded-lg bg-zinc-50 px-3.5 py-3 text-sm text-zinc-600 ring-1 ring-inset ring-zinc-200" data-testid="demo-hint">
                        "Demo: "
                        <code class="font-mono text-[0.8125rem] text-zinc-900">"admin@acme.example"</code>
                        " / "
                        <code class="font-mono text-[0.8125rem] text-zinc-900">"canopy-demo"</code>
                    </p>
                </div>
            </main>
            <BrandPanel/>
        </div>
    }
    .into_any()
}

/// A labelled input with its error, tied together with `aria-invalid` and `aria-describedby`.
#[component]
fn Field(
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    node_ref: NodeRef<html::Input>,
    error: RwSignal<Option<String>>,
    autofocus: bool,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let invalid = move || error.with(Option::is_some);
    view! {
        <div>
            <label for=id class="block text-sm font-medium text-zinc-800">{label}</label>
            <input
                id=id
                name=id
                type=kind
                autocomplete=autocomplete
                required=true
                autofocus=autofocus
                spellcheck="false"
                node_ref=node_ref
                aria-invalid=move || invalid().then_some("true")
                aria-describedby={
                    let error_id = error_id.clone();
                    move || invalid().then(|| error_id.clone())
                }
                class=move || {
                    if invalid() {
                        "mt-1.5 block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-zinc-900 shadow-xs ring-1 ring-inset ring-rose-400 placeholder:text-zinc-400 focus:ring-2 focus:ring-inset focus:ring-rose-600 focus:outline-none"
                    } else {
                        "mt-1.5 block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-zinc-900 shadow-xs ring-1 ring-inset ring-zinc-300 placeholder:text-zinc-400 focus:ring-2 focus:ring-inset focus:ring-canopy-600 focus:outline-none"
                    }
                }
            />
            {move || error.get().map(|message| view! {
                <p id=error_id.clone() class="mt-1.5 text-sm text-rose-700" data-testid=format!("{id}-error")>{message}</p>
            })}
        </div>
    }
    .into_any()
}

/// The right half on wide screens: what Canopy is, drawn as a small tree of access.
#[component]
fn BrandPanel() -> impl IntoView {
    let row = |depth: usize, name: &'static str, role: Option<&'static str>| {
        let indent = ["pl-0", "pl-6", "pl-12", "pl-18"][depth.min(3)];
        view! {
            <li class=format!("flex items-center gap-3 {indent}")>
                <span class="flex items-center gap-2 rounded-md bg-white/5 px-2.5 py-1.5 ring-1 ring-white/10">
                    <span class="size-1.5 rounded-full bg-canopy-300" aria-hidden="true"></span>
                    <span class="text-canopy-50">{name}</span>
                </span>
                {role.map(|role| view! {
                    <span class="rounded-full bg-canopy-400/15 px-2 py-0.5 text-xs text-canopy-200 ring-1 ring-inset ring-canopy-300/25">{role}</span>
                })}
            </li>
        }
    };
    view! {
        <aside class="relative hidden overflow-hidden bg-canopy-950 lg:flex lg:flex-col lg:justify-center lg:px-16" aria-hidden="true">
            <div class="pointer-events-none absolute -right-32 -top-32 size-[28rem] rounded-full bg-canopy-700/30 blur-3xl"></div>
            <div class="pointer-events-none absolute -bottom-40 -left-24 size-[26rem] rounded-full bg-canopy-500/10 blur-3xl"></div>
            <div class="relative max-w-md">
                <p class="text-sm font-medium text-canopy-300">"Self-hosted authorization"</p>
                <p class="mt-3 text-3xl font-semibold leading-tight tracking-tight text-white">
                    "Who may do what, at every level of your organisation."
                </p>
                <p class="mt-4 text-sm leading-6 text-canopy-100/80">
                    "Give a role at a node and it applies to the whole subtree, now or between two dates."
                </p>
                <ul class="mt-10 space-y-2.5 font-mono text-[0.8125rem]">
                    {row(0, "acme", None)}
                    {row(1, "emea", Some("billing-admin"))}
                    {row(2, "payments-team", None)}
                    {row(3, "invoices", Some("invoices.read"))}
                </ul>
            </div>
        </aside>
    }
    .into_any()
}

fn focus(input: NodeRef<html::Input>) {
    #[cfg(feature = "hydrate")]
    if let Some(el) = input.get_untracked() {
        let _ = el.focus();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = input;
}

fn assign_location(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}
