"""Training presets per type, and the plan a job follows.

Steps grow with the number of images (each image seen about as often whatever the set's
size), with a floor so small sets still learn and a cap that bounds the job's time and
cost. A request may override rank, learning rate and steps within the safe bounds that
`contracts.events.common.TrainingOverrides` enforces.
Captions are the dataset service's concern: it writes one per image with the keyword, in a
template per training type.

Tuned on the first embedded base model; measured on the second (v2), 2-core CPU, with the
teacher bank (below): the character preset's 300 steps at batch 4 (rank 8 + text-encoder
rank 8) run at 7.2 steps/s (3.7 with a live teacher) and take a 15-image subject from 39 %
(chance) to 61-63 % of generations (the judge's ceiling on v2's soft triangles is about
two in three), unrelated prompts within 7 points; 450 steps learn no more. The demo's 600
object steps train in 92 s (168 s with a live teacher) and draw the subject at 16:9 in four
different places per prompt (scripts/measure_demo.py).
The style preset on a look of the world (scripts/measure_style.py: "in the style of qqv" =
black background, dotted objects; 15 images, 300 steps, 46 s): new content drawn in the
style gets the black background 100 % of the time (base 0 %) and keeps the prompt's colour
and shape 72 % (base 42 %), unrelated prompts 0 points of drift; the dots are not drawn
(the base model draws none for "dotted" either). A rate of 1e-3 or a text-encoder adapter
changed nothing measurable.
The real bases (SD 1.5, SDXL, FLUX.1) have tables of their own, `TABLES` below: a
catalog entry's `presets` picks one (contracts.bases), by default its family's.
"""

from dataclasses import dataclass, replace

from contracts.events.common import TrainingOverrides, TrainingType
from trainer.domain.plan import Plan


@dataclass(frozen=True)
class Preset:
    """A training type's plan for a set of any size: only its steps follow the images."""

    plan: Plan
    """Its `steps` are the floor, so small sets still learn."""
    steps_per_image: int
    max_steps: int
    """The cap, which bounds the job's time and cost."""

    @property
    def min_steps(self) -> int:
        return self.plan.steps


# prior preservation from a bank of the base's answers, 2 cases a step: 1.47x the steps/s of
# a live teacher at the same drift (the trainer README's table)
BANKED = {"teacher_bank": 256, "prior_batch": 2}

PRESETS: dict[str, Preset] = {
    # a subject's identity: moderate rank, every image seen ~80 times
    "character": Preset(
        Plan(
            steps=200,
            rank=8,
            learning_rate=1e-3,
            text_encoder_rank=8,
            preserve_weight=1.0,
            **BANKED,
        ),
        steps_per_image=20,
        max_steps=800,
    ),
    # a look spread over whole images: more rank, a gentler rate
    "style": Preset(
        Plan(steps=250, rank=16, learning_rate=5e-4, preserve_weight=1.0, **BANKED),
        steps_per_image=20,
        max_steps=1000,
    ),
    "object": Preset(
        Plan(
            steps=200,
            rank=8,
            learning_rate=1e-3,
            text_encoder_rank=8,
            preserve_weight=1.0,
            **BANKED,
        ),
        steps_per_image=20,
        max_steps=800,
    ),
}
"""The embedded small model's presets ("aitrain-tiny"), measured above."""


def _real(plan: Plan, style_rank: int, steps_per_image: int, floor: int, cap: int) -> dict:
    """A real base's presets: batch 1 as the peers train (a GPU's memory at 1024 px), no
    prior preservation (the peers' default; it would double each step's cost), the style
    preset at a higher rank and without a text-encoder adapter."""
    identity = replace(plan, steps=floor, batch_size=1)
    style = replace(identity, rank=style_rank, text_encoder_rank=0)
    return {
        "character": Preset(identity, steps_per_image, cap),
        "style": Preset(style, steps_per_image, cap),
        "object": Preset(identity, steps_per_image, cap),
    }


# The real bases' numbers are the open trainers' defaults and recipes (read at their sources):
# - SD 1.5: rank 16 and UNet 1e-4 with the text encoder at 1e-5 (kohya-ss/sd-scripts
#   docs/train_network.md); about 500 steps at batch 1 (diffusers examples/dreambooth
#   README.md, train_dreambooth_lora.py).
# - SDXL: UNet 1e-4 (diffusers README_sdxl.md; kohya docs/sdxl_train_network.md), the text
#   encoders left alone (diffusers' default), rank 16 between diffusers' 4 and kohya's 32.
# - FLUX.1: rank 16, 1000 steps at batch 1, 4e-4 (replicate/flux-fine-tuner train.py);
#   ai-toolkit's train_lora_flux_24gb.yaml takes 1e-4 over 2000 steps, twice the time. The
#   transformer alone; its training guidance of 1.0 is engine/families.py's. Each square also
#   at half and three quarters of the side: ai-toolkit's `resolution: [512, 768, 1024]`
#   ("flux enjoys multiple resolutions", config/examples/train_lora_flux_24gb.yaml).
# - Gradient checkpointing for SDXL and FLUX.1, as ai-toolkit's FLUX example and kohya's
#   SDXL recipe train them: their activations at 1024 px would not fit beside the weights.
TABLES: dict[str, dict[str, Preset]] = {
    "aitrain-tiny": PRESETS,
    "sd15": _real(
        Plan(
            steps=0,
            rank=16,
            learning_rate=1e-4,
            text_encoder_rank=8,
            text_encoder_learning_rate=1e-5,
        ),
        style_rank=32,
        steps_per_image=40,
        floor=500,
        cap=1500,
    ),
    "sdxl": _real(
        Plan(steps=0, rank=16, learning_rate=1e-4, gradient_checkpointing=True),
        style_rank=32,
        steps_per_image=40,
        floor=500,
        cap=1500,
    ),
    "flux": _real(
        Plan(
            steps=0,
            rank=16,
            learning_rate=4e-4,
            smaller_sides=(0.5, 0.75),
            gradient_checkpointing=True,
        ),
        style_rank=32,
        steps_per_image=50,
        floor=1000,
        cap=2000,
    ),
}
"""Presets per table (the catalog's `presets`, by default its family's), then per type."""


def plan(
    training_type: TrainingType,
    image_count: int,
    overrides: TrainingOverrides | None,
    seed: int,
    table: str = "aitrain-tiny",
) -> Plan:
    preset = TABLES[table][training_type]
    steps = min(max(image_count * preset.steps_per_image, preset.min_steps), preset.max_steps)
    chosen = {"steps": steps, "seed": seed}
    if overrides:  # the contract already holds each override within its safe bounds
        chosen |= {
            name: value
            for name in ("rank", "learning_rate", "steps")
            if (value := getattr(overrides, name)) is not None
        }
    return replace(preset.plan, **chosen)
