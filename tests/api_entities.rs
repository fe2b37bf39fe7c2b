//! Endpoints of the `entities` area against a loopback server, with the reference pages' examples.
