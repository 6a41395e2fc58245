//! Integration tests of kefu-wfm against independent references.

mod erlang_a_chain;
mod properties;
mod schedule;
