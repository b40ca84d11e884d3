"""aitrain inference service."""
