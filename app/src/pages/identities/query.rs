//! The identities table's state as it lives in the URL (`?q=ada&status=inactive&page=2`), so a
//! reload, the back button and a shared link bring the same view back; and the API query it
//! becomes. The same rules as the assignments table's (`assignments::query`).

use leptos_router::params::ParamsMap;

use crate::{
    dto::{IdentitySort, IdentityStatus, SortOrder},
    pages::list_query::{ListParams, ListView, UrlQuery},
    scope::encode_query_value,
};

pub const DEFAULT_PAGE_SIZE: u32 = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityQuery {
    pub page: u32,
    pub take: u32,
    pub q: String,
    pub sort: IdentitySort,
    pub order: SortOrder,
    pub status: Option<IdentityStatus>,
}

impl Default for IdentityQuery {
    fn default() -> Self {
        Self { page: 1, take: DEFAULT_PAGE_SIZE, q: String::new(), sort: IdentitySort::Name, order: SortOrder::Asc, status: None }
    }
}

pub fn sort_str(sort: IdentitySort) -> &'static str {
    match sort {
        IdentitySort::Name => "name",
        IdentitySort::Email => "email",
        IdentitySort::CreatedAt => "created_at",
    }
}

pub fn parse_sort(raw: &str) -> Option<IdentitySort> {
    [IdentitySort::Name, IdentitySort::Email, IdentitySort::CreatedAt].into_iter().find(|s| sort_str(*s) == raw)
}

pub fn parse_status(raw: &str) -> Option<IdentityStatus> {
    IdentityStatus::ALL.iter().copied().find(|s| s.as_str() == raw)
}

/// Names and emails read A→Z; the newest first.
pub fn default_order(sort: IdentitySort) -> SortOrder {
    match sort {
        IdentitySort::CreatedAt => SortOrder::Desc,
        IdentitySort::Name | IdentitySort::Email => SortOrder::Asc,
    }
}

impl IdentityQuery {
    /// Reads the URL's query; what is out of range or unknown falls back to the default, so a
    /// hand-edited link still shows a table.
    pub fn from_params(params: &ParamsMap) -> Self {
        let common = ListParams::read(params, DEFAULT_PAGE_SIZE);
        let sort = params.get("sort").as_deref().and_then(parse_sort).unwrap_or(IdentitySort::Name);
        Self {
            page: common.page,
            take: common.take,
            q: common.q,
            sort,
            order: common.order.unwrap_or_else(|| default_order(sort)),
            status: params.get("status").as_deref().and_then(parse_status),
        }
    }

    /// The URL query (with its `?`), naming only what differs from the default.
    pub fn to_search(&self) -> String {
        let mut url = UrlQuery::new(&self.q);
        url.push("status", self.status.map(|s| s.as_str()));
        let sort = (self.sort != IdentitySort::Name || self.order != default_order(self.sort)).then(|| (sort_str(self.sort), self.order));
        url.finish(sort, self.take, DEFAULT_PAGE_SIZE, self.page)
    }

    /// The `GET APP/identities` query string for this state.
    pub fn api_query(&self) -> String {
        format!("page={}&take={}&{}", self.page, self.take, self.filter_query())
    }

    /// The search, filter and sort of [`Self::api_query`] without a page: what an export takes.
    pub fn filter_query(&self) -> String {
        let mut query = format!("sort_by={}&order={}", sort_str(self.sort), self.order.as_str());
        if !self.q.trim().is_empty() {
            query.push_str(&format!("&q={}", encode_query_value(self.q.trim())));
        }
        if let Some(status) = self.status {
            query.push_str(&format!("&status={}", status.as_str()));
        }
        query
    }

    pub fn is_filtered(&self) -> bool {
        !self.q.trim().is_empty() || self.status.is_some()
    }

}

impl ListView for IdentityQuery {
    type Sort = IdentitySort;

    fn page_mut(&mut self) -> &mut u32 {
        &mut self.page
    }

    fn sort_mut(&mut self) -> (&mut IdentitySort, &mut SortOrder) {
        (&mut self.sort, &mut self.order)
    }

    fn natural_order(sort: IdentitySort) -> SortOrder {
        default_order(sort)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::pages::list_query::params_of as params;

    #[test]
    fn identity_state_round_trips_through_the_url() {
        let state = IdentityQuery {
            page: 2,
            take: 10,
            q: "ada".into(),
            sort: IdentitySort::CreatedAt,
            order: SortOrder::Asc,
            status: Some(IdentityStatus::Inactive),
        };
        assert_eq!(state.to_search(), "?q=ada&status=inactive&sort=created_at&order=asc&take=10&page=2");
        let read = IdentityQuery::from_params(&params(&[
            ("q", "ada"),
            ("status", "inactive"),
            ("sort", "created_at"),
            ("order", "asc"),
            ("take", "10"),
            ("page", "2"),
        ]));
        assert_eq!(read, state);
        assert_eq!(state.api_query(), "page=2&take=10&sort_by=created_at&order=asc&q=ada&status=inactive");
    }

    #[test]
    fn identity_defaults_and_bad_values_give_the_plain_list() {
        assert_eq!(IdentityQuery::default().to_search(), "");
        let read = IdentityQuery::from_params(&params(&[("status", "gone"), ("take", "500"), ("page", "0"), ("sort", "x")]));
        assert_eq!(read, IdentityQuery::default());
    }

    #[test]
    fn identity_sorting_toggles_and_resets_the_page() {
        let state = IdentityQuery { page: 3, ..Default::default() };
        let by_name = state.sorted_by(IdentitySort::Name);
        assert_eq!((by_name.order, by_name.page), (SortOrder::Desc, 1));
        assert_eq!(state.sorted_by(IdentitySort::CreatedAt).order, SortOrder::Desc);
    }
}
