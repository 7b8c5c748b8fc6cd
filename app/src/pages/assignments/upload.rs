//! `/a/:account/:app/:env/assignments/upload`: bulk upload of assignments from a CSV or JSON file.

use leptos::prelude::*;

#[component]
pub fn BulkUploadPage() -> impl IntoView {
    view! { <h1 class="text-2xl font-semibold">"Upload assignments"</h1> }.into_any()
}
