//! The API key dialogs: a new key (its name checked by the request type's own validation, then
//! the secret shown this once with a copy button), and the confirmation of a revoke.

use leptos::{ev::SubmitEvent, prelude::*};

use super::api_keys_path;
use crate::{
    api,
    components::{
        copy::CopyField,
        dialog::Modal,
        form::{DialogFooter, FieldError, FormAlert, input_class},
    },
    dto::{ApiKeyResponse, CreateApiKeyRequest, CreatedApiKey, FieldErrors, Validate},
    scope::{Scope, encode_query_value},
};

#[derive(Debug, Clone, PartialEq)]
pub enum KeyDialog {
    Create,
    Revoke(ApiKeyResponse),
}

/// The open dialog; after a write the list loads again (`version`) and `notice` says what
/// happened.
#[component]
pub fn KeyDialogs(
    scope: Memo<Scope>,
    dialog: RwSignal<Option<KeyDialog>>,
    version: RwSignal<u32>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let on_close = Callback::new(move |()| dialog.set(None));
    let refresh = move || version.update(|v| *v += 1);
    let on_created = Callback::new(move |()| refresh());
    let on_revoked = Callback::new(move |key: ApiKeyResponse| {
        dialog.set(None);
        refresh();
        notice.set(Some(format!("{} revoked", key.name)));
    });
    move || {
        let scope = scope.get_untracked();
        dialog.get().map(|open| match open {
            KeyDialog::Create => view! { <CreateKeyDialog scope on_close on_created/> }.into_any(),
            KeyDialog::Revoke(key) => view! { <RevokeKeyDialog scope key on_close on_revoked/> }.into_any(),
        })
    }
}

/// Name the key, then see its secret once. The list behind loads again as soon as the key
/// exists, so closing the dialog (even with Escape) leaves no doubt that it was created.
#[component]
fn CreateKeyDialog(scope: Scope, on_close: Callback<()>, on_created: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let created = RwSignal::new(None::<CreatedApiKey>);
    let request = move || CreateApiKeyRequest { name: name.get_untracked().trim().to_owned() };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        if let Err(problems) = request().validate() {
            errors.set(problems);
            crate::components::form::focus_first_error(&errors.get_untracked(), &[("name", "new-api-key-name")]);
            return;
        }
        errors.set(FieldErrors::new());
        busy.set(true);
        let path = api_keys_path(&scope);
        leptos::task::spawn_local(async move {
            match api::post_json::<_, CreatedApiKey>(&path, &request()).await {
                Ok(key) => {
                    created.set(Some(key));
                    on_created.run(());
                }
                Err(err) => {
                    busy.set(false);
                    match err.body.field("name") {
                        Some(message) => {
                            let mut problems = FieldErrors::new();
                            problems.add("name", message.to_owned());
                            errors.set(problems);
                        }
                        None => form_error.set(Some(err.body.message)),
                    }
                }
            }
        });
    };
    let invalid = move || errors.with(|e| e.get("name").is_some());
    // The form is gone once the key exists: focus moves to the copy button, not to the page.
    Effect::new(move |_| {
        if created.with(Option::is_some) {
            #[cfg(feature = "hydrate")]
            set_timeout(
                || {
                    if let Ok(Some(button)) = document().query_selector("[data-testid=copy-button]")
                        && let Ok(button) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(button)
                    {
                        let _ = button.focus();
                    }
                },
                std::time::Duration::ZERO,
            );
        }
    });
    let form = move || {
        view! {
            <form on:submit=on_submit.clone() novalidate=true>
                <div class="space-y-4 px-5 py-4 sm:px-6">
                    <FormAlert message=form_error/>
                    <div>
                        <label for="new-api-key-name" class="block text-sm font-medium text-zinc-800">"Name"</label>
                        <input
                            id="new-api-key-name"
                            type="text"
                            autocomplete="off"
                            spellcheck="false"
                            placeholder="billing-worker"
                            data-autofocus=""
                            class=move || input_class(invalid())
                            aria-invalid=move || invalid().then_some("true")
                            aria-describedby=move || invalid().then_some("new-api-key-name-error")
                            prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev))
                        />
                        <FieldError id="new-api-key-name-error".to_owned() errors field="name"/>
                        <p class="mt-1.5 text-sm text-zinc-600">"Say which service will use it, so you know what breaks when you revoke it."</p>
                    </div>
                </div>
                <DialogFooter on_cancel=on_close busy label="Create key".to_owned() busy_label="Creating…"/>
            </form>
        }
    };
    let secret = move || {
        created.get().map(|key| {
            view! {
                <div class="space-y-4 px-5 py-4 sm:px-6" data-testid="api-key-secret-panel">
                    <div class="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2.5 text-sm text-amber-900" role="status">
                        <p class="font-medium">{format!("{} was created.", key.key.name)}</p>
                        <p class="mt-0.5">"Copy the secret now: it is shown this once and Canopy keeps only its hash."</p>
                    </div>
                    <CopyField label="Secret" value=key.secret.clone() test_id="api-key-secret"/>
                </div>
                <div class="flex justify-end border-t border-zinc-100 bg-zinc-50/70 px-5 py-3 sm:px-6">
                    <button
                        type="button"
                        class="rounded-md bg-canopy-700 px-3.5 py-2 text-sm font-semibold text-white shadow-xs hover:bg-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                        on:click=move |_| on_close.run(())
                        data-testid="api-key-done"
                    >
                        "Done"
                    </button>
                </div>
            }
        })
    };
    view! {
        <Modal
            title="New API key".to_owned()
            description="A key for one service to call the management API of this environment."
            on_close
            test_id="api-key-create-dialog"
        >
            <Show when=move || created.with(Option::is_some) fallback=form>
                {secret}
            </Show>
        </Modal>
    }
    .into_any()
}

#[component]
fn RevokeKeyDialog(scope: Scope, key: ApiKeyResponse, on_close: Callback<()>, on_revoked: Callback<ApiKeyResponse>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    let path = format!("{}/{}", api_keys_path(&scope), encode_query_value(&key.id));
    let revoked = key.clone();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        form_error.set(None);
        let path = path.clone();
        let revoked = revoked.clone();
        leptos::task::spawn_local(async move {
            match api::delete(&path).await {
                Ok(()) => on_revoked.run(revoked),
                Err(err) => {
                    busy.set(false);
                    form_error.set(Some(err.body.message));
                }
            }
        });
    };
    view! {
        <Modal
            title=format!("Revoke {}?", key.name)
            description=format!(
                "Every request with the key {}… is refused (401) from now on, also with tokens already exchanged for it. A revoked key cannot be restored.",
                key.prefix
            )
            role="alertdialog"
            on_close
            test_id="api-key-revoke-dialog"
        >
            <form on:submit=on_submit>
                <div class="px-5 pt-4 sm:px-6"><FormAlert message=form_error/></div>
                <div class="h-2"></div>
                <DialogFooter on_cancel=on_close busy label="Revoke key".to_owned() busy_label="Revoking…" danger=true/>
            </form>
        </Modal>
    }
    .into_any()
}
