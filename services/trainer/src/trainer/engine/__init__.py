"""The torch side of training: base model loading, cached inputs, the LoRA loop, weight files.

Everything here is synchronous and CPU/GPU bound; the handler runs it in a worker thread.
"""
