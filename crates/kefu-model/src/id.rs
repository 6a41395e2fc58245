//! Identifiers: UUID v7 (time-ordered, so keyset pagination on the id follows creation order).
//! Stored and sent as their hyphenated lowercase text.

use std::fmt;
use std::str::FromStr;

/// An entity id. Parsing rejects anything that is not a UUID.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Id(uuid::Uuid);

/// A fresh, time-ordered id.
pub fn new_id() -> Id {
    Id(uuid::Uuid::now_v7())
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl FromStr for Id {
    type Err = crate::ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::parse_str(s)
            .map(Id)
            .map_err(|_| crate::ModelError::InvalidField {
                field: "id".into(),
                reason: crate::error::FieldProblem::Format,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_in_creation_order_as_text() {
        let ids: Vec<String> = (0..1000).map(|_| new_id().to_string()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
    }

    #[test]
    fn parse_round_trips_and_rejects_garbage() {
        let id = new_id();
        assert_eq!(id.to_string().parse::<Id>().unwrap(), id);
        assert!("not-an-id".parse::<Id>().is_err());
        assert!("1".parse::<Id>().is_err());
    }
}
