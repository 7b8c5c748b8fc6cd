//! A list's `page` / `take` / `search` / `order` as the store's page spec; a bad one is a 400.

use app::dto::{ListQuery, PageRequest, SortOrder};

use crate::{
    store::PageSpec,
    web::error::{AppError, AppResult},
};

pub fn page_spec(query: &ListQuery) -> AppResult<(PageRequest, PageSpec)> {
    let page = query.page_request().map_err(AppError::invalid_query)?;
    let spec = PageSpec {
        search: query.search().map(str::to_owned),
        order: query.order.unwrap_or(SortOrder::Asc),
        limit: i64::from(page.take),
        offset: page.offset() as i64,
    };
    Ok((page, spec))
}
