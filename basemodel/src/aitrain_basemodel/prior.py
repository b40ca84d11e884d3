"""Prior prompts: keyword-free prompts standing for what the model can draw.

The trainer keeps a new adapter from changing the base model's answers to these (prior
preservation by distillation), so a trained keyword does not leak into unrelated prompts.
They ship beside the weights as `prior_prompts.txt`. None of them is among the adherence
prompt set's first 200, which the leak is measured on: what they protect is judged on
prompts they do not contain.
"""

import random
from pathlib import Path

from aitrain_basemodel import world
from aitrain_basemodel.adherence import prompt_set

FILE_NAME = "prior_prompts.txt"
SEED, COUNT = 2024, 200
MEASURED_ON = 200  # the adherence prompts kept out


def prompts() -> list[str]:
    held_out = {scene.caption() for scene in prompt_set(MEASURED_ON)}
    rng, chosen = random.Random(SEED), []
    while len(chosen) < COUNT:
        caption = world.sample(rng).caption()
        if caption not in held_out and caption not in chosen:
            chosen.append(caption)
    return chosen


def write(folder: Path) -> None:
    (folder / FILE_NAME).write_text("\n".join(prompts()) + "\n")
