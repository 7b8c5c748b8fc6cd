//! The OpenAPI document's builder: operations ([`Op`]) described once and mounted under every
//! prefix that serves them ([`Mount`]), because one generic handler
//! (`create::<C: EnvironmentCaller>`) serves both `/portal/v1/.../environments/{env_slug}/...` and
//! `/api/v1/...`. A mount adds what its prefix brings: the security requirement and the errors
//! its extractors answer with (401/403 from the auth extractors, 404 for slugs that are not the
//! admin's, 400/413/422 from the JSON and query extractors), so those are never forgotten.
//!
//! Schemas and query parameters come from the Rust types themselves: the DTOs derive
//! `utoipa::ToSchema` / `IntoParams` (in `app`, under `ssr` only). Each feature describes its own
//! operations in its `docs.rs`; `features::reference` assembles and serves the document, and the
//! integration tests compare it with the router's own table of routes
//! ([`crate::web::registry::ApiRoutes`]) in both directions.

use std::collections::{BTreeMap, HashSet};

use app::dto::{ApiErrorBody, BulkResponse, Paginated, Timestamp};
use utoipa::{
    IntoParams, PartialSchema, ToSchema,
    openapi::{
        Components, HttpMethod, InfoBuilder, LicenseBuilder, OpenApi, OpenApiBuilder, Paths, Ref, RefOr, Required,
        Schema,
        content::ContentBuilder,
        header::HeaderBuilder,
        path::{OperationBuilder, Parameter, ParameterBuilder, ParameterIn},
        request_body::{RequestBody, RequestBodyBuilder},
        response::{Response as ApiResponse, ResponseBuilder},
        schema::{ArrayBuilder, ArrayItems, ObjectBuilder, OneOfBuilder, Type},
        security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
        tag::Tag,
    },
};

use crate::MAX_BODY_BYTES;

const DESCRIPTION: &str = "\
Canopy's REST API: the admin API under `/portal/v1` (what the portal itself calls) and the management \
API under `/api/v1` (environment-scoped, for your backend).

**Principals.** An admin sends `Authorization: Bearer <JWT>` from `POST /portal/v1/auth/login` (the \
portal keeps the same token in an HttpOnly cookie). A management client sends its environment's \
`X-API-Key`, or a Bearer JWT from `POST /api/v1/auth/token`. An identity sends a Bearer JWT minted \
by `POST /api/v1/identities/{id}/tokens`, and may call only `/api/v1/me/*`. Missing, malformed, badly \
signed or expired credentials are a 401; a valid token of the wrong principal type a 403 \
`wrong_principal_type`; another account's or environment's objects a 404.

**Errors.** Every non-2xx response is `{ \"code\", \"message\", \"details\" }` (`ApiErrorBody`); \
`details` names the offending fields.

**Lists.** `page` (1-based, 1-4294967295, default 1) and `take` (1-100, default 20); out-of-range \
values are a 400, never clamped. Responses are `{ \"items\": [...], \"pagination\": {...} }`.

**Rules a schema cannot state.** Each schema states the bounds and formats the server enforces; \
these relate two fields or the stored data, and are refused with the status in brackets: an \
assignment's `effective_to` after its `effective_from` (422), an audit query's `to` not before its \
`from` (400), a bulk import's `succeeded + failed` at most its `total_rows` (422), ids and permission \
keys in a body that exist in the environment (404, or 422 where the operation says so), a node not \
moved under itself or its descendants (422).

**Timestamps.** UTC, RFC 3339 with milliseconds (`2026-04-20T12:00:00.000Z`); inputs accept any \
RFC 3339 offset.

**Bulk writes.** `?mode=atomic` (default, all or nothing: 422 with every item's outcome) or \
`?mode=partial` (207 with mixed results); `?dry_run=true` validates without writing; at most 10,000 \
items (413 beyond). Assignment bulk endpoints honour an `Idempotency-Key` header.";

/// Who may call an operation: its security requirement and the auth errors it can answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    Anyone,
    Admin,
    /// `X-API-Key` or a management Bearer token.
    Management,
    /// An identity's Bearer token.
    Identity,
    /// `X-API-Key` only (the exchange for a token).
    ApiKey,
}

/// A prefix operations are mounted under, with who may call them there.
#[derive(Debug, Clone, Copy)]
pub struct Mount {
    prefix: &'static str,
    /// Tag group and operationId prefix (`portal`, `management`, ...).
    audience: &'static str,
    caller: Caller,
}

pub const ROOT: Mount = Mount { prefix: "", audience: "", caller: Caller::Anyone };
pub const PORTAL: Mount = Mount { prefix: "/portal/v1", audience: "Portal", caller: Caller::Admin };
pub const PORTAL_APP: Mount =
    Mount { prefix: "/portal/v1/accounts/{account_slug}/applications/{app_slug}", audience: "Portal", caller: Caller::Admin };
pub const PORTAL_ENV: Mount = Mount {
    prefix: "/portal/v1/accounts/{account_slug}/applications/{app_slug}/environments/{env_slug}",
    audience: "Portal",
    caller: Caller::Admin,
};
pub const MANAGEMENT_API: Mount = Mount { prefix: "/api/v1", audience: "Management", caller: Caller::Management };
pub const IDENTITY_API: Mount = Mount { prefix: "/api/v1", audience: "Identity", caller: Caller::Identity };

/// Collected component schemas, name → schema.
pub type Schemas = Vec<(String, RefOr<Schema>)>;
/// Registers what a body refers to and returns the schema (usually a `$ref`) to use.
pub type SchemaFn = fn(&mut Schemas) -> RefOr<Schema>;

/// `T` as a named component (with everything it refers to); returns its `$ref`.
pub fn component<T: ToSchema>(schemas: &mut Schemas) -> RefOr<Schema> {
    named::<T>(T::name().into_owned(), schemas)
}

/// Generic types share one `ToSchema::name` (`Paginated`), so each instance is named here.
fn named<T: ToSchema>(name: String, schemas: &mut Schemas) -> RefOr<Schema> {
    schemas.push((name.clone(), T::schema()));
    T::schemas(schemas);
    Ref::from_schema_name(name).into()
}

/// `Paginated<T>` as `{T}Page`. A generic's `schemas()` leaves out its type argument, which
/// its schema refers to, so `T` is registered here too.
pub fn page<T: ToSchema>(schemas: &mut Schemas) -> RefOr<Schema> {
    component::<T>(schemas);
    named::<Paginated<T>>(format!("{}Page", T::name()), schemas)
}

/// `BulkResponse<T>` as `Bulk{T}` (see [`page`]).
pub fn bulk<T: ToSchema>(schemas: &mut Schemas) -> RefOr<Schema> {
    component::<T>(schemas);
    named::<BulkResponse<T>>(format!("Bulk{}", T::name()), schemas)
}

/// A JSON array of `T`.
pub fn list<T: ToSchema>(schemas: &mut Schemas) -> RefOr<Schema> {
    let item = component::<T>(schemas);
    ArrayBuilder::new().items(ArrayItems::RefOrSchema(Box::new(item))).into()
}

/// What one status of one operation means, before it becomes a response object.
#[derive(Default)]
struct Outcome {
    reasons: Vec<String>,
    json: Vec<RefOr<Schema>>,
    /// Text media types answered besides JSON (`text/html`, `text/csv`).
    text: Vec<&'static str>,
    headers: Vec<(String, String)>,
}

/// One operation, relative to the [`Mount`] it is put under.
pub struct Op {
    method: HttpMethod,
    path: &'static str,
    id: &'static str,
    tag: &'static str,
    summary: &'static str,
    description: Option<&'static str>,
    caller: Option<Caller>,
    id_description: &'static str,
    query: Vec<Parameter>,
    headers: Vec<Parameter>,
    body: Option<RequestBody>,
    outcomes: BTreeMap<u16, Outcome>,
    schemas: Schemas,
}

impl Op {
    fn new(method: HttpMethod, path: &'static str, id: &'static str, tag: &'static str, summary: &'static str) -> Self {
        Self {
            method,
            path,
            id,
            tag,
            summary,
            description: None,
            caller: None,
            id_description: "The object's id.",
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            outcomes: BTreeMap::new(),
            schemas: Vec::new(),
        }
    }

    pub fn get(path: &'static str, id: &'static str, tag: &'static str, summary: &'static str) -> Self {
        Self::new(HttpMethod::Get, path, id, tag, summary)
    }

    pub fn post(path: &'static str, id: &'static str, tag: &'static str, summary: &'static str) -> Self {
        Self::new(HttpMethod::Post, path, id, tag, summary)
    }

    pub fn put(path: &'static str, id: &'static str, tag: &'static str, summary: &'static str) -> Self {
        Self::new(HttpMethod::Put, path, id, tag, summary)
    }

    pub fn patch(path: &'static str, id: &'static str, tag: &'static str, summary: &'static str) -> Self {
        Self::new(HttpMethod::Patch, path, id, tag, summary)
    }

    pub fn delete(path: &'static str, id: &'static str, tag: &'static str, summary: &'static str) -> Self {
        Self::new(HttpMethod::Delete, path, id, tag, summary)
    }

    pub fn describe(mut self, description: &'static str) -> Self {
        self.description = Some(description);
        self
    }

    /// Callable without credentials, whatever the mount.
    pub fn anyone(mut self) -> Self {
        self.caller = Some(Caller::Anyone);
        self
    }

    pub fn api_key_only(mut self) -> Self {
        self.caller = Some(Caller::ApiKey);
        self
    }

    pub fn id_is(mut self, description: &'static str) -> Self {
        self.id_description = description;
        self
    }

    /// Query parameters from the type the handler extracts; a bad query string is a 400.
    /// `Q`'s parameters without `page` and `take`: an export's query, which holds every page
    /// (`web::export::refuse_paging` answers 400 when they are given anyway).
    pub fn query_of_every_page<Q: IntoParams>(self) -> Self {
        let mut op = self.query::<Q>();
        op.query.retain(|p| p.name != "page" && p.name != "take");
        op
    }

    pub fn query<Q: IntoParams>(mut self) -> Self {
        self.query.extend(Q::into_params(|| Some(ParameterIn::Query)));
        self.error(400, "The query string is invalid: an unknown parameter, a wrong type or value, or `page` / `take` out of range (`invalid_query`).")
    }

    pub fn header_param(mut self, name: &str, description: &str) -> Self {
        self.headers.push(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(description))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(255))))
                .build(),
        );
        self
    }

    /// Optimistic concurrency for a write of `what` (`web::conditional`): an optional
    /// `If-Match` with the ETag a read gave, and the 412 when the object has moved on since.
    pub fn conditional(mut self, what: &str) -> Self {
        let tag = r#"(W/)?"[\x21\x23-\x7e]*""#;
        self.headers.push(
            ParameterBuilder::new()
                .name("If-Match")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(format!(
                    "Write only if the {what} is still at this version: the `ETag` of a read (or `*`). Without it the write is unconditional."
                )))
                .schema(Some(
                    ObjectBuilder::new().schema_type(Type::String).max_length(Some(1024)).pattern(Some(format!(r"^(\*|{tag}(, ?{tag})*)$"))),
                ))
                .build(),
        );
        self.error(400, "`If-Match` is not `*` or a list of entity tags (`invalid_if_match`).")
            .error(412, &format!("`If-Match` names another version: the {what} changed since it was read, and nothing was written (`precondition_failed`)."))
    }

    /// A read that accepts a `Canopy-Revision` (`web::revision`): answered at least that fresh.
    pub fn fresh(mut self) -> Self {
        self.headers.push(
            ParameterBuilder::new()
                .name("Canopy-Revision")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "A `Canopy-Revision` a write answered with: the answer reflects at least that write. Without it, the answer is at most 100 ms behind.",
                ))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String).max_length(Some(4096)).pattern(Some(r"^[0-9a-f-]+\.[rsc][0-9:,~a-f-]+$"))))
                .build(),
        );
        self.error(400, "`Canopy-Revision` is not a token of this database, or names a revision it has not reached (`invalid_revision`).")
    }

    /// The `ETag` of the object a `status` answer carries: its version, for `If-Match`.
    pub fn tagged(self, status: u16) -> Self {
        self.header(status, "ETag", "The object's version, to send back in `If-Match` with a change.")
    }

    pub fn json_body(self, schema: SchemaFn) -> Self {
        self.body_with("application/json", schema, true).body_errors()
    }

    pub fn optional_json_body(self, schema: SchemaFn) -> Self {
        self.body_with("application/json", schema, false).body_errors()
    }

    pub fn form_body(self, schema: SchemaFn) -> Self {
        self.body_with("application/x-www-form-urlencoded", schema, true)
    }

    /// Adds a media type to the request body (login takes JSON or a form).
    fn body_with(mut self, media_type: &str, schema: SchemaFn, required: bool) -> Self {
        let schema = schema(&mut self.schemas);
        let required = if required { Required::True } else { Required::False };
        let body = self.body.get_or_insert_with(|| RequestBodyBuilder::new().required(Some(required)).build());
        body.content.insert(media_type.to_owned(), ContentBuilder::new().schema(Some(schema)).build());
        self
    }

    /// What the JSON extractor answers for a body it cannot take.
    fn body_errors(self) -> Self {
        self.error(400, "The body is not valid JSON, or is sent without `Content-Type: application/json`.")
            .error(413, &format!("The body is larger than {} MiB.", MAX_BODY_BYTES / (1024 * 1024)))
            .error(422, "The body has unknown or missing fields, wrong types or invalid values; `details` names them.")
    }

    pub fn ok(mut self, status: u16, description: &str, schema: SchemaFn) -> Self {
        let schema = schema(&mut self.schemas);
        let outcome = self.outcomes.entry(status).or_default();
        outcome.reasons.push(description.to_owned());
        outcome.json.push(schema);
        self
    }

    pub fn empty(mut self, status: u16, description: &str) -> Self {
        self.outcomes.entry(status).or_default().reasons.push(description.to_owned());
        self
    }

    pub fn html(mut self, status: u16, description: &str) -> Self {
        let outcome = self.outcomes.entry(status).or_default();
        outcome.reasons.push(description.to_owned());
        outcome.text.push("text/html");
        self
    }

    /// A streamed `text/csv` attachment (an export), named by `Content-Disposition`.
    pub fn csv(mut self, status: u16, description: &str) -> Self {
        let outcome = self.outcomes.entry(status).or_default();
        outcome.reasons.push(description.to_owned());
        outcome.text.push("text/csv");
        self.header(status, "Content-Disposition", "`attachment; filename=\"<list>-<account>-<application>-<environment>-<UTC time>.csv\"`.")
    }

    pub fn redirect(self, status: u16, description: &str) -> Self {
        self.empty(status, description).header(status, "Location", "Where to go next.")
    }

    pub fn header(mut self, status: u16, name: &str, description: &str) -> Self {
        self.outcomes.entry(status).or_default().headers.push((name.to_owned(), description.to_owned()));
        self
    }

    /// The bulk contract: 200 all succeeded, 207 mixed (partial mode), 422 rolled back (atomic
    /// mode), each with every item's outcome.
    pub fn bulk(self, schema: SchemaFn) -> Self {
        self.ok(200, "Every item succeeded (or, with `dry_run`, would).", schema)
            .ok(207, "`mode=partial` with failures: the valid items were committed; each result says how its item fared.", schema)
            .ok(422, "`mode=atomic` with failures: nothing was written; failing items carry their error, the others `code: 424` `batch_rolled_back`.", schema)
    }

    /// An error status with the contract's error body.
    pub fn error(mut self, status: u16, description: &str) -> Self {
        let error_body = component::<ApiErrorBody>(&mut self.schemas);
        let outcome = self.outcomes.entry(status).or_default();
        if !outcome.reasons.iter().any(|reason| reason == description) {
            outcome.reasons.push(description.to_owned());
        }
        outcome.json.push(error_body);
        self
    }
}

#[derive(Default)]
pub struct Document {
    paths: Paths,
    schemas: BTreeMap<String, RefOr<Schema>>,
    tags: Vec<String>,
}

impl Document {
    pub fn mount(&mut self, mount: Mount, op: Op) {
        let caller = op.caller.unwrap_or(mount.caller);
        let path = format!("{}{}", mount.prefix, op.path);
        let mut op = match caller {
            Caller::Anyone => op,
            Caller::ApiKey => op.error(401, "The X-API-Key header is missing, unknown or revoked (`unauthorized`)."),
            _ => op
                .error(401, "Credentials are missing, malformed, badly signed or expired (`unauthorized`).")
                .error(403, "A valid token of another principal type (`wrong_principal_type`)."),
        };
        if path.contains("{account_slug}") {
            op = op.error(404, "The account, application or environment in the path does not exist or is not this admin's.");
        }
        let tag = if mount.audience.is_empty() { op.tag.to_owned() } else { format!("{}: {}", mount.audience, op.tag) };
        if !self.tags.contains(&tag) {
            self.tags.push(tag.clone());
        }
        let operation_id =
            if mount.audience.is_empty() { op.id.to_owned() } else { format!("{}_{}", mount.audience.to_lowercase(), op.id) };

        let mut parameters = path_parameters(&path, op.id_description);
        parameters.extend(op.headers);
        parameters.extend(op.query);
        let mut operation = OperationBuilder::new()
            .tag(tag)
            .summary(Some(op.summary))
            .description(op.description)
            .operation_id(Some(operation_id))
            .parameters(Some(parameters))
            .request_body(op.body)
            .securities(security(caller));
        let writes = !matches!(op.method, HttpMethod::Get | HttpMethod::Head | HttpMethod::Options);
        for (status, mut outcome) in op.outcomes {
            if writes && (200..300).contains(&status) && !mount.prefix.is_empty() {
                outcome.headers.push((
                    "Canopy-Revision".to_owned(),
                    "When the request changed data: its revision, to send back with reads that must reflect it.".to_owned(),
                ));
            }
            operation = operation.response(status.to_string(), response(outcome));
        }
        self.paths.add_path_operation(path, vec![op.method], operation.build());

        for (name, schema) in op.schemas {
            let previous = self.schemas.insert(name.clone(), schema.clone());
            debug_assert!(
                previous.as_ref().is_none_or(|previous| same_schema(previous, &schema)),
                "two different schemas are named {name}"
            );
        }
    }

    pub fn finish(self) -> OpenApi {
        let mut components = Components::new();
        components.schemas = self.schemas;
        let timestamp = Timestamp::name().into_owned();
        components.schemas.entry(timestamp).or_insert_with(Timestamp::schema);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "On /portal/v1: an admin token from POST /portal/v1/auth/login. On /api/v1: a management token from \
                         POST /api/v1/auth/token, or, for /api/v1/me/*, an identity token from POST /api/v1/identities/{id}/tokens.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "A management API key of one environment (created in the portal, shown once, stored hashed).",
            ))),
        );
        OpenApiBuilder::new()
            .info(
                InfoBuilder::new()
                    .title("Canopy API")
                    .version(env!("CARGO_PKG_VERSION"))
                    .description(Some(DESCRIPTION))
                    .license(Some(LicenseBuilder::new().name("MIT").identifier(Some("MIT")).build())),
            )
            .paths(self.paths)
            .components(Some(components))
            .tags(Some(self.tags.into_iter().map(Tag::new)))
            .build()
    }
}

fn same_schema(a: &RefOr<Schema>, b: &RefOr<Schema>) -> bool {
    serde_json::to_value(a).ok() == serde_json::to_value(b).ok()
}

fn security(caller: Caller) -> Option<Vec<SecurityRequirement>> {
    let bearer = || SecurityRequirement::new("bearer", Vec::<String>::new());
    let api_key = || SecurityRequirement::new("api_key", Vec::<String>::new());
    match caller {
        Caller::Anyone => None,
        Caller::Admin | Caller::Identity => Some(vec![bearer()]),
        Caller::Management => Some(vec![api_key(), bearer()]),
        Caller::ApiKey => Some(vec![api_key()]),
    }
}

/// One parameter per `{name}` in the path template, in order.
fn path_parameters(path: &str, id_description: &str) -> Vec<Parameter> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            let (description, example) = match name {
                "account_slug" => ("The account's slug.", Some("acme")),
                "app_slug" => ("The application's slug.", Some("billing")),
                "env_slug" => ("The environment's slug.", Some("production")),
                _ => (id_description, None),
            };
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(description))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .example(example.map(Into::into))
                .build()
        })
        .collect()
}

fn response(outcome: Outcome) -> ApiResponse {
    let mut builder = ResponseBuilder::new().description(outcome.reasons.join(" "));
    let mut seen = HashSet::new();
    let schemas: Vec<RefOr<Schema>> = outcome
        .json
        .into_iter()
        .filter(|schema| seen.insert(serde_json::to_string(schema).unwrap_or_default()))
        .collect();
    let schema: Option<RefOr<Schema>> = match schemas.len() {
        0 => None,
        1 => schemas.into_iter().next(),
        _ => Some(schemas.into_iter().fold(OneOfBuilder::new(), OneOfBuilder::item).into()),
    };
    if let Some(schema) = schema {
        builder = builder.content("application/json", ContentBuilder::new().schema(Some(schema)).build());
    }
    for media_type in outcome.text {
        builder = builder.content(media_type, ContentBuilder::new().schema(Some(ObjectBuilder::new().schema_type(Type::String))).build());
    }
    for (name, description) in outcome.headers {
        builder = builder.header(name, HeaderBuilder::new().schema(ObjectBuilder::new().schema_type(Type::String)).description(Some(description)).build());
    }
    builder.build()
}
