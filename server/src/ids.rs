//! Identifiers: UUIDv7 strings — opaque to clients, roughly time-ordered for index locality.

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
