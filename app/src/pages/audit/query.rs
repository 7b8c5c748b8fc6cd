//! The audit log's view as the URL holds it (`?action=node&from=…&to=…&page=2&open=<id>`), and
//! the [`AuditQuery`] it asks the API — the server's own type, checked by the server's own rule
//! ([`AuditQuery::page_request`]) before anything is sent. A view the API would refuse (a
//! "before" earlier than "from", an instant that is not one, a malformed action) is kept in the
//! URL as typed and shown refused, never quietly dropped.

use leptos_router::params::ParamsMap;

use crate::{
    dto::{AuditQuery, FieldErrors, Timestamp},
    pages::list_query::{ListParams, UrlQuery},
    scope::encode_query_value,
};

pub const DEFAULT_PAGE_SIZE: u32 = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditView {
    pub page: u32,
    pub take: u32,
    /// An environment slug; empty for every environment (and the application's own events).
    pub environment: String,
    pub actor: String,
    pub target: String,
    pub action: String,
    /// Instants as the URL has them (RFC 3339, UTC); read by [`AuditView::query`].
    pub from: String,
    pub to: String,
    /// The event whose before/after is open.
    pub open: Option<String>,
}

/// The whole log, first page.
impl Default for AuditView {
    fn default() -> Self {
        Self {
            page: 1,
            take: DEFAULT_PAGE_SIZE,
            environment: String::new(),
            actor: String::new(),
            target: String::new(),
            action: String::new(),
            from: String::new(),
            to: String::new(),
            open: None,
        }
    }
}

impl AuditView {
    pub fn from_params(params: &ParamsMap) -> Self {
        let common = ListParams::read(params, DEFAULT_PAGE_SIZE);
        let text = |key: &str| params.get(key).map(|v| v.trim().to_owned()).unwrap_or_default();
        Self {
            page: common.page,
            take: common.take,
            environment: text("environment"),
            actor: text("actor"),
            target: text("target"),
            action: text("action"),
            from: text("from"),
            to: text("to"),
            open: params.get("open").filter(|v| !v.is_empty()),
        }
    }

    pub fn to_search(&self) -> String {
        let mut url = UrlQuery::new("");
        let some = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
        for (key, value) in [
            ("environment", &self.environment),
            ("actor", &self.actor),
            ("target", &self.target),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            url.push(key, some(value).as_deref());
        }
        url.push("open", self.open.as_deref());
        url.finish(None, self.take, DEFAULT_PAGE_SIZE, self.page)
    }

    /// The same view with a change of filter: back on page 1, nothing open.
    pub fn refiltered(&self, change: impl FnOnce(&mut Self)) -> Self {
        let mut next = self.clone();
        change(&mut next);
        next.page = 1;
        next.open = None;
        next
    }

    pub fn is_filtered(&self) -> bool {
        [&self.environment, &self.actor, &self.target, &self.action, &self.from, &self.to].iter().any(|v| !v.is_empty())
    }

    /// The API query of this view, or why the API would refuse it (field → message, with the
    /// query's own field names: `from`, `to`, `action`, `page`, `take`).
    pub fn query(&self) -> Result<AuditQuery, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut instant = |field: &str, raw: &str| {
            if raw.is_empty() {
                return None;
            }
            match Timestamp::parse(raw) {
                Ok(at) => Some(at),
                Err(message) => {
                    errors.add(field, message);
                    None
                }
            }
        };
        let from = instant("from", &self.from);
        let to = instant("to", &self.to);
        let some = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
        let query = AuditQuery {
            page: Some(i64::from(self.page)),
            take: Some(i64::from(self.take)),
            environment: some(&self.environment),
            actor: some(&self.actor),
            target: some(&self.target),
            action: some(&self.action),
            from,
            to,
        };
        if let Err(more) = query.page_request() {
            for (field, message) in more.0 {
                errors.add(field, message);
            }
        }
        errors.into_result().map(|()| query)
    }
}

/// The `GET APP/audit-events` query string of a valid query.
pub fn api_query(query: &AuditQuery) -> String {
    let page = format!("page={}&take={}", query.page.unwrap_or(1), query.take.unwrap_or(i64::from(DEFAULT_PAGE_SIZE)));
    match filter_query(query) {
        filters if filters.is_empty() => page,
        filters => format!("{page}&{filters}"),
    }
}

/// The filters of `query` as a query string, without its page: what `audit-events/export`
/// takes (it holds every page).
pub fn filter_query(query: &AuditQuery) -> String {
    let mut parts = Vec::new();
    for (key, value) in [
        ("environment", query.environment.clone()),
        ("actor", query.actor.clone()),
        ("target", query.target.clone()),
        ("action", query.action.clone()),
        ("from", query.from.map(|t| t.to_rfc3339())),
        ("to", query.to.map(|t| t.to_rfc3339())),
    ] {
        if let Some(value) = value {
            parts.push(format!("{key}={}", encode_query_value(&value)));
        }
    }
    parts.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::list_query::params_of;

    #[test]
    fn the_view_round_trips_through_the_url() {
        let view = AuditView {
            page: 2,
            take: 50,
            environment: "production".into(),
            actor: "a1".into(),
            target: "t1".into(),
            action: "node".into(),
            from: "2026-01-01T00:00:00Z".into(),
            to: "2026-02-01T00:00:00Z".into(),
            open: Some("e1".into()),
        };
        let search = view.to_search();
        assert_eq!(
            search,
            "?environment=production&actor=a1&target=t1&action=node&from=2026-01-01T00%3A00%3A00Z&to=2026-02-01T00%3A00%3A00Z&open=e1&take=50&page=2"
        );
        let pairs: Vec<(String, String)> = search[1..]
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                (k.to_owned(), v.replace("%3A", ":"))
            })
            .collect();
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(AuditView::from_params(&params_of(&refs)), view);
        let query = view.query().unwrap();
        assert_eq!(
            api_query(&query),
            "page=2&take=50&environment=production&actor=a1&target=t1&action=node&from=2026-01-01T00%3A00%3A00.000Z&to=2026-02-01T00%3A00%3A00.000Z",
            "the API gets the instants as the contract writes them, with milliseconds"
        );
        assert_eq!(filter_query(&query), api_query(&query).trim_start_matches("page=2&take=50&"), "an export takes the filters, not the page");
    }

    #[test]
    fn a_before_earlier_than_from_is_refused_by_the_servers_rule() {
        let view = AuditView { from: "2026-02-01T00:00:00Z".into(), to: "2026-01-01T00:00:00Z".into(), ..AuditView::default() };
        let errors = view.query().unwrap_err();
        assert!(errors.get("to").is_some());
        // The same instant is an empty range, not an error (the server agrees).
        let same = AuditView { to: view.from.clone(), ..view.clone() };
        assert!(same.query().is_ok());
    }

    #[test]
    fn unreadable_instants_and_actions_are_refused_not_ignored() {
        let view = AuditView { from: "yesterday".into(), action: "Node!".into(), ..AuditView::default() };
        let errors = view.query().unwrap_err();
        assert!(errors.get("from").is_some());
        assert!(errors.get("action").is_some());
    }

    #[test]
    fn a_new_filter_goes_back_to_page_one_and_closes_the_event() {
        let view = AuditView { page: 3, open: Some("e".into()), ..AuditView::default() };
        let next = view.refiltered(|v| v.action = "node".into());
        assert_eq!((next.page, next.open), (1, None));
    }
}
