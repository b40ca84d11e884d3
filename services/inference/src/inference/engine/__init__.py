"""The torch side of generation: one warm pipeline with named LoRA adapters switched per request."""
