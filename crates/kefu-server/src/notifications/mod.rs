//! The in-app notification inbox: the application service, API and page.

pub mod api;
pub mod pages;
pub mod service;
