//! The identity dialogs: create, edit, and the confirmation of activate / deactivate. Each form
//! runs the request type's own validation (the server's) before it sends anything, and shows the
//! server's field errors after, the 409 `email_taken` included, under the email field.
//!
//! They know nothing of the page that opens them: the list and the identity page both hand them
//! what to do when they close and when the write succeeded.

use leptos::{ev::SubmitEvent, prelude::*};

use crate::{
    api::{self, ApiError},
    components::{
        dialog::Modal,
        form::{DialogFooter, FieldError, FormAlert, StaleAlert, focus_first_error, input_class},
        picker::identities_path,
    },
    dto::{CreateIdentityRequest, FieldErrors, IdentityResponse, IdentityStatus, UpdateIdentityRequest, Validate},
    scope::{Scope, encode_query_value},
};

/// Which identity dialog is open.
#[derive(Debug, Clone, PartialEq)]
pub enum IdentityDialog {
    Create,
    Edit(IdentityResponse),
    Status(IdentityResponse),
}

/// The open dialog of a page (the list or an identity's page): after a write it closes, bumps
/// `version` (the page loads again in place) and says what happened in `notice`.
#[component]
pub fn IdentityDialogs(
    scope: Memo<Scope>,
    dialog: RwSignal<Option<IdentityDialog>>,
    version: RwSignal<u32>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let on_close = Callback::new(move |()| dialog.set(None));
    let on_refresh = Callback::new(move |()| version.update(|v| *v += 1));
    let saved = move |message: &'static str| {
        Callback::new(move |identity: IdentityResponse| {
            dialog.set(None);
            version.update(|v| *v += 1);
            notice.set(Some(format!("{} {message}", identity.name)));
        })
    };
    move || {
        let scope = scope.get_untracked();
        dialog.get().map(|open| match open {
            IdentityDialog::Create => {
                view! { <IdentityFormDialog scope existing=None on_close on_saved=saved("created") on_refresh/> }.into_any()
            }
            IdentityDialog::Edit(identity) => {
                view! { <IdentityFormDialog scope existing=Some(identity) on_close on_saved=saved("updated") on_refresh/> }.into_any()
            }
            IdentityDialog::Status(identity) => {
                let done = if identity.status.is_active() { "deactivated" } else { "activated" };
                view! { <StatusDialog scope identity on_close on_saved=saved(done)/> }.into_any()
            }
        })
    }
}

/// `APP/identities/{id}` for the identity.
pub fn identity_api_path(scope: &Scope, id: &str) -> String {
    format!("{}/{}", identities_path(scope), encode_query_value(id))
}

const FIELDS: [&str; 5] = ["email", "first_name", "last_name", "name", "avatar_url"];

/// The field errors of a failed write: a 422's `details`, or the 409 of an email in use.
fn field_errors_of(err: &ApiError) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for field in FIELDS {
        if let Some(message) = err.body.field(field) {
            errors.add(field, message.to_owned());
        }
    }
    if err.body.code == "email_taken" && errors.get("email").is_none() {
        errors.add("email", err.body.message.clone());
    }
    errors
}

/// The form's values, as typed.
#[derive(Clone, Copy)]
struct Form {
    email: RwSignal<String>,
    first_name: RwSignal<String>,
    last_name: RwSignal<String>,
    name: RwSignal<String>,
    avatar_url: RwSignal<String>,
}

impl Form {
    fn new(from: Option<&IdentityResponse>) -> Self {
        let [email, first_name, last_name, name, avatar_url] = from.map(Self::values_of).unwrap_or_default().map(RwSignal::new);
        Self { email, first_name, last_name, name, avatar_url }
    }

    /// The form's values for an identity, in the order of [`Form::fields`].
    fn values_of(identity: &IdentityResponse) -> [String; 5] {
        [
            identity.email.clone(),
            identity.first_name.clone(),
            identity.last_name.clone(),
            identity.name.clone(),
            identity.avatar_url.clone().unwrap_or_default(),
        ]
    }

    fn fields(&self) -> [RwSignal<String>; 5] {
        [self.email, self.first_name, self.last_name, self.name, self.avatar_url]
    }

    /// Shows the identity as stored.
    fn fill(&self, identity: &IdentityResponse) {
        for (field, value) in self.fields().into_iter().zip(Self::values_of(identity)) {
            field.set(value);
        }
    }

    /// Whether the form shows this identity as it is.
    fn shows(&self, identity: &IdentityResponse) -> bool {
        self.fields().iter().zip(Self::values_of(identity)).all(|(field, value)| field.with_untracked(|f| *f == value))
    }

    fn optional(value: RwSignal<String>) -> Option<String> {
        Some(value.get_untracked().trim().to_owned()).filter(|v| !v.is_empty())
    }

    fn create_request(&self) -> CreateIdentityRequest {
        CreateIdentityRequest {
            email: self.email.get_untracked().trim().to_owned(),
            first_name: self.first_name.get_untracked().trim().to_owned(),
            last_name: self.last_name.get_untracked().trim().to_owned(),
            name: Self::optional(self.name),
            avatar_url: Self::optional(self.avatar_url),
            status: None,
        }
    }

    /// Every field, so the identity becomes what the form shows; an emptied display name becomes
    /// "first last" again (the API keeps a name non-empty), an emptied avatar is removed.
    fn update_request(&self) -> UpdateIdentityRequest {
        let create = self.create_request();
        let name = create.name.clone().unwrap_or_else(|| create.display_name());
        UpdateIdentityRequest {
            email: Some(create.email),
            first_name: Some(create.first_name),
            last_name: Some(create.last_name),
            name: Some(name),
            avatar_url: Some(create.avatar_url),
        }
    }
}

/// One labelled text input of the form, with its error line.
#[component]
fn TextField(
    id: String,
    label: &'static str,
    field: &'static str,
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(default = false)] autofocus: bool,
    #[prop(default = "off")] autocomplete: &'static str,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let invalid = move || errors.with(|e| e.get(field).is_some());
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium text-zinc-800">
                {label}
                {(!hint.is_empty()).then(|| view! { <span class="font-normal text-zinc-600">{format!(" ({hint})")}</span> })}
            </label>
            <input
                id=id.clone()
                type=kind
                autocomplete=autocomplete
                spellcheck="false"
                data-autofocus=autofocus.then_some("")
                class=move || input_class(invalid())
                aria-invalid=move || invalid().then_some("true")
                aria-describedby={
                    let error_id = error_id.clone();
                    move || invalid().then(|| error_id.clone())
                }
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            <FieldError id=error_id.clone() errors field=field/>
        </div>
    }
    .into_any()
}

/// Create (`existing` is `None`) or edit an identity. An edit starts from the identity as stored
/// when the dialog opens (read again, with its `ETag`) and saves with `If-Match`: a change another
/// admin made in between is not overwritten but refused (412), and the dialog offers to reload.
#[component]
pub fn IdentityFormDialog(
    scope: Scope,
    existing: Option<IdentityResponse>,
    on_close: Callback<()>,
    on_saved: Callback<IdentityResponse>,
    /// Loads the page behind the dialog again (after a refused save, it is out of date too).
    on_refresh: Callback<()>,
) -> impl IntoView {
    let form = Form::new(existing.as_ref());
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // The version the edit starts from (`None` until the read answers, and for a new identity).
    let version = RwSignal::new(None::<String>);
    let stale = RwSignal::new(false);
    let changed = RwSignal::new(false);
    let load = {
        let path = existing.as_ref().map(|identity| identity_api_path(&scope, &identity.id));
        Callback::new(move |refill: bool| {
            let Some(path) = path.clone() else { return };
            leptos::task::spawn_local(async move {
                match api::get_versioned::<IdentityResponse>(&path).await {
                    Ok(current) => {
                        if refill || !form.shows(&current.value) {
                            form.fill(&current.value);
                            changed.set(!refill);
                        }
                        version.set(current.etag);
                    }
                    Err(err) => form_error.set(Some(err.body.message)),
                }
            });
        })
    };
    Effect::new(move |_| load.run(false));
    let on_reload = Callback::new(move |()| {
        stale.set(false);
        on_refresh.run(());
        load.run(true);
    });
    let prefix = if existing.is_some() { "edit-identity" } else { "new-identity" };
    let order: Vec<(&'static str, String)> = FIELDS.iter().map(|f| (*f, format!("{prefix}-{f}"))).collect();
    let order = StoredValue::new(order);
    let focus = move |problems: &FieldErrors| {
        order.with_value(|order| {
            let pairs: Vec<(&str, &str)> = order.iter().map(|(f, id)| (*f, id.as_str())).collect();
            focus_first_error(problems, &pairs);
        })
    };
    let editing = existing.as_ref().map(|i| i.id.clone());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        let checked = match &editing {
            None => form.create_request().validate(),
            Some(_) => form.update_request().validate(),
        };
        if let Err(problems) = checked {
            focus(&problems);
            errors.set(problems);
            return;
        }
        errors.set(FieldErrors::new());
        busy.set(true);
        let scope = scope.clone();
        let editing = editing.clone();
        leptos::task::spawn_local(async move {
            let answer = match &editing {
                None => api::post_json::<_, IdentityResponse>(&identities_path(&scope), &form.create_request()).await,
                Some(id) => {
                    let if_match = version.get_untracked();
                    api::patch_json::<_, IdentityResponse>(&identity_api_path(&scope, id), &form.update_request(), if_match.as_deref())
                        .await
                        .map(|saved| saved.value)
                }
            };
            match answer {
                Ok(identity) => on_saved.run(identity),
                Err(err) if err.is_stale() => {
                    busy.set(false);
                    stale.set(true);
                }
                Err(err) => {
                    busy.set(false);
                    let problems = field_errors_of(&err);
                    if problems.is_empty() {
                        form_error.set(Some(err.body.message));
                    } else {
                        focus(&problems);
                        errors.set(problems);
                    }
                }
            }
        });
    };

    let (title, description, label, busy_label, test_id) = match &existing {
        None => (
            "New identity".to_owned(),
            "Someone who can hold roles in every environment of this application.".to_owned(),
            "Create identity",
            "Creating…",
            "identity-create-dialog",
        ),
        Some(identity) => (
            "Edit identity".to_owned(),
            format!("{} ({})", identity.name, identity.email),
            "Save changes",
            "Saving…",
            "identity-edit-dialog",
        ),
    };
    let id = move |field: &str| format!("{prefix}-{field}");
    view! {
        <Modal title description on_close test_id>
            <form on:submit=on_submit novalidate=true>
                <div class="space-y-4 px-5 py-4 sm:px-6">
                    <FormAlert message=form_error/>
                    {move || stale.get().then(|| view! { <StaleAlert what="identity" on_reload/> })}
                    {move || (changed.get() && !stale.get()).then(|| view! {
                        <p class="rounded-lg bg-zinc-50 px-3 py-2 text-sm text-zinc-700 ring-1 ring-zinc-200" role="status" data-testid="edit-notice">
                            "Someone changed this identity since the page loaded; the form shows its current values."
                        </p>
                    })}
                    <TextField id=id("email") label="Email" field="email" value=form.email errors kind="email" autofocus=true/>
                    <div class="grid gap-4 sm:grid-cols-2">
                        <TextField id=id("first_name") label="First name" field="first_name" value=form.first_name errors hint="optional"/>
                        <TextField id=id("last_name") label="Last name" field="last_name" value=form.last_name errors hint="optional"/>
                    </div>
                    <TextField
                        id=id("name")
                        label="Display name"
                        field="name"
                        value=form.name
                        errors
                        hint="optional; first and last name when empty"
                    />
                    <TextField id=id("avatar_url") label="Avatar URL" field="avatar_url" value=form.avatar_url errors kind="url" hint="optional"/>
                </div>
                <DialogFooter on_cancel=on_close busy label=label.to_owned() busy_label/>
            </form>
        </Modal>
    }
    .into_any()
}

/// The confirmation of activating or deactivating an identity (whichever it is not now).
#[component]
pub fn StatusDialog(
    scope: Scope,
    identity: IdentityResponse,
    on_close: Callback<()>,
    on_saved: Callback<IdentityResponse>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    let deactivating = identity.status == IdentityStatus::Active;
    let path = format!("{}/{}", identity_api_path(&scope, &identity.id), if deactivating { "deactivate" } else { "activate" });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        form_error.set(None);
        let path = path.clone();
        leptos::task::spawn_local(async move {
            match api::post_json::<_, IdentityResponse>(&path, &serde_json::json!({})).await {
                Ok(identity) => on_saved.run(identity),
                Err(err) => {
                    busy.set(false);
                    form_error.set(Some(err.body.message));
                }
            }
        });
    };
    let (title, description, label, busy_label) = if deactivating {
        (
            format!("Deactivate {}?", identity.name),
            "While inactive, every permission check for them is denied and they cannot get tokens. Their assignments are kept, and apply again once they are activated.".to_owned(),
            "Deactivate",
            "Deactivating…",
        )
    } else {
        (
            format!("Activate {}?", identity.name),
            "Their assignments apply again from now on, in every environment of this application.".to_owned(),
            "Activate",
            "Activating…",
        )
    };
    view! {
        <Modal title description role="alertdialog" on_close test_id="identity-status-dialog">
            <form on:submit=on_submit>
                {move || form_error.get().is_some().then(|| view! {
                    <div class="px-5 pt-4 sm:px-6"><FormAlert message=form_error/></div>
                })}
                <div class="h-2"></div>
                <DialogFooter on_cancel=on_close busy label=label.to_owned() busy_label danger=deactivating/>
            </form>
        </Modal>
    }
    .into_any()
}
