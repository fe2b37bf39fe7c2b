//! Endpoints of the `alerts` area against a loopback server, with the reference pages' examples.
