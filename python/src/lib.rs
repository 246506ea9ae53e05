//! Python bindings of the Everruns SDK (PyO3)
