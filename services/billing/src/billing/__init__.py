"""aitrain billing service."""
