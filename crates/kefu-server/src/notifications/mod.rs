//! The in-app notification inbox: API and page.

pub mod api;
pub mod pages;
