//! Closed sets of words that the API sends and the database stores as text: an identity's
//! status, an admin's role in an account, the kind of actor behind an audit event.
//!
//! Each is one enum, declared with [`text_enum!`]: its JSON form (`serde`, snake_case), its
//! `as_str` / `FromStr`, and, on the server, its `sqlx` encoding as `TEXT` on either database,
//! so a row decodes straight into the enum and a word the schema's `CHECK` does not allow never
//! reaches a rule.

/// Declares a text enum: `text_enum!(Name { Variant => "word", ... })`.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $word)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word the API sends and the database stores.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::dto::stored::UnknownWord;

            fn from_str(word: &str) -> Result<Self, Self::Err> {
                match word {
                    $($word => Ok($name::$variant),)+
                    _ => Err($crate::dto::stored::UnknownWord { of: stringify!($name), word: word.to_owned() }),
                }
            }
        }

        #[cfg(feature = "ssr")]
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                Ok(<&'r str as sqlx::Decode<'r, DB>>::decode(value)?.parse::<$name>()?)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            &'static str: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(&self, buf: &mut <DB as sqlx::Database>::ArgumentBuffer) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&'static str as sqlx::Encode<'q, DB>>::encode_by_ref(&self.as_str(), buf)
            }
        }
    };
}

/// A stored or sent word outside an enum's set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{word:?} is not a {of}")]
pub struct UnknownWord {
    pub of: &'static str,
    pub word: String,
}

text_enum! {
    /// An identity's status. Inactive identities get no roles, no tokens and no permissions.
    IdentityStatus {
        Active => "active",
        Inactive => "inactive",
    }
}

impl IdentityStatus {
    pub fn is_active(&self) -> bool {
        *self == IdentityStatus::Active
    }
}

text_enum! {
    /// An admin's role in an account.
    MembershipRole {
        Owner => "owner",
        Admin => "admin",
    }
}

text_enum! {
    /// Who made a change in the audit log: an admin (portal), a management API key, an identity
    /// (its own token), or Canopy itself (the command line, start-up tasks).
    ActorType {
        Admin => "admin",
        ApiKey => "api_key",
        Identity => "identity",
        System => "system",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_strangers_are_refused() {
        for status in IdentityStatus::ALL {
            assert_eq!(status.as_str().parse::<IdentityStatus>(), Ok(*status));
            assert_eq!(serde_json::to_string(status).unwrap(), format!("\"{}\"", status.as_str()));
        }
        for actor in ActorType::ALL {
            assert_eq!(actor.as_str().parse::<ActorType>(), Ok(*actor));
        }
        assert_eq!(ActorType::ApiKey.as_str(), "api_key");
        assert_eq!(serde_json::from_str::<ActorType>("\"api_key\"").unwrap(), ActorType::ApiKey);
        assert_eq!(MembershipRole::Owner.to_string(), "owner");
        let refused = "suspended".parse::<IdentityStatus>().unwrap_err();
        assert_eq!(refused.to_string(), "\"suspended\" is not a IdentityStatus");
    }
}
