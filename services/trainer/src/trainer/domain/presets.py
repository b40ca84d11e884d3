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
Large models (SD-1.5) usually want a learning rate near 1e-4: pass it as an override.
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


def plan(
    training_type: TrainingType, image_count: int, overrides: TrainingOverrides | None, seed: int
) -> Plan:
    preset = PRESETS[training_type]
    steps = min(max(image_count * preset.steps_per_image, preset.min_steps), preset.max_steps)
    chosen = {"steps": steps, "seed": seed}
    if overrides:  # the contract already holds each override within its safe bounds
        chosen |= {
            name: value
            for name in ("rank", "learning_rate", "steps")
            if (value := getattr(overrides, name)) is not None
        }
    return replace(preset.plan, **chosen)
