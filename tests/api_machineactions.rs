//! Endpoints of the `machineactions` area against a loopback server, with the reference pages' examples.
