//! `kefu wfm` end to end.
