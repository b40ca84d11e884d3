"""The embedded base model: a small text-to-image model pretrained by the project on a
procedural image world, so training and generation run on a CPU and visibly learn."""
