//! Integration tests of kefu-sla: hand-made calendar fixtures and property tests.
