//! Integration tests of kefu-wfm against independent references.

mod erlang_a_chain;
mod forecast;
mod properties;
mod schedule;
