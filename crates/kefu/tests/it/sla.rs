//! `kefu sla` end to end.
