//! The bulk contract, shared by every bulk endpoint: the options (`?mode=`, `?dry_run=`), the
//! batch size limit, one error shape per item, and how per-item outcomes become the response:
//! all good 200; otherwise partial mode commits the good ones (207) and atomic mode writes
//! nothing (422, the good ones reported as `424 batch_rolled_back`).

use app::dto::{ApiErrorBody, BulkItemResult, BulkMode, BulkQuery, BulkResponse, FieldErrors, MAX_BULK_ITEMS};
use axum::http::StatusCode;
use serde_json::Value;

use crate::{
    domain::role::SystemRoleRefused,
    store::Unique,
    web::error::{AppError, taken},
};

/// Options every bulk endpoint takes.
#[derive(Debug, Clone, Copy)]
pub struct BulkOptions {
    pub mode: BulkMode,
    pub dry_run: bool,
}

impl From<BulkQuery> for BulkOptions {
    fn from(query: BulkQuery) -> Self {
        BulkOptions { mode: query.mode.unwrap_or_default(), dry_run: query.dry_run.unwrap_or(false) }
    }
}

/// 413 beyond [`MAX_BULK_ITEMS`], 422 on `field` for an empty batch.
pub fn check_batch_size(len: usize, field: &str) -> Result<(), AppError> {
    if len > MAX_BULK_ITEMS {
        return Err(AppError::PayloadTooLarge {
            message: format!("A bulk request takes at most {MAX_BULK_ITEMS} items; this one has {len}."),
        });
    }
    if len == 0 {
        return Err(AppError::invalid_field(field, format!("Send between 1 and {MAX_BULK_ITEMS} items.")));
    }
    Ok(())
}

/// Why one item (or a single write) was refused: its HTTP status and the error body.
#[derive(Debug, Clone)]
pub struct ItemError {
    pub status: StatusCode,
    pub body: ApiErrorBody,
}

impl ItemError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self { status, body: ApiErrorBody::new(code, message) }
    }

    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.body.details.insert(key.into(), value.into());
        self
    }

    pub fn not_found(what: &str, field: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, &format!("{what}_not_found"), format!("No {what} with this id in this environment."))
            .detail(field, id)
    }

    /// A body that is not the item's type.
    pub fn malformed(err: impl std::fmt::Display) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "This item is malformed.").detail("body", err.to_string())
    }

    pub fn invalid(errors: FieldErrors) -> Self {
        let mut error = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "Some fields are invalid.");
        error.body.details = errors.0.into_iter().map(|(field, message)| (field, Value::String(message))).collect();
        error
    }

    /// 409: a unique constraint's value is already stored (the code and sentence of [`taken`]).
    pub fn taken(unique: &Unique) -> Self {
        let (code, message) = taken(unique);
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn duplicate(first_index: usize) -> Self {
        Self::new(StatusCode::CONFLICT, "duplicate_item", "The same item appears earlier in this request.")
            .detail("duplicate_of", first_index)
    }

    fn rolled_back() -> Self {
        Self::new(StatusCode::FAILED_DEPENDENCY, "batch_rolled_back", "Not written: another item of this all-or-nothing batch failed.")
    }
}

impl From<ItemError> for AppError {
    fn from(error: ItemError) -> Self {
        AppError::Item { status: error.status, body: error.body }
    }
}

impl From<SystemRoleRefused> for ItemError {
    fn from(refused: SystemRoleRefused) -> Self {
        ItemError { status: SystemRoleRefused::STATUS, body: refused.body() }
    }
}

/// A bulk call's answer, and whether its writes may be committed.
pub struct BulkOutcome<T> {
    pub status: StatusCode,
    pub body: BulkResponse<T>,
    /// False for a dry run and for an atomic batch with a failure: write nothing.
    pub commit: bool,
}

/// Turns per-item outcomes (each failure with the item's input) into the response.
/// `input_of(index)` is what a rolled-back item reports as its input; `success_code` is each
/// written item's code (200 for a dry run).
pub fn finish<T>(
    outcomes: Vec<Result<T, (ItemError, Value)>>,
    input_of: impl Fn(usize) -> Value,
    options: BulkOptions,
    success_code: StatusCode,
) -> BulkOutcome<T> {
    let failed = outcomes.iter().any(Result::is_err);
    let rolled_back = failed && options.mode == BulkMode::Atomic;
    let code = if options.dry_run { StatusCode::OK } else { success_code };
    let results = outcomes
        .into_iter()
        .enumerate()
        .map(|(index, outcome)| match outcome {
            Ok(_) if rolled_back => {
                let error = ItemError::rolled_back();
                BulkItemResult::failure(index, error.status.as_u16(), input_of(index), error.body)
            }
            Ok(data) => BulkItemResult::success(index, code.as_u16(), data),
            Err((error, input)) => BulkItemResult::failure(index, error.status.as_u16(), input, error.body),
        })
        .collect();
    let status = match (failed, options.mode) {
        (false, _) => StatusCode::OK,
        (true, BulkMode::Partial) => StatusCode::MULTI_STATUS,
        (true, BulkMode::Atomic) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    BulkOutcome { status, body: BulkResponse::new(results), commit: !(rolled_back || options.dry_run) }
}
