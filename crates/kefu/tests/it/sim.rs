//! `kefu sim` end to end.
