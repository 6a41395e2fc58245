//! kefu-acd integration tests: engine scenarios, property tests P1–P8 (with the eligibility
//! rule written again from its definition), and the simulator's validation against Erlang C
//! and Erlang A.

mod engine;
mod erlang;
mod props;
mod rule;
mod sim;
