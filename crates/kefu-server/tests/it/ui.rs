//! The web UI in headless Chromium (see ui tests).
