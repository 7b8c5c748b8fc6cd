//! Where the admin is working: the account / application / environment named in the URL
//! (`/a/:account/:app/:env/...`), and the paths built from it.

use serde::{Deserialize, Serialize};

use crate::dto::MeResponse;

/// The slugs of the environment a dashboard page is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Scope {
    pub account: String,
    pub application: String,
    pub environment: String,
}

impl Scope {
    pub fn new(account: impl Into<String>, application: impl Into<String>, environment: impl Into<String>) -> Self {
        Self { account: account.into(), application: application.into(), environment: environment.into() }
    }

    /// The environment's overview page; the other pages hang below it.
    pub fn overview_path(&self) -> String {
        format!(
            "/a/{}/{}/{}",
            encode_segment(&self.account),
            encode_segment(&self.application),
            encode_segment(&self.environment)
        )
    }

    /// A dashboard page of this environment: `""` is the overview, else a section slug.
    pub fn page_path(&self, section: &str) -> String {
        if section.is_empty() { self.overview_path() } else { format!("{}/{section}", self.overview_path()) }
    }

    /// `GET` this for the environment and its counts.
    pub fn environment_api_path(&self) -> String {
        format!(
            "/portal/v1/accounts/{}/applications/{}/environments/{}",
            encode_segment(&self.account),
            encode_segment(&self.application),
            encode_segment(&self.environment)
        )
    }

    /// Whether the signed-in admin can see this environment, per `GET /portal/v1/me`.
    pub fn is_visible_in(&self, me: &MeResponse) -> bool {
        me.accounts
            .iter()
            .filter(|account| account.slug == self.account)
            .flat_map(|account| &account.applications)
            .filter(|application| application.slug == self.application)
            .flat_map(|application| &application.environments)
            .any(|environment| environment.slug == self.environment)
    }

    /// "Billing · Production": the application and environment names, per `GET /portal/v1/me`.
    pub fn title_in(&self, me: &MeResponse) -> Option<String> {
        let application = me
            .accounts
            .iter()
            .filter(|account| account.slug == self.account)
            .flat_map(|account| &account.applications)
            .find(|application| application.slug == self.application)?;
        let environment = application.environments.iter().find(|environment| environment.slug == self.environment)?;
        Some(format!("{} · {}", application.name, environment.name))
    }

    /// The first environment the admin can manage: where `/` sends a signed-in admin.
    pub fn first_in(me: &MeResponse) -> Option<Scope> {
        me.accounts.iter().find_map(|account| {
            account.applications.iter().find_map(|application| {
                application
                    .environments
                    .first()
                    .map(|environment| Scope::new(&account.slug, &application.slug, &environment.slug))
            })
        })
    }
}

/// Production gets its own colour everywhere it is named, so nobody edits it by mistake.
pub fn is_production(environment_slug: &str) -> bool {
    matches!(environment_slug, "production" | "prod" | "live") || environment_slug.starts_with("prod-")
}

/// The sign-in page, coming back to `next` afterwards.
pub fn login_path(next: &str) -> String {
    format!("/login?next={}", encode_query_value(next))
}

/// Only same-site paths are followed after sign-in (`/x`, never `//host` or `https://...`); the
/// server applies the same rule to form posts.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_owned(),
        _ => "/".to_owned(),
    }
}

/// Percent-encodes a query value, keeping `/` readable.
pub fn encode_query_value(value: &str) -> String {
    encode(value, |b| b == b'/')
}

/// Percent-encodes one path segment: a slug from the URL cannot reach another endpoint.
fn encode_segment(value: &str) -> String {
    encode(value, |_| false)
}

fn encode(value: &str, also_keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') || also_keep(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `1 row`, `2 rows`, `1,000 rows`: a count with its noun.
pub fn counted(count: usize, one: &str, many: &str) -> String {
    if count == 1 { format!("1 {one}") } else { format!("{} {many}", grouped(count as i64)) }
}

/// `1234567` → `1,234,567`: counts read at a glance.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::{AccountSummary, AdminProfile, ApplicationSummary, EnvironmentSummary};

    fn me() -> MeResponse {
        let env = |slug: &str| EnvironmentSummary { id: slug.into(), slug: slug.into(), name: slug.into() };
        MeResponse {
            admin: AdminProfile { id: "a".into(), email: "admin@acme.example".into(), name: "Ada".into() },
            accounts: vec![AccountSummary {
                id: "1".into(),
                slug: "acme".into(),
                name: "Acme".into(),
                role: crate::dto::MembershipRole::Owner,
                applications: vec![
                    ApplicationSummary { id: "2".into(), slug: "empty".into(), name: "Empty".into(), environments: vec![] },
                    ApplicationSummary {
                        id: "3".into(),
                        slug: "billing".into(),
                        name: "Billing".into(),
                        environments: vec![env("development"), env("production")],
                    },
                ],
            }],
        }
    }

    #[test]
    fn first_environment_skips_applications_without_any() {
        assert_eq!(Scope::first_in(&me()), Some(Scope::new("acme", "billing", "development")));
    }

    #[test]
    fn visibility_follows_me() {
        assert!(Scope::new("acme", "billing", "production").is_visible_in(&me()));
        assert!(!Scope::new("acme", "billing", "staging").is_visible_in(&me()));
        assert!(!Scope::new("globex", "billing", "production").is_visible_in(&me()));
        assert_eq!(Scope::new("acme", "billing", "production").title_in(&me()).as_deref(), Some("Billing · production"));
        assert_eq!(Scope::new("acme", "billing", "staging").title_in(&me()), None);
    }

    #[test]
    fn paths_encode_what_is_not_a_slug() {
        let scope = Scope::new("acme", "bill/ing", "prod?x");
        assert_eq!(scope.overview_path(), "/a/acme/bill%2Fing/prod%3Fx");
        assert_eq!(scope.page_path("nodes"), "/a/acme/bill%2Fing/prod%3Fx/nodes");
        assert_eq!(scope.environment_api_path(), "/portal/v1/accounts/acme/applications/bill%2Fing/environments/prod%3Fx");
        assert_eq!(login_path("/a/acme/billing/production"), "/login?next=/a/acme/billing/production");
        assert_eq!(login_path("/a?b=c&d"), "/login?next=/a%3Fb%3Dc%26d");
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/a/acme")), "/a/acme");
        for bad in [Some("//evil.example"), Some("https://evil.example"), Some("/\\evil"), None] {
            assert_eq!(safe_next(bad), "/");
        }
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1234567), "1,234,567");
        assert_eq!(grouped(-4200), "-4,200");
    }
}
