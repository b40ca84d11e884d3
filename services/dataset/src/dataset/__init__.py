"""aitrain dataset service."""
