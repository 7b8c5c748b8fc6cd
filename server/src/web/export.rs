//! CSV exports: every row a list's filters select, across all its pages, streamed as the
//! database reads them.
//!
//! A feature hands [`csv_download`] a producer (one streaming statement of its store, see
//! `store::paging::stream_rows`) and how one row becomes cells. Rows travel through a bounded
//! channel to an encoder that sends the body in chunks, so an export of 100,000 rows holds a few
//! hundred rows in memory, not the result, and a client that goes away stops the statement.
//! A statement that fails half-way aborts the body (the download fails visibly) instead of
//! ending it as if complete.

use std::{future::Future, sync::Arc};

use app::tabular::{Cells, push_record};
use axum::{
    body::{Body, Bytes},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use tokio::sync::{Semaphore, mpsc};

use super::{
    error::{AppError, AppResult},
    openapi::Op,
};
use crate::store::StoreResult;

/// Exports that may stream at once per process; each holds one database connection while it runs.
pub const CONCURRENT_EXPORTS: usize = 2;
/// Rows read ahead of the encoder.
const ROWS_IN_FLIGHT: usize = 512;
/// The body is sent in chunks of about this many bytes.
const CHUNK_BYTES: usize = 64 * 1024;

/// The permits of [`CONCURRENT_EXPORTS`], shared by every export route.
pub struct Exports(Arc<Semaphore>);

impl Default for Exports {
    fn default() -> Self {
        Self(Arc::new(Semaphore::new(CONCURRENT_EXPORTS)))
    }
}

/// 400 when an export's query names a page: an export holds every page.
pub fn refuse_paging(page: Option<i64>, take: Option<i64>) -> AppResult<()> {
    let mut errors = app::dto::FieldErrors::new();
    for (field, given) in [("page", page), ("take", take)] {
        if given.is_some() {
            errors.add(field, "An export holds every page of the list; leave out page and take.");
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::invalid_query(errors)) }
}

/// A `text/csv` attachment named `file_name`: `header`, then a record of `cells` for each row
/// `produce` sends. 429 `export_busy` while [`CONCURRENT_EXPORTS`] others are streaming.
pub fn csv_download<T, P, F>(
    exports: &Exports,
    file_name: &str,
    header: &'static [&'static str],
    produce: P,
    mut cells: impl FnMut(T, &mut Vec<String>) + Send + 'static,
) -> AppResult<Response>
where
    T: Send + 'static,
    P: FnOnce(mpsc::Sender<T>) -> F,
    F: Future<Output = StoreResult<()>> + Send + 'static,
{
    let permit = exports.0.clone().try_acquire_owned().map_err(|_| AppError::TooManyRequests {
        code: "export_busy",
        message: format!("{CONCURRENT_EXPORTS} exports are already running; try again when one has finished."),
        retry_after_secs: 5,
    })?;
    let (rows_tx, mut rows) = mpsc::channel::<T>(ROWS_IN_FLIGHT);
    let (chunks_tx, chunks) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let producer = tokio::spawn(produce(rows_tx));
    tokio::spawn(async move {
        // A byte-order mark, so that spreadsheets read the file as UTF-8 (Émile, not Ã‰mile).
        let mut out = String::from("\u{feff}");
        push_record(&mut out, header.iter().copied(), Cells::Exported);
        let mut record = Vec::with_capacity(header.len());
        while let Some(row) = rows.recv().await {
            record.clear();
            cells(row, &mut record);
            push_record(&mut out, record.iter().map(String::as_str), Cells::Exported);
            if out.len() >= CHUNK_BYTES && chunks_tx.send(Ok(std::mem::take(&mut out).into())).await.is_err() {
                return; // the client went away; dropping `rows` stops the statement
            }
        }
        let last = match producer.await {
            Ok(Ok(())) => Ok(out.into()),
            Ok(Err(cause)) => {
                tracing::error!(%cause, "an export's statement failed; the download is aborted");
                Err(std::io::Error::other("the export failed"))
            }
            Err(cause) => {
                tracing::error!(%cause, "an export's producer panicked; the download is aborted");
                Err(std::io::Error::other("the export failed"))
            }
        };
        let _ = chunks_tx.send(last).await;
    });
    // The permit travels with the body: the export counts as running until its client has read
    // it to the end or gone away.
    // `poll_recv` answers `None` again when polled after the end, which layers that poll a
    // finished body once more (the response compression does) rely on; `unfold` panics there.
    let (mut chunks, mut permit) = (chunks, Some(permit));
    let body = Body::from_stream(futures_util::stream::poll_fn(move |cx| {
        let next = chunks.poll_recv(cx);
        if let std::task::Poll::Ready(None) = next {
            permit.take(); // read to the end: the next export may start
        }
        next
    }));
    let disposition = format!("attachment; filename=\"{file_name}\"");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(AppError::internal)?),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response())
}

/// An export's operation in the OpenAPI document: `columns` (and what the import that reads
/// them back is), the CSV answer and the refusals every export shares.
pub fn documented(op: Op, description: &'static str) -> Op {
    op.describe(description)
        .csv(200, "Every matching row, streamed: a header, then one record per row.")
        .error(400, "`page` or `take` given (an export holds every page), or an invalid filter.")
        .error(429, "Two exports are already streaming in this process (`export_busy`); `Retry-After` says when to try again.")
}

/// An export's file name: `<what>-<scope>-<UTC date and time>.csv`, from slugs and a fixed
/// format only, so it needs no quoting in `Content-Disposition`.
pub fn file_name(what: &str, scope: &[&str]) -> String {
    let now = time::OffsetDateTime::now_utc();
    let stamp = format!("{:04}{:02}{:02}-{:02}{:02}", now.year(), u8::from(now.month()), now.day(), now.hour(), now.minute());
    let mut name = String::from(what);
    for part in scope {
        name.push('-');
        name.extend(part.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_'));
    }
    format!("{name}-{stamp}.csv")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_is_refused_by_name() {
        assert!(refuse_paging(None, None).is_ok());
        let body = refuse_paging(Some(2), None).unwrap_err().body();
        assert_eq!(body.code, "invalid_query");
        assert!(body.details.contains_key("page") && !body.details.contains_key("take"));
    }

    #[test]
    fn file_names_keep_only_safe_characters() {
        let name = file_name("assignments", &["acme", "bill\"ing", "prod uction"]);
        assert!(name.starts_with("assignments-acme-billing-production-"), "{name}");
        assert!(name.ends_with(".csv") && !name.contains('"') && !name.contains(' '));
    }
}
