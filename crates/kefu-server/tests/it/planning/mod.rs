//! Workforce planning: the WFM API and pages.

mod wfm;
