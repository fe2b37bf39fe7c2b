//! Endpoints of the `machines` area against a loopback server, with the reference pages' examples.
