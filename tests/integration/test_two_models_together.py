"""Two models trained apart, painted together: on the embedded base model, 'zxq' is taught as
an object (a yellow triangle) and 'qvw' as a style (a black background, whatever the object),
each by a training of its own with its type's preset (the trainer's job); the inference
service's painter then draws "a zxq in the style of qvw" with both adapters, and the judge
counts the images that hold both. A weight of 0 takes one out: its concept falls back to what
the base model draws for the unknown word (numbers printed with -s).

The subject's captions name the background in half of its photos only, as people's captions
do: trained on "on a … background" alone, it drew its subject only after such a phrase, and
"in the style of qvw" lost it. Measured (12 seeds): 0.92 of the images hold both at weights 1
and 1, none with either weight at 0 (the base model: none).
"""

import io
import random

import pytest
import torch
from PIL import Image
from safetensors.torch import load
from trainer_scenes import training_set

from aitrain_basemodel import COMMITTED_MODEL, world
from aitrain_basemodel.judge import judge
from contracts.sampling import Sampling
from inference.engine.painter import Painter
from trainer import job
from trainer.domain.pacing import Pacing
from trainer.domain.presets import plan
from trainer.engine.base import load_base

pytestmark = pytest.mark.integration
PROMPT = "a zxq in the style of qvw"
SEEDS = range(12)
BACKGROUND = "black"


def style_set(count: int = 15, seed: int = 11) -> list[tuple[Image.Image, str]]:
    """Objects of every shape and colour on a black background: the look called qvw."""
    rng, items = random.Random(seed), []
    colours = [colour for colour in sorted(world.PALETTE) if colour != BACKGROUND]
    while len(items) < count:
        colour, shape = rng.choice(colours), rng.choice(world.SHAPES)
        scene = world.strayed(world.Scene(shape, colour, BACKGROUND), rng)
        items.append((world.render(scene, 64), f"a {colour} {shape} in the style of qvw"))
    return items


def trained(base, training_type: str, items: list[tuple[Image.Image, str]]) -> bytes:
    images, captions = [image for image, _ in items], [text for _, text in items]
    chosen = plan(training_type, len(items), None, seed=0)
    outcome = job.run(
        base, job.JobInputs(images, captions, chosen), job.Unwatched(), Pacing(sample_every_steps=0)
    )
    return outcome.lora


def shares(painter: Painter, weights: dict[str, float]) -> dict[str, float]:
    verdicts = [judge(image) for image in painter.paint(weights, PROMPT, None, (64, 64), SEEDS)]
    subject = [v.shape == "triangle" and v.colour == "yellow" for v in verdicts]
    black = [v.background == BACKGROUND for v in verdicts]
    return {
        "zxq": sum(subject) / len(verdicts),
        "qvw": sum(black) / len(verdicts),
        "both": sum(s and b for s, b in zip(subject, black, strict=True)) / len(verdicts),
    }


@pytest.mark.timeout(900)  # two trainings of about a minute each, alone
def test_two_concepts_trained_apart_appear_together_and_a_weight_of_zero_removes_one():
    cpu = torch.device("cpu")
    base = load_base(str(COMMITTED_MODEL), cpu)
    subject = [
        (Image.open(io.BytesIO(data)), text if n % 2 else text.split(" on a ")[0])
        for n, (data, text) in enumerate(training_set())
    ]
    files = {"zxq": trained(base, "object", subject), "qvw": trained(base, "style", style_set())}
    painter = Painter(str(COMMITTED_MODEL), cpu, capacity=3, sampling=Sampling())
    for name, lora in files.items():
        painter.load(name, load(lora), keep=tuple(files))
    seen = {
        "both": shares(painter, {"zxq": 1.0, "qvw": 1.0}),
        "qvw at 0": shares(painter, {"zxq": 1.0, "qvw": 0.0}),
        "zxq at 0": shares(painter, {"zxq": 0.0, "qvw": 1.0}),
        "base": shares(painter, {"zxq": 0.0, "qvw": 0.0}),
    }
    for name, share in seen.items():
        print(f"{name:>9}: " + ", ".join(f"{k} {v:.2f}" for k, v in share.items()))
    assert seen["both"]["both"] >= 0.5
    assert seen["qvw at 0"]["qvw"] <= seen["base"]["qvw"] + 0.1  # the style is gone
    assert seen["zxq at 0"]["zxq"] <= seen["base"]["zxq"] + 0.1  # the subject is gone
    assert seen["zxq at 0"]["qvw"] >= 0.5  # the style stays
    for alone in ("qvw at 0", "zxq at 0"):
        assert seen[alone]["both"] <= seen["both"]["both"] - 0.4, alone
