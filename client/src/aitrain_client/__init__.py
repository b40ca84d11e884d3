"""aitrain's Python client: the public HTTP API, nothing else."""

from aitrain_client.api import AitrainError, Client

__all__ = ["AitrainError", "Client"]
