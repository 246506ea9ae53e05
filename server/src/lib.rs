//! Everruns reference server: HTTP API, durable event log, SSE
