//! Engine scenarios: strategies, reservations, exits, hours, preference, EWT, snapshot.
