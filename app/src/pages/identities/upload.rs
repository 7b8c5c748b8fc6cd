//! `/a/:account/:app/:env/identities/upload`: bulk import of identities from a CSV or JSON file,
//! through the shared wizard ([`crate::components::upload`]). What is particular to identities:
//! the columns (those of the identity export, so an edited export imports again), the shared
//! [`CreateIdentityRequest`] validation of each row, and the emails the application already has
//! (one `identities/lookup`), refused before anything is sent.

use std::{collections::HashSet, sync::Arc};

use leptos::prelude::*;

use crate::{
    api,
    components::{
        picker::identities_path,
        upload::{
            Prepared, UploadSpec, UploadWizard,
            rows::{Column, Mapping, PreparedRow, Repeats},
        },
    },
    dto::{CreateIdentityRequest, EmailAddress, IdentityLookupRequest, IdentityLookupResponse, IdentityStatus, Validate},
    scope::Scope,
    tabular::Table,
};

/// The columns an identity import reads; only the email is required.
pub const COLUMNS: &[Column] = &[
    Column { key: "email", label: "Email", required: true, aliases: &["email", "emailaddress", "mail", "identityemail", "useremail"], help: "Unique in the application, in any letter case." },
    Column { key: "first_name", label: "First name", required: false, aliases: &["firstname", "givenname", "first"], help: "Up to 100 characters." },
    Column { key: "last_name", label: "Last name", required: false, aliases: &["lastname", "surname", "familyname", "last"], help: "Up to 100 characters." },
    Column { key: "name", label: "Display name", required: false, aliases: &["name", "displayname", "fullname"], help: "Left empty: `first last`, or the email's local part." },
    Column { key: "avatar_url", label: "Avatar URL", required: false, aliases: &["avatarurl", "avatar", "pictureurl", "photourl"], help: "An `https://` address of a picture." },
    Column { key: "status", label: "Status", required: false, aliases: &["status", "state"], help: "`active` (when empty) or `inactive`." },
];

const EMAIL: usize = 0;
const FIRST_NAME: usize = 1;
const LAST_NAME: usize = 2;
const NAME: usize = 3;
const AVATAR_URL: usize = 4;
const STATUS: usize = 5;

const SPEC: UploadSpec = UploadSpec {
    title: "Import identities",
    intro: "Add many identities at once from a CSV or JSON file, such as an identity export edited in a spreadsheet. Nothing is written until you upload; you can check every row with Canopy first.",
    item: "identity",
    items: "identities",
    row_hint: "One identity per row, with a header row.",
    back: ("identities", "Identities"),
    columns: COLUMNS,
    list_key: "identities",
    bulk_path: |scope| format!("{}/bulk-create", identities_path(scope)),
    template: (
        "data:text/csv;charset=utf-8,email,first_name,last_name,name,avatar_url,status%0D%0Aada%40example.com,Ada,Lovelace,,,active%0D%0A",
        "canopy-identities-template.csv",
    ),
    dates: false,
    in_environment: false,
    preparing: "Looking up the emails…",
    prepare_failed: "Could not look up the application's identities",
    prepare,
};

#[component]
pub fn IdentityUploadPage() -> impl IntoView {
    view! { <UploadWizard spec=SPEC/> }
}

fn prepare(scope: Scope, table: Arc<Table>, mapping: Mapping) -> Prepared {
    Box::pin(async move {
        let mut request = IdentityLookupRequest::default();
        let mut asked = HashSet::new();
        for index in 0..table.rows.len() {
            if let Ok(email) = EmailAddress::parse(table.cell(index, mapping.get(EMAIL)))
                && asked.insert(email.normalized())
            {
                request.emails.push(email.as_str().to_owned());
            }
        }
        let mut taken = HashSet::new();
        if !request.emails.is_empty() {
            let found: IdentityLookupResponse = api::post_json(&format!("{}/lookup", identities_path(&scope)), &request).await?;
            taken.extend(found.items.into_iter().map(|identity| crate::dto::fold_case(&identity.email)));
        }
        Ok(prepare_rows(&table, &mapping, &taken))
    })
}

/// Every row as a [`CreateIdentityRequest`] with its problems: the shared validation's, a
/// status that is neither `active` nor `inactive`, an email the application has (`taken`,
/// folded) and an email an earlier row has.
pub fn prepare_rows(table: &Table, mapping: &Mapping, taken: &HashSet<String>) -> Vec<PreparedRow> {
    let mut repeats = Repeats::default();
    (0..table.rows.len())
        .map(|index| {
            let cell = |position: usize| table.cell(index, mapping.get(position)).to_owned();
            let optional = |position: usize| Some(cell(position)).filter(|v| !v.is_empty());
            let mut errors = Vec::new();
            let status = match optional(STATUS).map(|raw| raw.to_lowercase().parse::<IdentityStatus>()) {
                None => None,
                Some(Ok(status)) => Some(status),
                Some(Err(_)) => {
                    errors.push(format!("Status “{}” is neither active nor inactive.", cell(STATUS)));
                    None
                }
            };
            let request = CreateIdentityRequest {
                email: cell(EMAIL),
                first_name: cell(FIRST_NAME),
                last_name: cell(LAST_NAME),
                name: optional(NAME),
                avatar_url: optional(AVATAR_URL),
                status,
            };
            if let Err(problems) = request.validate() {
                errors.extend(problems.0.into_values());
            }
            if let Ok(email) = EmailAddress::parse(&request.email) {
                let folded = email.normalized();
                if taken.contains(&folded) {
                    errors.push(format!("{} already has an identity here.", request.email));
                } else if errors.is_empty() {
                    errors.extend(repeats.check(folded, index));
                }
            }
            let item = serde_json::to_value(&request).unwrap_or_default();
            PreparedRow { index, item, errors }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tabular::parse_csv;

    #[test]
    fn an_identity_export_maps_itself() {
        let headers: Vec<String> =
            ["id", "first_name", "last_name", "name", "email", "avatar_url", "status", "created_at", "updated_at"].into_iter().map(String::from).collect();
        assert_eq!(Mapping::guess(COLUMNS, &headers), Mapping(vec![Some(4), Some(1), Some(2), Some(3), Some(5), Some(6)]));
    }

    #[test]
    fn rows_become_requests_with_every_problem_found_before_sending() {
        let table = parse_csv(
            "E-mail,First Name,Surname,Status,Avatar\n\
             ada@acme.example,Ada,Lovelace,Active,\n\
             not-an-email,Bo,,,\n\
             TAKEN@acme.example,Cy,,,\n\
             ADA@acme.example,Ada,Again,,\n\
             dee@acme.example,Dee,,suspended,\n\
             eve@acme.example,Eve,,,ftp://pictures/eve.png\n",
        )
        .unwrap();
        let mapping = Mapping::guess(COLUMNS, &table.headers);
        let taken: HashSet<String> = ["taken@acme.example".to_owned()].into();
        let rows = prepare_rows(&table, &mapping, &taken);
        assert!(rows[0].is_ready(), "{:?}", rows[0].errors);
        assert_eq!(
            serde_json::from_value::<CreateIdentityRequest>(rows[0].item.clone()).unwrap(),
            CreateIdentityRequest {
                email: "ada@acme.example".into(),
                first_name: "Ada".into(),
                last_name: "Lovelace".into(),
                name: None,
                avatar_url: None,
                status: Some(IdentityStatus::Active),
            }
        );
        assert_eq!(rows[1].errors.len(), 1, "{:?}", rows[1].errors);
        assert_eq!(rows[2].errors, vec!["TAKEN@acme.example already has an identity here."]);
        assert_eq!(rows[3].errors, vec!["Repeats row 2."], "emails compare in any letter case");
        assert_eq!(rows[4].errors, vec!["Status “suspended” is neither active nor inactive."]);
        assert_eq!(rows[5].errors.len(), 1, "the avatar must be an http(s) URL: {:?}", rows[5].errors);
        assert!(rows.iter().skip(1).all(|r| !r.is_ready()));
    }
}
