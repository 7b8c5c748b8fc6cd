//! The bulk upload wizard of assignments and identities: one flow, told by an [`UploadSpec`]
//! which columns the file holds, how a row becomes an item of the API's `bulk-create`, and
//! what to call things.
//!
//! 1. The admin drops or picks a file; it is read and parsed in the browser ([`crate::tabular`]).
//! 2. Columns are mapped (guessed from the header, changeable); the spec's `prepare` resolves
//!    names to ids and checks every row with the shared validation. The preview shows each
//!    row's problems.
//! 3. "Check with Canopy" sends the ready rows as `dry_run` requests of 1,000 and adds the
//!    server's own per-row answers (an email or an assignment that already exists, say).
//! 4. Upload: *partial* sends the ready rows in chunks of 1,000 (a progress bar, an
//!    `Idempotency-Key` per chunk so a retried chunk is never applied twice); *atomic* sends the
//!    whole file as one all-or-nothing request, because only one request can be atomic.
//! 5. The result lists each failed row with its reason, offers them as a CSV to fix and upload
//!    again, and the run is recorded through `identities/bulk-imports`.
//!
//! Only the first rows of a large file are rendered, so a 10,000-row file stays responsive.

pub mod rows;

use std::{collections::HashMap, future::Future, pin::Pin, sync::Arc};

use leptos::prelude::*;
use leptos_meta::Title;
use serde_json::Value;

use self::rows::{Column, Mapping, PreparedRow, failed_rows_csv};
use crate::{
    api::{self, ApiError},
    components::{
        icons::{Icon, IconName},
        picker::identities_path,
        shell::MeResource,
        when::{now_millis, zone_name},
    },
    dto::{BulkImportResponse, BulkMode, RecordBulkImportRequest},
    scope::{Scope, counted, grouped},
    tabular::{self, MAX_UPLOAD_ROWS, Table},
};

/// Rows per request while checking and while uploading in partial mode.
const CHUNK: usize = 1_000;
/// Rows of the preview and of the result drawn on the page.
const SHOWN: usize = 100;

/// What `prepare` returns: every row of the file, ready or with its problems.
pub type Prepared = Pin<Box<dyn Future<Output = Result<Vec<PreparedRow>, ApiError>>>>;

/// One kind of upload: its columns, its words, and how rows become items.
#[derive(Clone, Copy)]
pub struct UploadSpec {
    /// The page's title and heading: "Upload assignments".
    pub title: &'static str,
    pub intro: &'static str,
    /// What a row is, one and many: "assignment", "assignments" ("3 assignments created.").
    pub item: &'static str,
    pub items: &'static str,
    /// "One assignment per row, with a header row."
    pub row_hint: &'static str,
    /// The page the breadcrumb and the result lead back to (`Scope::page_path`), and its name.
    pub back: (&'static str, &'static str),
    pub columns: &'static [Column],
    /// The key of the bulk body's list (`assignments`), which a JSON file may use too.
    pub list_key: &'static str,
    /// `.../bulk-create` of this kind.
    pub bulk_path: fn(&Scope) -> String,
    /// A template file, as a `data:` URL, and its name.
    pub template: (&'static str, &'static str),
    /// Whether the rows hold dates (read in the admin's zone when they have none).
    pub dates: bool,
    /// Whether the import is recorded against the environment (assignments live in one).
    pub in_environment: bool,
    /// Shown while `prepare` runs ("Matching emails, paths and roles…"), and when it fails.
    pub preparing: &'static str,
    pub prepare_failed: &'static str,
    /// Every row of the table under the mapping, with what the page can check before sending.
    pub prepare: fn(Scope, Arc<Table>, Mapping) -> Prepared,
}

const BUTTON_PRIMARY: &str = "inline-flex items-center justify-center gap-1.5 rounded-md bg-canopy-700 px-3.5 py-2 text-sm font-semibold text-white shadow-xs hover:bg-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600 disabled:cursor-not-allowed disabled:opacity-50";
const BUTTON_SECONDARY: &str = "inline-flex items-center justify-center gap-1.5 rounded-md bg-white px-3.5 py-2 text-sm font-medium text-zinc-800 shadow-xs ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600 disabled:cursor-not-allowed disabled:opacity-50";
const SELECT: &str = "block w-full rounded-md border-0 bg-white py-2 pl-3 pr-8 text-sm text-zinc-900 shadow-xs ring-1 ring-inset ring-zinc-300 focus:ring-2 focus:ring-inset focus:ring-canopy-600 focus:outline-none";

/// The file as read, and its rows as prepared against the environment.
#[derive(Clone)]
struct Loaded {
    name: String,
    table: Arc<Table>,
}

#[derive(Clone, PartialEq)]
enum Phase {
    Idle,
    Reading,
    Preparing,
    Ready,
    Checking { done: usize, total: usize },
    Uploading { done: usize, total: usize, atomic: bool },
    Done,
}

impl Phase {
    fn busy(&self) -> bool {
        matches!(self, Phase::Reading | Phase::Preparing | Phase::Checking { .. } | Phase::Uploading { .. })
    }
}

/// What an upload did: created rows and failed rows with their reasons.
#[derive(Clone, Default, PartialEq)]
struct Outcome {
    mode: BulkMode,
    total: usize,
    succeeded: usize,
    failures: Vec<(usize, String)>,
    recorded: bool,
}

#[derive(Clone, Copy)]
struct Upload {
    spec: UploadSpec,
    scope: Memo<Scope>,
    loaded: RwSignal<Option<Loaded>>,
    mapping: RwSignal<Mapping>,
    rows: RwSignal<Option<Arc<Vec<PreparedRow>>>>,
    /// Row index → the server's reason, from the last check.
    server: RwSignal<HashMap<usize, String>>,
    checked: RwSignal<bool>,
    phase: RwSignal<Phase>,
    mode: RwSignal<BulkMode>,
    problem: RwSignal<Option<String>>,
    outcome: RwSignal<Option<Outcome>>,
    only_errors: RwSignal<bool>,
}

impl Upload {
    fn reset(&self) {
        self.loaded.set(None);
        self.rows.set(None);
        self.server.set(HashMap::new());
        self.checked.set(false);
        self.phase.set(Phase::Idle);
        self.problem.set(None);
        self.outcome.set(None);
        self.only_errors.set(false);
    }

    /// Ready rows (local checks passed, and the server's, if it was asked).
    fn counts(&self) -> (usize, usize) {
        let server = self.server.read();
        self.rows.with(|rows| {
            rows.as_ref().map_or((0, 0), |rows| {
                let ready = rows.iter().filter(|r| r.is_ready() && !server.contains_key(&r.index)).count();
                (ready, rows.len() - ready)
            })
        })
    }
}

/// The whole page of an upload of `spec`'s kind.
#[component]
pub fn UploadWizard(spec: UploadSpec) -> impl IntoView {
    let scope = expect_context::<Memo<Scope>>();
    let me = expect_context::<MeResource>();
    let upload = Upload {
        spec,
        scope,
        loaded: RwSignal::new(None),
        mapping: RwSignal::new(Mapping::default()),
        rows: RwSignal::new(None),
        server: RwSignal::new(HashMap::new()),
        checked: RwSignal::new(false),
        phase: RwSignal::new(Phase::Idle),
        mode: RwSignal::new(BulkMode::Atomic),
        problem: RwSignal::new(None),
        outcome: RwSignal::new(None),
        only_errors: RwSignal::new(false),
    };
    provide_context(upload);
    let eyebrow = move || {
        let scope = scope.get();
        me.get().and_then(Result::ok).and_then(|me| scope.title_in(&me)).unwrap_or(scope.environment)
    };
    let back = move || scope.with(|s| s.page_path(spec.back.0));

    view! {
        <Title text=format!("{} · Canopy", spec.title)/>
        <nav aria-label="Breadcrumb" class="text-sm">
            <a href=back class="inline-flex items-center gap-1 rounded font-medium text-zinc-600 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-canopy-600">
                <Icon name=IconName::ChevronLeft/>
                {spec.back.1}
            </a>
        </nav>
        <header class="mt-2">
            <p class="text-sm font-medium text-zinc-600">{eyebrow}</p>
            <h1 class="mt-1 text-2xl font-semibold tracking-tight text-zinc-900">{spec.title}</h1>
            <p class="mt-1.5 max-w-2xl text-sm text-zinc-600">{spec.intro}</p>
        </header>
        <Problem/>
        {move || match upload.loaded.get() {
            None => view! { <DropZone/> }.into_any(),
            Some(loaded) => view! { <Preview loaded/> }.into_any(),
        }}
    }
    .into_any()
}

#[component]
fn Problem() -> impl IntoView {
    let upload = expect_context::<Upload>();
    move || {
        upload.problem.get().map(|message| view! {
            <div class="mt-5 flex items-start gap-2 rounded-lg border border-rose-200 bg-rose-50 px-4 py-3 text-sm text-rose-900" role="alert" data-testid="upload-problem">
                <Icon name=IconName::Alert class="mt-0.5 size-4 shrink-0"/>
                <p>{message}</p>
            </div>
        })
    }
}

/// Step 1: the file.
#[component]
fn DropZone() -> impl IntoView {
    let upload = expect_context::<Upload>();
    let dragging = RwSignal::new(false);
    let reading = move || upload.phase.get() == Phase::Reading;
    let spec = upload.spec;
    view! {
        <section class="mt-6 grid gap-6 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
            <label
                for="upload-file"
                class=move || format!(
                    "flex min-h-64 cursor-pointer flex-col items-center justify-center gap-3 rounded-xl border-2 border-dashed px-6 py-10 text-center transition-colors focus-within:outline-2 focus-within:outline-offset-2 focus-within:outline-canopy-600 {}",
                    if dragging.get() { "border-canopy-500 bg-canopy-50" } else { "border-zinc-300 bg-white hover:border-canopy-400" },
                )
                data-testid="drop-zone"
                on:dragover=move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    dragging.set(false);
                    browser::take_dropped(upload, &ev);
                }
            >
                <span class="flex size-12 items-center justify-center rounded-full bg-canopy-50 text-canopy-700 ring-1 ring-canopy-200">
                    <Icon name=IconName::Upload class="size-6"/>
                </span>
                <span class="text-base font-semibold text-zinc-900">
                    {move || if reading() { "Reading the file…" } else { "Drop a CSV or JSON file here" }}
                </span>
                <span class="text-sm text-zinc-600">"or "<span class="font-medium text-canopy-800 underline underline-offset-2">"choose a file"</span>" · up to 10,000 rows"</span>
                <input
                    id="upload-file"
                    type="file"
                    accept=".csv,.json,text/csv,application/json"
                    class="sr-only"
                    on:change=move |ev| browser::take_picked(upload, &ev)
                />
            </label>
            <aside class="rounded-xl border border-zinc-200 bg-white p-5 text-sm text-zinc-700 shadow-xs">
                <h2 class="text-sm font-semibold text-zinc-900">"What the file holds"</h2>
                <p class="mt-2">{spec.row_hint}" Columns are matched by name, and you can change the matching:"</p>
                <dl class="mt-3 space-y-2">
                    {spec.columns.iter().map(|column| view! {
                        <div>
                            <dt class="font-medium text-zinc-900">{column.key}{(!column.required).then_some(view! { <span class="font-normal text-zinc-600">" (optional)"</span> })}</dt>
                            <dd>{with_code(column.help)}</dd>
                        </div>
                    }).collect_view()}
                </dl>
                <a href=spec.template.0 download=spec.template.1 class="mt-4 inline-flex items-center gap-1.5 rounded font-medium text-canopy-800 hover:text-canopy-950 focus-visible:outline-2 focus-visible:outline-canopy-600">
                    <Icon name=IconName::Download/>
                    "Download a template"
                </a>
            </aside>
        </section>
    }
    .into_any()
}

/// Steps 2–5: mapping, preview, check, upload, result.
#[component]
fn Preview(loaded: Loaded) -> impl IntoView {
    let upload = expect_context::<Upload>();
    let table = loaded.table.clone();
    let headers = table.headers.clone();
    let spec = upload.spec;
    let mapping_fields = spec
        .columns
        .iter()
        .enumerate()
        .map(|(position, column)| {
            let headers = headers.clone();
            let id = format!("map-{}", column.key);
            let options = headers
                .iter()
                .enumerate()
                .map(|(i, h)| view! { <option value=i.to_string() selected=move || upload.mapping.with(|m| m.get(position) == Some(i))>{h.clone()}</option> })
                .collect_view();
            view! {
                <div>
                    <label for=id.clone() class="block text-xs font-medium text-zinc-700">
                        {column.label}
                        {column.required.then_some(view! { <span class="text-rose-700" aria-hidden="true">" *"</span> })}
                    </label>
                    <select
                        id=id
                        class=format!("mt-1 {SELECT}")
                        disabled=move || upload.phase.get().busy() || upload.outcome.with(Option::is_some)
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            upload.mapping.update(|m| m.set(position, value.parse().ok()));
                            prepare(upload);
                        }
                    >
                        <option value="" selected=move || upload.mapping.with(|m| m.get(position).is_none())>"— not in the file —"</option>
                        {options}
                    </select>
                </div>
            }
        })
        .collect_view();
    let row_count = table.rows.len();
    let name = loaded.name.clone();

    view! {
        <section class="mt-6 rounded-xl border border-zinc-200 bg-white shadow-xs" aria-labelledby="file-title">
            <div class="flex flex-wrap items-center justify-between gap-3 border-b border-zinc-100 px-4 py-3 sm:px-5">
                <div class="flex min-w-0 items-center gap-3">
                    <span class="flex size-9 shrink-0 items-center justify-center rounded-lg bg-canopy-50 text-canopy-700 ring-1 ring-canopy-200"><Icon name=IconName::File/></span>
                    <div class="min-w-0">
                        <h2 id="file-title" class="truncate text-sm font-semibold text-zinc-900" data-testid="file-name">{name}</h2>
                        <p class="text-xs text-zinc-600" data-testid="file-rows">{format!("{} rows · {} columns", grouped(row_count as i64), table.headers.len())}</p>
                    </div>
                </div>
                <button type="button" class=BUTTON_SECONDARY disabled=move || upload.phase.get().busy() on:click=move |_| upload.reset()>
                    "Choose another file"
                </button>
            </div>
            <fieldset class="px-4 py-4 sm:px-5">
                <legend class="sr-only">"Columns"</legend>
                <p class="text-sm font-medium text-zinc-900">"Match the columns"</p>
                <div class="mt-3 grid gap-3 sm:grid-cols-2 lg:grid-cols-5">{mapping_fields}</div>
                {spec.dates.then(|| view! {
                    <p class="mt-2 text-xs text-zinc-600">{move || format!("Dates without a time zone are read in yours ({}).", zone_name(true))}</p>
                })}
            </fieldset>
        </section>
        {move || upload.outcome.with(Option::is_none).then(|| view! { <Summary/> })}
        <PreviewTable table=table.clone()/>
        <ResultPanel table/>
    }
    .into_any()
}

/// Counts, mode, the check and upload buttons, and progress.
#[component]
fn Summary() -> impl IntoView {
    let upload = expect_context::<Upload>();
    let counts = move || upload.counts();
    let progress = move || match upload.phase.get() {
        Phase::Checking { done, total } => Some((format!("Checking with Canopy… {} of {} rows", grouped(done as i64), grouped(total as i64)), done, total)),
        Phase::Uploading { done, total, atomic: false } => Some((format!("Uploading… {} of {} rows", grouped(done as i64), grouped(total as i64)), done, total)),
        Phase::Uploading { total, atomic: true, .. } => Some((format!("Uploading {} rows as one all-or-nothing request…", grouped(total as i64)), 0, 0)),
        Phase::Preparing => Some((upload.spec.preparing.to_owned(), 0, 0)),
        _ => None,
    };
    let check = move |_| check_with_server(upload);
    let send = move |_| send_rows(upload);
    let done = move || upload.outcome.with(Option::is_some);
    let atomic_blocked = move || upload.mode.get() == BulkMode::Atomic && counts().1 > 0;

    view! {
        <section class="mt-4 rounded-xl border border-zinc-200 bg-white px-4 py-4 shadow-xs sm:px-5" aria-label="Upload">
            <div class="flex flex-wrap items-center gap-x-6 gap-y-3">
                <p class="text-sm text-zinc-700" data-testid="upload-counts" aria-live="polite">
                    <span class="font-semibold text-emerald-800">{move || grouped(counts().0 as i64)}</span>" ready · "
                    <span class=move || { if counts().1 > 0 { "font-semibold text-rose-800" } else { "font-semibold text-zinc-900" } }>{move || grouped(counts().1 as i64)}</span>
                    " with problems"
                    {move || upload.checked.get().then_some(view! { <span class="ml-2 inline-flex items-center gap-1 rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800 ring-1 ring-inset ring-emerald-200"><Icon name=IconName::Check class="size-3"/>"Checked with Canopy"</span> })}
                </p>
                <fieldset class="flex flex-wrap items-center gap-4" disabled=move || upload.phase.get().busy() || done()>
                    <legend class="sr-only">"Mode"</legend>
                    <label class="inline-flex items-center gap-2 text-sm text-zinc-800">
                        <input type="radio" name="upload-mode" value="atomic" class="size-4 accent-canopy-700"
                            prop:checked=move || upload.mode.get() == BulkMode::Atomic
                            on:change=move |_| upload.mode.set(BulkMode::Atomic)/>
                        <span><span class="font-medium">"All or nothing"</span><span class="text-zinc-600">" (atomic)"</span></span>
                    </label>
                    <label class="inline-flex items-center gap-2 text-sm text-zinc-800">
                        <input type="radio" name="upload-mode" value="partial" class="size-4 accent-canopy-700"
                            prop:checked=move || upload.mode.get() == BulkMode::Partial
                            on:change=move |_| upload.mode.set(BulkMode::Partial)/>
                        <span><span class="font-medium">"Skip rows with problems"</span><span class="text-zinc-600">" (partial)"</span></span>
                    </label>
                </fieldset>
                <div class="ml-auto flex flex-wrap gap-2">
                    <button type="button" class=BUTTON_SECONDARY
                        disabled=move || upload.phase.get().busy() || done() || counts().0 == 0
                        on:click=check>
                        <Icon name=IconName::Check/>
                        "Check with Canopy"
                    </button>
                    <button type="button" class=BUTTON_PRIMARY
                        disabled=move || upload.phase.get().busy() || done() || counts().0 == 0 || atomic_blocked()
                        on:click=send>
                        <Icon name=IconName::Upload/>
                        {move || format!("Upload {}", counted(counts().0, "row", "rows"))}
                    </button>
                </div>
            </div>
            {move || atomic_blocked().then_some(view! {
                <p class="mt-3 text-sm text-amber-900" data-testid="atomic-blocked">
                    "All-or-nothing uploads only when every row is ready. Fix the file, or choose “Skip rows with problems”."
                </p>
            })}
            {move || progress().map(|(label, done, total)| {
                let percent = if total > 0 { done * 100 / total } else { 0 };
                view! {
                    <div class="mt-4">
                        <p class="text-sm text-zinc-700" id="upload-progress-label">{label}</p>
                        <div class="mt-2 h-2 overflow-hidden rounded-full bg-zinc-100"
                            role="progressbar"
                            aria-labelledby="upload-progress-label"
                            aria-valuemin="0"
                            aria-valuemax="100"
                            aria-valuenow=(total > 0).then(|| percent.to_string())
                            data-testid="upload-progress">
                            {if total > 0 {
                                view! { <div class="h-full rounded-full bg-canopy-600 transition-[width]" style=("width", format!("{percent}%"))></div> }.into_any()
                            } else {
                                view! { <div class="h-full w-1/3 animate-[loading_1s_ease-in-out_infinite] rounded-full bg-canopy-600"></div> }.into_any()
                            }}
                        </div>
                    </div>
                }
            })}
        </section>
    }
    .into_any()
}

/// The first rows of the file as they will be sent, each with its problems.
#[component]
fn PreviewTable(table: Arc<Table>) -> impl IntoView {
    let upload = expect_context::<Upload>();
    let columns = upload.spec.columns;
    let table = StoredValue::new(table);
    let body = move || {
        let table = table.get_value();
        let rows = upload.rows.get()?;
        let server = upload.server.get();
        let mapping = upload.mapping.get();
        let only_errors = upload.only_errors.get();
        let shown: Vec<PreparedRow> = rows
            .iter()
            .filter(|r| !only_errors || !r.is_ready() || server.contains_key(&r.index))
            .take(SHOWN)
            .cloned()
            .collect();
        let items = shown
            .into_iter()
            .map(|row| {
                let cells = (0..columns.len())
                    .map(|position| {
                        let text = table.cell(row.index, mapping.get(position)).to_owned();
                        let title = text.clone();
                        view! { <td class="truncate px-3 py-2 text-sm text-zinc-800" title=title>{text}</td> }
                    })
                    .collect_view();
                let mut problems = row.errors.clone();
                if let Some(reason) = server.get(&row.index) {
                    problems.push(reason.clone());
                }
                let ok = problems.is_empty();
                view! {
                    <tr class=if ok { "align-top" } else { "align-top bg-rose-50/40" } data-testid="preview-row">
                        <td class="px-3 py-2 text-xs tabular-nums text-zinc-600">{row.index + 2}</td>
                        {cells}
                        <td class="py-2 pl-3 pr-4 text-sm wrap-anywhere">
                            {if ok {
                                view! { <span class="inline-flex items-center gap-1 text-emerald-800"><Icon name=IconName::Check class="size-3.5"/>"Ready"</span> }.into_any()
                            } else {
                                view! { <ul class="space-y-0.5 text-rose-800" data-testid="row-problems">{problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul> }.into_any()
                            }}
                        </td>
                    </tr>
                }
            })
            .collect_view();
        Some(items.into_any())
    };
    let total = move || upload.rows.with(|r| r.as_ref().map_or(0, |r| r.len()));
    let hidden = move || {
        let (ready, problems) = upload.counts();
        let listed = if upload.only_errors.get() { problems } else { ready + problems };
        listed.saturating_sub(SHOWN)
    };
    move || (upload.outcome.with(Option::is_none) && total() > 0).then(|| {
        view! {
            <section class="mt-4 overflow-hidden rounded-xl border border-zinc-200 bg-white shadow-xs" aria-labelledby="preview-title">
                <div class="flex flex-wrap items-center justify-between gap-3 border-b border-zinc-100 px-4 py-3 sm:px-5">
                    <h2 id="preview-title" class="text-sm font-semibold text-zinc-900">"Preview"</h2>
                    <label class="inline-flex items-center gap-2 text-sm text-zinc-700">
                        <input type="checkbox" class="size-4 rounded accent-canopy-700" prop:checked=move || upload.only_errors.get() on:change=move |ev| upload.only_errors.set(event_target_checked(&ev))/>
                        "Only rows with problems"
                    </label>
                </div>
                <div class="overflow-x-auto">
                    <table class="w-full min-w-[48rem] table-fixed divide-y divide-zinc-100" data-testid="preview-table">
                        <caption class="sr-only">"Rows of the file and their problems"</caption>
                        <colgroup>
                            <col class="w-14"/>
                            // The first column says whose row it is (an identity, an email): the widest.
                            {columns.iter().enumerate().map(|(i, _)| view! { <col class=(i == 0).then_some("w-[22%]")/> }).collect_view()}
                            <col class="w-[30%]"/>
                        </colgroup>
                        <thead class="bg-zinc-50 text-left text-xs font-medium text-zinc-600">
                            <tr>
                                <th scope="col" class="px-3 py-2">"Row"</th>
                                {columns.iter().map(|c| view! { <th scope="col" class="px-3 py-2">{header_of(c)}</th> }).collect_view()}
                                <th scope="col" class="py-2 pl-3 pr-4">"Check"</th>
                            </tr>
                        </thead>
                        <tbody class="divide-y divide-zinc-100">{body}</tbody>
                    </table>
                </div>
                {move || (hidden() > 0).then(|| view! {
                    <p class="border-t border-zinc-100 px-4 py-2.5 text-xs text-zinc-600 sm:px-5">{format!("…and {} more rows, not shown. All of them are checked and uploaded.", grouped(hidden() as i64))}</p>
                })}
            </section>
        }
        .into_any()
    })
}

/// What the upload did, the failed rows and their download.
#[component]
fn ResultPanel(table: Arc<Table>) -> impl IntoView {
    let upload = expect_context::<Upload>();
    move || {
        let outcome = upload.outcome.get()?;
        let table = table.clone();
        let failed = outcome.failures.len();
        let headline = match (outcome.mode, failed) {
            (_, 0) => format!("{} created.", counted(outcome.succeeded, upload.spec.item, upload.spec.items)),
            (BulkMode::Atomic, _) => format!("Nothing was created: {} of {} rows failed, so the whole upload was rolled back.", grouped(failed as i64), grouped(outcome.total as i64)),
            (BulkMode::Partial, _) => format!("{} created; {} failed.", counted(outcome.succeeded, upload.spec.item, upload.spec.items), counted(failed, "row", "rows")),
        };
        let tone = if failed == 0 { "border-emerald-200 bg-emerald-50" } else { "border-amber-200 bg-amber-50" };
        let items = outcome
            .failures
            .iter()
            .take(SHOWN)
            .map(|(index, reason)| {
                // The first column says whose row it is (an identity, an email).
                let identity = table.cell(*index, upload.mapping.with_untracked(|m| m.get(0))).to_owned();
                view! {
                    <li class="flex flex-col gap-0.5 py-2 text-sm sm:flex-row sm:gap-3" data-testid="failed-row">
                        <span class="shrink-0 tabular-nums text-zinc-600 sm:w-16">{format!("Row {}", index + 2)}</span>
                        <span class="font-medium text-zinc-900 sm:w-64 sm:truncate">{identity}</span>
                        <span class="text-rose-800">{reason.clone()}</span>
                    </li>
                }
            })
            .collect_view();
        let download = {
            let table = table.clone();
            let failures = outcome.failures.clone();
            move |_| {
                let csv = failed_rows_csv(&table, &failures);
                let name = upload.loaded.with_untracked(|l| l.as_ref().map(|l| l.name.clone())).unwrap_or_default();
                browser::download(&format!("failed-{}", name.trim_end_matches(".json").trim_end_matches(".csv").to_owned() + ".csv"), &csv);
            }
        };
        let back = upload.scope.with(|s| s.page_path(upload.spec.back.0));
        Some(view! {
            <section class=format!("mt-4 rounded-xl border px-4 py-4 sm:px-5 {tone}") role="status" aria-labelledby="result-title" data-testid="upload-result">
                <h2 id="result-title" class="text-base font-semibold text-zinc-900">{headline}</h2>
                <p class="mt-1 text-sm text-zinc-700" data-testid="result-counts">
                    {format!("{} rows · {} created · {} failed · {}", grouped(outcome.total as i64), grouped(outcome.succeeded as i64), grouped(failed as i64), if outcome.mode == BulkMode::Atomic { "all or nothing" } else { "partial" })}
                    {outcome.recorded.then_some(" · recorded in the import history")}
                </p>
                {(failed > 0).then(|| view! {
                    <ul class="mt-3 divide-y divide-amber-200/70" aria-label="Failed rows">{items}</ul>
                    {(failed > SHOWN).then(|| view! { <p class="mt-1 text-sm text-zinc-700">{format!("…and {} more in the download.", grouped((failed - SHOWN) as i64))}</p> })}
                })}
                <div class="mt-4 flex flex-wrap gap-2">
                    {(failed > 0).then(|| view! {
                        <button type="button" class=BUTTON_SECONDARY on:click=download.clone() data-testid="download-failed">
                            <Icon name=IconName::Download/>
                            "Download failed rows (CSV)"
                        </button>
                    })}
                    <a href=back class=BUTTON_PRIMARY>{format!("See the {}", upload.spec.items)}</a>
                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| upload.reset()>"Upload another file"</button>
                </div>
            </section>
        })
    }
}

/// A file was read: guess its columns and prepare its rows.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn loaded(upload: Upload, name: String, text: String) {
    upload.problem.set(None);
    match tabular::read_file(&name, &text, upload.spec.list_key) {
        Ok(table) => {
            upload.mapping.set(Mapping::guess(upload.spec.columns, &table.headers));
            upload.loaded.set(Some(Loaded { name, table: Arc::new(table) }));
            prepare(upload);
        }
        Err(message) => {
            upload.phase.set(Phase::Idle);
            upload.problem.set(Some(format!("{name}: {message}")));
        }
    }
}

/// (Re)builds the rows from the file and the mapping: resolves names to ids and validates.
fn prepare(upload: Upload) {
    let Some(loaded) = upload.loaded.get_untracked() else { return };
    let mapping = upload.mapping.get_untracked();
    upload.server.set(HashMap::new());
    upload.checked.set(false);
    let missing = mapping.missing(upload.spec.columns);
    if !missing.is_empty() {
        upload.rows.set(None);
        upload.phase.set(Phase::Ready);
        upload.problem.set(Some(format!("Choose the column for: {}.", missing.join(", "))));
        return;
    }
    upload.problem.set(None);
    upload.phase.set(Phase::Preparing);
    let prepared = (upload.spec.prepare)(upload.scope.get_untracked(), loaded.table, mapping);
    leptos::task::spawn_local(async move {
        match prepared.await {
            Ok(rows) => {
                upload.rows.set(Some(Arc::new(rows)));
                upload.phase.set(Phase::Ready);
            }
            Err(err) => {
                upload.phase.set(Phase::Ready);
                upload.problem.set(Some(format!("{}: {}", upload.spec.prepare_failed, err.body.message)));
            }
        }
    });
}

/// `{ "<list_key>": items }`: a bulk-create body.
fn bulk_body(list_key: &str, items: &[(usize, Value)]) -> Value {
    let mut body = serde_json::Map::new();
    body.insert(list_key.to_owned(), Value::Array(items.iter().map(|(_, item)| item.clone()).collect()));
    Value::Object(body)
}

/// A column's header in the preview: its label up to the first parenthesis.
fn header_of(column: &Column) -> &'static str {
    column.label.split(" (").next().unwrap_or(column.label)
}

/// Help text with its `backticked` parts as code.
fn with_code(text: &'static str) -> impl IntoView {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 { view! { <code class="rounded bg-zinc-100 px-1">{part}</code> }.into_any() } else { part.into_any() }
        })
        .collect_view()
}

/// The rows that will be sent: ready locally (and not refused by the last check).
fn ready_rows(upload: &Upload) -> Vec<(usize, Value)> {
    let server = upload.server.get_untracked();
    upload.rows.with_untracked(|rows| {
        rows.iter()
            .flat_map(|rows| rows.iter())
            .filter(|r| r.is_ready() && !server.contains_key(&r.index))
            .map(|r| (r.index, r.item.clone()))
            .collect()
    })
}

/// The reason of a failed item, in words.
fn reason(code: u16, error: Option<&crate::dto::ApiErrorBody>) -> String {
    error.map(|e| e.message.clone()).unwrap_or_else(|| format!("Failed ({code})."))
}

/// `dry_run` of the ready rows, 1,000 at a time; the server's refusals join the preview.
fn check_with_server(upload: Upload) {
    let rows = ready_rows(&upload);
    let total = rows.len();
    let path = format!("{}?mode=partial&dry_run=true", (upload.spec.bulk_path)(&upload.scope.get_untracked()));
    let list_key = upload.spec.list_key;
    upload.problem.set(None);
    upload.phase.set(Phase::Checking { done: 0, total });
    leptos::task::spawn_local(async move {
        let mut refused = HashMap::new();
        for (chunk_index, chunk) in rows.chunks(CHUNK).enumerate() {
            match api::post_bulk::<_, Value>(&path, &bulk_body(list_key, chunk), None).await {
                Ok(response) => {
                    for result in response.results.iter().filter(|r| !r.is_success()) {
                        if let Some((index, _)) = chunk.get(result.index) {
                            refused.insert(*index, reason(result.code, result.error.as_ref()));
                        }
                    }
                }
                Err(err) => {
                    upload.phase.set(Phase::Ready);
                    upload.problem.set(Some(format!("The check stopped: {}", err.body.message)));
                    return;
                }
            }
            upload.phase.set(Phase::Checking { done: (chunk_index * CHUNK + chunk.len()).min(total), total });
        }
        let any = !refused.is_empty();
        upload.server.set(refused);
        upload.checked.set(true);
        upload.only_errors.set(any);
        upload.phase.set(Phase::Ready);
    });
}

/// Sends the ready rows: one atomic request, or partial chunks of 1,000.
fn send_rows(upload: Upload) {
    let rows = ready_rows(&upload);
    let mode = upload.mode.get_untracked();
    let scope = upload.scope.get_untracked();
    let total_rows = upload.rows.with_untracked(|r| r.as_ref().map_or(0, |r| r.len()));
    // Rows that never leave the page: their reasons are the result's too.
    let mut failures: Vec<(usize, String)> = upload.rows.with_untracked(|rows| {
        let server = upload.server.get_untracked();
        rows.iter()
            .flat_map(|rows| rows.iter())
            .filter_map(|r| {
                if !r.is_ready() {
                    Some((r.index, r.errors.join(" ")))
                } else {
                    server.get(&r.index).map(|reason| (r.index, reason.clone()))
                }
            })
            .collect()
    });
    if mode == BulkMode::Atomic && !failures.is_empty() {
        return;
    }
    let file_name = upload.loaded.with_untracked(|l| l.as_ref().map(|l| l.name.clone())).unwrap_or_default();
    let total = rows.len();
    upload.problem.set(None);
    upload.phase.set(Phase::Uploading { done: 0, total, atomic: mode == BulkMode::Atomic });
    let path = format!("{}?mode={}", (upload.spec.bulk_path)(&scope), mode.as_str());
    let (list_key, in_environment) = (upload.spec.list_key, upload.spec.in_environment);
    let chunk_size = if mode == BulkMode::Atomic { MAX_UPLOAD_ROWS } else { CHUNK };
    let batch = browser::random_key();
    leptos::task::spawn_local(async move {
        let mut succeeded = 0;
        for (chunk_index, chunk) in rows.chunks(chunk_size).enumerate() {
            let request = bulk_body(list_key, chunk);
            // One key per chunk of this upload: a chunk retried after a lost answer is replayed.
            let key = format!("upload-{batch}-{chunk_index}");
            match api::post_bulk::<_, Value>(&path, &request, Some(&key)).await {
                Ok(response) => {
                    succeeded += response.summary.succeeded;
                    // 424: a good row undone with its batch (atomic); not a row to fix.
                    for result in response.results.iter().filter(|r| !r.is_success() && r.code != 424) {
                        if let Some((index, _)) = chunk.get(result.index) {
                            failures.push((*index, reason(result.code, result.error.as_ref())));
                        }
                    }
                }
                Err(err) => {
                    // What was sent before stays (partial mode); the rest is reported as not sent.
                    for (index, _) in &rows[chunk_index * chunk_size..] {
                        failures.push((*index, format!("Not sent: {}", err.body.message)));
                    }
                    upload.problem.set(Some(format!("The upload stopped: {}", err.body.message)));
                    break;
                }
            }
            upload.phase.set(Phase::Uploading { done: (chunk_index * chunk_size + chunk.len()).min(total), total, atomic: mode == BulkMode::Atomic });
        }
        if mode == BulkMode::Atomic && !failures.is_empty() {
            succeeded = 0;
        }
        failures.sort_by_key(|(index, _)| *index);
        let record = RecordBulkImportRequest {
            file_name: file_name.clone(),
            environment: in_environment.then(|| scope.environment.clone()),
            total_rows: total_rows as i64,
            succeeded: succeeded as i64,
            failed: failures.len() as i64,
            mode,
        };
        let recorded = api::post_json::<_, BulkImportResponse>(&format!("{}/bulk-imports", identities_path(&scope)), &record).await.is_ok();
        upload.outcome.set(Some(Outcome { mode, total: total_rows, succeeded, failures, recorded }));
        upload.phase.set(Phase::Done);
    });
}

/// What only a browser can do: read a file, offer a download, make a random key.
mod browser {
    use super::Upload;

    #[cfg(feature = "hydrate")]
    fn read(upload: Upload, file: web_sys::File) {
        use leptos::prelude::*;

        use super::Phase;
        let name = file.name();
        upload.phase.set(Phase::Reading);
        leptos::task::spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|v| v.as_string()) {
                Some(text) => super::loaded(upload, name, text),
                None => {
                    upload.phase.set(Phase::Idle);
                    upload.problem.set(Some(format!("{name} could not be read as text.")));
                }
            }
        });
    }

    pub fn take_picked(upload: Upload, ev: &leptos::ev::Event) {
        #[cfg(feature = "hydrate")]
        {
            let input: web_sys::HtmlInputElement = leptos::prelude::event_target(ev);
            if let Some(file) = input.files().and_then(|files| files.get(0)) {
                read(upload, file);
            }
            // The same file picked again is a new upload.
            input.set_value("");
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (upload, ev);
    }

    pub fn take_dropped(upload: Upload, ev: &leptos::ev::DragEvent) {
        #[cfg(feature = "hydrate")]
        if let Some(file) = ev.data_transfer().and_then(|d| d.files()).and_then(|files| files.get(0)) {
            read(upload, file);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (upload, ev);
    }

    /// Offers `text` as a file download named `name`.
    pub fn download(name: &str, text: &str) {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
            let options = web_sys::BlobPropertyBag::new();
            options.set_type("text/csv;charset=utf-8");
            let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
            let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
            let document = leptos::prelude::document();
            if let Ok(anchor) = document.create_element("a")
                && let Ok(anchor) = anchor.dyn_into::<web_sys::HtmlAnchorElement>()
            {
                anchor.set_href(&url);
                anchor.set_download(name);
                anchor.click();
            }
            let _ = web_sys::Url::revoke_object_url(&url);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (name, text);
    }

    /// A key unique enough to tell this upload's chunks from any other's.
    pub fn random_key() -> String {
        #[cfg(feature = "hydrate")]
        let random = (js_sys::Math::random() * 1e15) as u64;
        #[cfg(not(feature = "hydrate"))]
        let random = 0u64;
        format!("{:x}-{:x}", super::now_millis(), random)
    }
}
