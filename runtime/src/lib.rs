//! Embeddable Everruns agent runtime: turn loop, capabilities, LLM drivers, session file stores
