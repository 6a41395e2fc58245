//! `kefu kpi` end to end.
