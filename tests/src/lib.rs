//! See `system/`: this crate exists for its integration tests.
