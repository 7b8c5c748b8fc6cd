//! The assignments table's whole state as it lives in the URL (`?q=ada&role=…&page=2`), so a
//! reload, the back button and a shared link all bring the same view back; and the API query
//! it becomes.

use leptos_router::params::ParamsMap;

use crate::{
    dto::{AssignmentSort, AssignmentStatus, SortOrder},
    pages::list_query::{ListParams, ListView, UrlQuery},
    scope::encode_query_value,
};

/// Any `take` in a URL within the API's range is kept as given, not only the sizes offered.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableQuery {
    pub page: u32,
    pub take: u32,
    pub q: String,
    pub sort: AssignmentSort,
    pub order: SortOrder,
    pub role: Option<String>,
    pub status: Option<AssignmentStatus>,
    pub node: Option<String>,
}

impl Default for TableQuery {
    fn default() -> Self {
        Self {
            page: 1,
            take: DEFAULT_PAGE_SIZE,
            q: String::new(),
            sort: AssignmentSort::CreatedAt,
            order: SortOrder::Desc,
            role: None,
            status: None,
            node: None,
        }
    }
}

pub fn parse_sort(raw: &str) -> Option<AssignmentSort> {
    match raw {
        "name" => Some(AssignmentSort::Name),
        "role" => Some(AssignmentSort::Role),
        "created_at" => Some(AssignmentSort::CreatedAt),
        _ => None,
    }
}

pub fn parse_status(raw: &str) -> Option<AssignmentStatus> {
    AssignmentStatus::ALL.into_iter().find(|s| s.as_str() == raw)
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty() && v.len() <= 100)
}

impl TableQuery {
    /// Reads the URL's query. What is out of range or unknown falls back to the default rather
    /// than making the API answer 400: a hand-edited link still shows a table.
    pub fn from_params(params: &ParamsMap) -> Self {
        let common = ListParams::read(params, DEFAULT_PAGE_SIZE);
        let sort = params.get("sort").as_deref().and_then(parse_sort).unwrap_or(Self::default().sort);
        Self {
            page: common.page,
            take: common.take,
            q: common.q,
            sort,
            order: common.order.unwrap_or_else(|| default_order(sort)),
            role: non_empty(params.get("role")),
            status: params.get("status").as_deref().and_then(parse_status),
            node: non_empty(params.get("node")),
        }
    }

    /// The URL query for this state (with its leading `?`), naming only what differs from the
    /// default so links stay short; empty for the default view.
    pub fn to_search(&self) -> String {
        let mut url = UrlQuery::new(&self.q);
        url.push("status", self.status.map(|s| s.as_str()));
        url.push("role", self.role.as_deref());
        url.push("node", self.node.as_deref());
        let sort = (self.sort != Self::default().sort || self.order != default_order(self.sort)).then(|| (self.sort.as_str(), self.order));
        url.finish(sort, self.take, DEFAULT_PAGE_SIZE, self.page)
    }

    /// The `assignments/app-wide` query string for this state, at another page and size.
    pub fn api_query(&self, page: u32, take: u32) -> String {
        format!("page={page}&take={take}&{}", self.filter_query())
    }

    /// The filters and sort of [`Self::api_query`] without a page: what an export takes.
    pub fn filter_query(&self) -> String {
        let mut query = format!("sort_by={}&order={}", self.sort.as_str(), self.order.as_str());
        if !self.q.trim().is_empty() {
            query.push_str(&format!("&q={}", encode_query_value(self.q.trim())));
        }
        if let Some(status) = self.status {
            query.push_str(&format!("&status={}", status.as_str()));
        }
        if let Some(role) = &self.role {
            query.push_str(&format!("&role_id={}", encode_query_value(role)));
        }
        if let Some(node) = &self.node {
            query.push_str(&format!("&source_node_id={}", encode_query_value(node)));
        }
        query
    }

    /// Any filter or search narrows the list (sorting and paging do not).
    pub fn is_filtered(&self) -> bool {
        !self.q.trim().is_empty() || self.role.is_some() || self.status.is_some() || self.node.is_some()
    }

}

/// Names read A→Z; the newest assignments first.
pub fn default_order(sort: AssignmentSort) -> SortOrder {
    match sort {
        AssignmentSort::CreatedAt => SortOrder::Desc,
        AssignmentSort::Name | AssignmentSort::Role => SortOrder::Asc,
    }
}

impl ListView for TableQuery {
    type Sort = AssignmentSort;

    fn page_mut(&mut self) -> &mut u32 {
        &mut self.page
    }

    fn sort_mut(&mut self) -> (&mut AssignmentSort, &mut SortOrder) {
        (&mut self.sort, &mut self.order)
    }

    fn natural_order(sort: AssignmentSort) -> SortOrder {
        default_order(sort)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::pages::list_query::params_of as params;

    #[test]
    fn default_view_has_an_empty_query() {
        assert_eq!(TableQuery::from_params(&params(&[])), TableQuery::default());
        assert_eq!(TableQuery::default().to_search(), "");
    }

    #[test]
    fn state_round_trips_through_the_url() {
        let state = TableQuery {
            page: 3,
            take: 50,
            q: "ada l".into(),
            sort: AssignmentSort::Name,
            order: SortOrder::Desc,
            role: Some("r1".into()),
            status: Some(AssignmentStatus::Scheduled),
            node: Some("n1".into()),
        };
        let search = state.to_search();
        assert_eq!(search, "?q=ada%20l&status=scheduled&role=r1&node=n1&sort=name&order=desc&take=50&page=3");
        let pairs: Vec<(String, String)> = search[1..]
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k.to_owned(), v.replace("%20", " "))
            })
            .collect();
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(TableQuery::from_params(&params(&refs)), state);
    }

    #[test]
    fn out_of_range_values_fall_back_instead_of_failing() {
        let state = TableQuery::from_params(&params(&[("take", "1000"), ("page", "0"), ("status", "gone"), ("sort", "x")]));
        assert_eq!(state, TableQuery::default());
    }

    #[test]
    fn sorting_toggles_and_resets_the_page() {
        let state = TableQuery { page: 4, ..Default::default() };
        let by_name = state.sorted_by(AssignmentSort::Name);
        assert_eq!((by_name.sort, by_name.order, by_name.page), (AssignmentSort::Name, SortOrder::Asc, 1));
        assert_eq!(by_name.sorted_by(AssignmentSort::Name).order, SortOrder::Desc);
        assert_eq!(state.sorted_by(AssignmentSort::CreatedAt).order, SortOrder::Asc);
    }

    #[test]
    fn api_query_names_the_filters() {
        let state = TableQuery { role: Some("r".into()), q: " x ".into(), ..Default::default() };
        assert_eq!(state.api_query(2, 100), "page=2&take=100&sort_by=created_at&order=desc&q=x&role_id=r");
    }
}
