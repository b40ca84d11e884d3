"""aitrain trainer service."""
