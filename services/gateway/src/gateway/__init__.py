"""aitrain gateway service."""
