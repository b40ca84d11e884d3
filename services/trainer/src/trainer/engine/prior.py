"""Prior prompts: keyword-free prompts the adapter must not change the base model's answers
to (prior preservation by distillation, see engine/lora.py).

A base model folder may ship its own as `prior_prompts.txt`, one per line (the committed
small model does: scenes of its world). Otherwise a generic set for photographic SD-class
models stands in.
"""

from pathlib import Path

FILE_NAME = "prior_prompts.txt"
GENERIC = (
    "a photo of a dog on the grass", "a photo of a cat on a sofa", "a portrait of a woman",
    "a portrait of an old man", "a child playing in a park", "a city street at night",
    "a mountain lake at sunrise", "a bowl of fruit on a wooden table", "a red car on a road",
    "a living room with large windows", "a forest path in autumn", "a beach with palm trees",
    "a cup of coffee on a desk", "a bicycle leaning on a wall", "a snowy village in winter",
    "a plate of pasta", "a modern office building", "a field of sunflowers",
    "a painting of a ship at sea", "a close-up of a flower", "a kitchen with white cabinets",
    "a horse in a meadow", "a bridge over a river", "a group of friends laughing",
    "a watercolor landscape", "a bird on a branch", "a pair of sneakers on the floor",
    "a bookshelf full of books", "a desert under a blue sky", "a rainy window",
    "an astronaut on the moon", "a castle on a hill",
)  # fmt: skip


def prior_prompts(base_model: str) -> list[str]:
    """The prompts shipped beside a local base model, else the generic set."""
    shipped = Path(base_model) / FILE_NAME
    if shipped.is_file():
        return [line.strip() for line in shipped.read_text().splitlines() if line.strip()]
    return list(GENERIC)
