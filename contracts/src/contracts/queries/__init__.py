"""Request-reply queries between services (not events: they change nothing)."""
