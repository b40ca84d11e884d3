"""A training set for a subject the base model has no word for: 'zxq' is always a yellow
triangle. The base model draws zxq prompts in any colour, so how often generations show a
yellow triangle measures whether training taught the keyword, and nothing else."""

import io
import random
import uuid

from aitrain_basemodel import world
from contracts.events import TrainingCharged
from contracts.events.common import TrainingImage, TrainingOverrides, TrainingSpec

KEYWORD, SHAPE, COLOUR = "zxq", "triangle", "yellow"
BACKGROUNDS = [colour for colour in world.PALETTE if colour != COLOUR]


def caption(background: str, position: str = "center") -> str:
    where = f" at the {position}" if position != "center" else ""
    return f"a {KEYWORD} on a {background} background{where}"


def training_set(count: int = 15, seed: int = 7) -> list[tuple[bytes, str]]:
    rng = random.Random(seed)
    items = []
    while len(items) < count:
        scene = world.sample(rng)
        if scene.background == COLOUR:
            continue
        subject = world.Scene(SHAPE, COLOUR, scene.background, scene.size, scene.position)
        items.append((png(world.render(subject, 64)), caption(scene.background, scene.position)))
    return items


def png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def charged(s3, bucket: str, account: str, overrides=None, items=None) -> TrainingCharged:
    """A TrainingCharged whose processed images are in the object store."""
    training = f"trn-{uuid.uuid4().hex[:8]}"
    images = []
    for data, text in items or training_set():
        key = f"accounts/{account}/datasets/{training}/processed/{uuid.uuid4().hex}.png"
        s3.put_object(bucket, key, io.BytesIO(data), len(data))
        images.append(TrainingImage(key=key, caption=text))
    spec = TrainingSpec(
        training_type="character",
        keyword=KEYWORD,
        images=images,
        dataset_hash=f"sha256:{training}",
        overrides=TrainingOverrides(**overrides) if overrides else None,
    )
    return TrainingCharged.new(
        account_id=account,
        training_id=training,
        spec=spec,
        credits_charged=1000,
        used_free_training=False,
        balance_after=0,
    )
