"""Every base family trains through the same trainer code: SD 1.5 (the committed small
model's layout), SDXL and FLUX.1, each a tiny random model in its real checkpoint's folder
layout (no weights can be downloaded here; `aitrain_basemodel.bases`). For each: a whole job
runs (cached inputs, evaluation, previews, the LoRA file), the loss on a fixed held-out batch
falls, and the file that diffusers' own pipeline of that family loads changes its image at a
fixed seed. Whether training teaches a keyword is the committed model's test (test_it_learns)."""

import io

import pytest
import torch
from diffusers import DiffusionPipeline
from PIL import Image
from safetensors.torch import load
from trainer_scenes import training_set

from trainer import job
from trainer.domain.pacing import Pacing
from trainer.domain.plan import Plan
from trainer.engine import families
from trainer.engine.base import load_base, pick_device
from trainer.engine.kohya import kohya_file
from trainer.engine.lora import LoraTraining
from trainer.engine.memory import TooBig
from trainer.engine.weights import read_facts

STEPS = 60
# a random tiny UNet or transformer learns at a higher rate than the pretrained small model
LEARNING_RATE = {"sd": 5e-3, "sdxl": 2e-2, "flux": 2e-2}


class Previews:
    def __init__(self):
        self.pngs: list[bytes] = []

    def progress(self, step, total, loss, eta, png) -> None:
        if png is not None:
            self.pngs.append(png)

    def checkpoint(self, *args) -> None: ...

    def stop_requested(self) -> bool:
        return False

    def leaving(self) -> bool:
        return False


@pytest.fixture(scope="module")
def trained(tiny_bases) -> dict[str, tuple]:
    """One short job per family: (the folder, the job's outcome, its previews, a caption)."""
    items = training_set(count=4)
    images = [Image.open(io.BytesIO(data)) for data, _ in items]
    captions = [text for _, text in items]
    # wide photos too: the buckets of each family's size multiple
    framed = [image.resize((160, 90)) if i % 2 else None for i, image in enumerate(images)]
    results = {}
    for family, folder in tiny_bases.items():
        base = load_base(str(folder), pick_device("cpu"), native_side=64)
        rate = LEARNING_RATE[family]
        plan = Plan(STEPS, 4, rate, 2, seed=0, text_encoder_rank=4, preserve_weight=1.0,
                    prior_batch=2, teacher_bank=16)  # fmt: skip
        reports = Previews()
        inputs = job.JobInputs(images, captions, plan, {"base_model": family}, framed=framed)
        outcome = job.run(base, inputs, reports, Pacing(0.0, STEPS // 2, STEPS // 2))
        results[family] = (folder, outcome, reports.pngs, captions[0])
    return results


@pytest.mark.parametrize("family", ["sd", "sdxl", "flux"])
def test_each_family_trains_a_lora_its_own_pipeline_loads(trained, family):
    folder, outcome, previews, caption = trained[family]
    first, last = outcome.scores[0], outcome.scores[-1]
    # the denoising loss on held-out noise over the subject's images, adapters vs none
    assert last.learned > 0.03 and last.learned > first.learned, outcome.scores
    assert [Image.open(io.BytesIO(png)).size for png in previews] == [(64, 64)] * 2
    assert read_facts(outcome.lora)["base_model"] == family

    pipeline = DiffusionPipeline.from_pretrained(folder)
    pipeline.set_progress_bar_config(disable=True)
    before = draw(pipeline, caption)
    pipeline.load_lora_weights(load(outcome.lora))
    after = draw(pipeline, caption)
    assert (before - after).abs().mean() > 1e-3


@pytest.mark.parametrize("family", ["sd", "sdxl"])
def test_the_kohya_file_draws_what_the_diffusers_file_draws(trained, family):
    """FLUX's kohya file is checked at FLUX.1's real shapes (test_kohya_flux.py): diffusers'
    reader of it assumes FLUX.1's width, which the tiny model does not have."""
    folder, outcome, _, caption = trained[family]
    drawn = []
    for lora in (outcome.lora, kohya_file(outcome.lora)):
        pipeline = DiffusionPipeline.from_pretrained(folder)
        pipeline.set_progress_bar_config(disable=True)
        pipeline.load_lora_weights(load(lora))
        drawn.append(draw(pipeline, caption))
    assert (drawn[0] - drawn[1]).abs().max() < 1e-4


def test_sdxl_and_flux_train_the_denoiser_alone(trained):
    """Their usual LoRAs leave the text encoders as they are (SD 1.5's presets train one)."""
    prefixes = {
        family: {key.split(".")[0] for key in load(outcome.lora)}
        for family, (_, outcome, _, _) in trained.items()
    }
    assert prefixes == {"sd": {"unet", "text_encoder"}, "sdxl": {"unet"}, "flux": {"transformer"}}


def draw(pipeline, prompt: str) -> torch.Tensor:
    extra = {"max_sequence_length": 32} if "transformer" in pipeline.components else {}
    return pipeline(
        prompt,
        num_inference_steps=4,
        height=64,
        width=64,
        generator=torch.Generator().manual_seed(3),
        output_type="pt",
        **extra,
    ).images


def test_a_job_out_of_gpu_memory_ends_saying_so_instead_of_being_retried(tiny_bases, monkeypatch):
    """The trainer turns it into a refunded failure (handlers.py: TooBig is a JobRejected)."""
    base = load_base(str(tiny_bases["flux"]), pick_device("cpu"), native_side=64)
    items = training_set(count=2)
    images = [Image.open(io.BytesIO(data)) for data, _ in items]

    def out_of_memory(self):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(LoraTraining, "train_step", out_of_memory)
    inputs = job.JobInputs(images, [text for _, text in items], Plan(10, 4, 1e-3, 1))
    with pytest.raises(TooBig, match="needs more GPU memory than this trainer") as refused:
        job.run(base, inputs, Previews(), Pacing())
    assert "out of memory while training" in str(refused.value)
    assert "refunded" in str(refused.value)


def test_sdxl_learns_each_square_with_the_size_and_crop_it_was_cut_at(tiny_bases):
    """SDXL's time ids: the photo's size and the crop's corner as the dataset recorded them
    (scaled from the stored square's side to the training side), the square's side as the
    target; the prior cases and any square the dataset said nothing of are whole pictures."""
    base = load_base(str(tiny_bases["sdxl"]), pick_device("cpu"), native_side=64)
    items = training_set(count=2)
    images = [Image.open(io.BytesIO(data)).resize((512, 512)) for data, _ in items]
    cuts = [((3000, 4000), (0, 170)), ((800, 600), (96, 0))]  # of 512: 21 and 12 of 64
    plan = Plan(1, 4, 1e-3, 2, preserve_weight=1.0, teacher_bank=4, prior_batch=2)
    training = LoraTraining(base, images, [t for _, t in items], plan, cuts=cuts)
    assert training.sizes.tolist() == [[3000, 4000, 0, 21, 64, 64], [800, 600, 12, 0, 64, 64]]
    unsaid = families.size_ids(base, [(None, None)], images[:1])
    assert unsaid.tolist() == [[64, 64, 0, 0, 64, 64]]
    seen = []

    def time_ids(module, args, kwargs, output) -> None:
        seen.append(kwargs["added_cond_kwargs"]["time_ids"].tolist())

    hook = base.denoiser.register_forward_hook(time_ids, with_kwargs=True)
    try:
        training.train_step()
    finally:
        hook.remove()
        training.close()
    [ids] = seen  # the batch's two squares, then the two prior cases, in one pass
    assert all(row in training.sizes.tolist() for row in ids[:2])
    assert ids[2:] == [[64, 64, 0, 0, 64, 64]] * 2


def test_flux_trains_each_square_at_its_smaller_sides_too(tiny_bases):
    """FLUX.1's preset trains at half and three quarters of its side beside the whole side
    (its trainers' 512-768-1024 buckets): 32, 48 and 64 px on the tiny model, whose image
    tokens are 2 x 2 latent patches of an 8th of the side: 4, 9 and 16 per image."""
    base = load_base(str(tiny_bases["flux"]), pick_device("cpu"), native_side=64)
    items = training_set(count=3)
    images = [Image.open(io.BytesIO(data)) for data, _ in items]
    plan = Plan(1, 4, 1e-3, 1, smaller_sides=(0.5, 0.75))
    training = LoraTraining(base, images, [text for _, text in items], plan)
    assert {name: latents.shape[-2:] for name, (_, latents) in training.buckets.items()} == {
        "32px": (4, 4),
        "48px": (6, 6),
    }
    tokens = set()

    def image_tokens(module, args, kwargs) -> None:
        tokens.add(kwargs["hidden_states"].shape[1])

    hook = base.denoiser.register_forward_pre_hook(image_tokens, with_kwargs=True)
    try:
        for _ in range(12):
            training.train_step()
    finally:
        hook.remove()
        training.close()
    assert tokens == {4, 9, 16}


@pytest.mark.parametrize("family", ["sd", "flux"])
def test_a_keyword_past_the_text_window_is_put_first(tiny_bases, family):
    """The tiny models read 32 tokens (CLIP's window for SD; FLUX.1 reads its prompt with
    T5): a long caption with the keyword at its end would teach nothing of the keyword."""
    base = load_base(str(tiny_bases[family]), pick_device("cpu"), native_side=64)
    filler = "a red circle on a blue background with a green square " * 4
    short, long = "a photo of zxq on a table", f"{filler}and zxq"
    assert families.keyword_read(base, [short, long], "zxq") == [short, f"zxq, {long}"]
    just_inside = "a photo of zxq " + filler
    assert families.keyword_read(base, [just_inside], "ZXQ") == [just_inside]
