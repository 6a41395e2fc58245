//! Integration tests of kefu-wfm.
