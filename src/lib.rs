//! lint-manifests: a static analyzer for the Kubernetes manifests and nginx configs that put
//! WebSocket and Socket.IO apps behind Google Cloud load balancers.
//!
//! Data flows one way: [`discover`] finds files, [`parse`] turns them into span-keeping trees,
//! [`model`] indexes resources and resolves links, [`rules`] produce [`diagnostic`]s, and
//! [`report`] and [`fix`] consume them.

pub mod baseline;
pub mod batch;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod fix;
pub mod lint;
pub mod load;
pub mod model;
pub mod names;
pub mod parse;
pub mod registry;
pub mod rendered;
pub mod report;
pub mod rules;
pub mod selection;
pub mod settings;
pub mod source;
pub mod suppress;
