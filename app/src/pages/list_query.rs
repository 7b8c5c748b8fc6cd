//! What every list page reads from its URL and writes back the same way: the page, its size,
//! the search term and the sort order. Out-of-range or unknown values fall back to the default
//! rather than making the API answer 400: a hand-edited link still shows a table.

use leptos_router::params::ParamsMap;

use crate::{
    dto::{MAX_SEARCH_LEN, MAX_TAKE, SortOrder},
    scope::encode_query_value,
};

/// The paging, search and order of a list's URL.
pub struct ListParams {
    pub page: u32,
    pub take: u32,
    pub q: String,
    /// `None` when the URL names no valid order: the sort's own default applies.
    pub order: Option<SortOrder>,
}

impl ListParams {
    pub fn read(params: &ParamsMap, default_take: u32) -> Self {
        let number = |key: &str| params.get(key).and_then(|v| v.trim().parse::<u32>().ok());
        let mut q = params.get("q").unwrap_or_default();
        if q.len() > MAX_SEARCH_LEN {
            q = q.chars().take(MAX_SEARCH_LEN / 4).collect();
        }
        Self {
            page: number("page").filter(|p| *p >= 1).unwrap_or(1),
            take: number("take").filter(|t| (1..=MAX_TAKE).contains(t)).unwrap_or(default_take),
            q,
            order: match params.get("order").as_deref() {
                Some("asc") => Some(SortOrder::Asc),
                Some("desc") => Some(SortOrder::Desc),
                _ => None,
            },
        }
    }
}

/// The order after a click on a column header: flipped when the list is already sorted by that
/// column, else the column's natural order.
pub fn next_order(same_column: bool, order: SortOrder, natural: SortOrder) -> SortOrder {
    match (same_column, order) {
        (true, SortOrder::Asc) => SortOrder::Desc,
        (true, SortOrder::Desc) => SortOrder::Asc,
        (false, _) => natural,
    }
}

/// A list page's view as its URL holds it: how a new filter and a click on a column header
/// change it, the same for every list.
pub trait ListView: Clone {
    type Sort: Copy + PartialEq;

    fn page_mut(&mut self) -> &mut u32;
    /// The column sorted by, and in which order.
    fn sort_mut(&mut self) -> (&mut Self::Sort, &mut SortOrder);
    /// The order a column sorts in when first clicked.
    fn natural_order(sort: Self::Sort) -> SortOrder;

    /// The same view with a change, back on page 1 (a new filter makes the old page meaningless).
    fn refiltered(&self, change: impl FnOnce(&mut Self)) -> Self {
        let mut next = self.clone();
        change(&mut next);
        *next.page_mut() = 1;
        next
    }

    /// Sorting by a column: its natural order first, flipped when it is already sorted by it.
    fn sorted_by(&self, sort: Self::Sort) -> Self {
        self.refiltered(|next| {
            let (current, order) = next.sort_mut();
            *order = next_order(*current == sort, *order, Self::natural_order(sort));
            *current = sort;
        })
    }
}

/// A list's URL query, built from its own filters (`parts`, after the search term) and the
/// common tail; only what differs from the default is named, so links stay short.
pub struct UrlQuery {
    parts: Vec<String>,
}

impl UrlQuery {
    pub fn new(q: &str) -> Self {
        let q = q.trim();
        Self { parts: if q.is_empty() { Vec::new() } else { vec![format!("q={}", encode_query_value(q))] } }
    }

    pub fn push(&mut self, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.parts.push(format!("{key}={}", encode_query_value(value)));
        }
    }

    /// Sort (when not the default), page size (when not the default), page (when not the first),
    /// then the `?…` string, empty for the default view.
    pub fn finish(mut self, sort: Option<(&str, SortOrder)>, take: u32, default_take: u32, page: u32) -> String {
        if let Some((sort, order)) = sort {
            self.parts.push(format!("sort={sort}"));
            self.parts.push(format!("order={}", order.as_str()));
        }
        if take != default_take {
            self.parts.push(format!("take={take}"));
        }
        if page != 1 {
            self.parts.push(format!("page={page}"));
        }
        if self.parts.is_empty() { String::new() } else { format!("?{}", self.parts.join("&")) }
    }
}

/// A `ParamsMap` of these pairs, for the query modules' tests.
#[cfg(test)]
pub fn params_of(pairs: &[(&str, &str)]) -> ParamsMap {
    let mut map = ParamsMap::new();
    for (k, v) in pairs {
        map.insert(k.to_string(), (*v).to_owned());
    }
    map
}
