//! Parsers: text in, span-keeping trees out. No file system access here.

pub mod embedded;
pub mod nginx;
pub mod yaml;
