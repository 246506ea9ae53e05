//! Node bindings of the Everruns SDK (napi-rs)
