//! The application: composes the store, engines and HTTP surface.
