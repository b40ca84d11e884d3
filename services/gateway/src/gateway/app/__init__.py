"""The gateway's use cases: each a small class taking the ports it needs."""
