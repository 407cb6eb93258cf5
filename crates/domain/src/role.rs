//! Roles a team member holds in one restaurant.

use serde::{Deserialize, Serialize};

/// A member's role in a restaurant; owners can do everything managers can, managers everything
/// staff can.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Staff,
    Manager,
    Owner,
}

impl Role {
    /// All roles, lowest first.
    pub const ALL: [Role; 3] = [Role::Staff, Role::Manager, Role::Owner];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Manager => "manager",
            Role::Owner => "owner",
        }
    }

    /// Whether this role reads special-category notes (allergies, health, religion: Art. 9
    /// GDPR): managers and owners always, staff only where the restaurant allows it.
    pub fn reads_special_notes(self, staff_allowed: bool) -> bool {
        self.at_least(Role::Manager) || staff_allowed
    }

    /// Parses the wire name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "staff" => Some(Role::Staff),
            "manager" => Some(Role::Manager),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }

    /// Whether this role includes everything `needed` may do.
    pub fn at_least(self, needed: Role) -> bool {
        self >= needed
    }
}

impl TryFrom<String> for Role {
    type Error = String;

    fn try_from(s: String) -> Result<Role, String> {
        Role::parse(&s).ok_or_else(|| format!("unknown role {s:?}"))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_staff_manager_owner() {
        assert!(Role::Owner.at_least(Role::Manager));
        assert!(Role::Manager.at_least(Role::Staff));
        assert!(!Role::Staff.at_least(Role::Manager));
        assert!(!Role::Manager.at_least(Role::Owner));
    }

    #[test]
    fn parse_round_trips_and_rejects_unknown() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("admin"), None);
        assert_eq!(Role::parse("Owner"), None);
    }
}
