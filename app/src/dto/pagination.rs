//! `page` / `take` paging, as every list endpoint does it.

use serde::{Deserialize, Serialize};

use super::FieldErrors;

pub const DEFAULT_TAKE: u32 = 20;
pub const MAX_TAKE: u32 = 100;

/// The raw query parameters. Out-of-range values are an error, never clamped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct PageQuery {
    /// 1-based page number, 1–4294967295 (default 1); out of range is a 400, never clamped.
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 4294967295.0, default = 1))]
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 20); out of range is a 400, never clamped.
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 100, default = 20))]
    pub take: Option<i64>,
}

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub take: u32,
}

impl PageRequest {
    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.take)
    }
}

impl PageQuery {
    pub fn parse(&self) -> Result<PageRequest, FieldErrors> {
        let mut errors = FieldErrors::new();
        let page = self.page.unwrap_or(1);
        let take = self.take.unwrap_or(i64::from(DEFAULT_TAKE));
        if !(1..=i64::from(u32::MAX)).contains(&page) {
            errors.add("page", format!("page must be between 1 and {}.", u32::MAX));
        }
        if !(1..=i64::from(MAX_TAKE)).contains(&take) {
            errors.add("take", format!("take must be between 1 and {MAX_TAKE}."));
        }
        errors.into_result()?;
        Ok(PageRequest { page: page as u32, take: take as u32 })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PageMeta {
    pub page: u32,
    pub take: u32,
    pub item_count: u64,
    pub page_count: u64,
    pub has_previous_page: bool,
    pub has_next_page: bool,
}

impl PageMeta {
    pub fn new(request: PageRequest, item_count: u64) -> Self {
        let page_count = item_count.div_ceil(u64::from(request.take));
        Self {
            page: request.page,
            take: request.take,
            item_count,
            page_count,
            has_previous_page: request.page > 1,
            has_next_page: u64::from(request.page) < page_count,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Paginated<T> {
    pub items: Vec<T>,
    pub pagination: PageMeta,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_first_page_of_twenty() {
        assert_eq!(PageQuery::default().parse().unwrap(), PageRequest { page: 1, take: 20 });
    }

    #[test]
    fn out_of_range_values_are_errors_not_clamped() {
        let errors = PageQuery { page: Some(0), take: Some(101) }.parse().unwrap_err();
        assert!(errors.get("page").is_some());
        assert!(errors.get("take").is_some());
        assert!(PageQuery { page: Some(1), take: Some(0) }.parse().is_err());
    }

    #[test]
    fn meta_on_last_and_past_the_end_pages() {
        let last = PageMeta::new(PageRequest { page: 3, take: 10 }, 25);
        assert_eq!((last.page_count, last.has_previous_page, last.has_next_page), (3, true, false));
        let beyond = PageMeta::new(PageRequest { page: 9, take: 10 }, 25);
        assert!(!beyond.has_next_page);
        let empty = PageMeta::new(PageRequest { page: 1, take: 20 }, 0);
        assert_eq!((empty.page_count, empty.has_previous_page, empty.has_next_page), (0, false, false));
    }
}
