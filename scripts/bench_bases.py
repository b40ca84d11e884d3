"""The real base models at their real size, with random weights: what training and generation
cost in memory and time, per family, through the trainer's own code.

    .venv/bin/python scripts/bench_bases.py     # on a GPU: SD 1.5, SDXL and FLUX.1 in bf16
    .venv/bin/python scripts/bench_bases.py --device cpu --families sd --steps 1 --sample-steps 4

No weights can be downloaded here, and speed and memory do not depend on the weights' values:
each family's real architecture (aitrain_basemodel.bases.real_parts) is built with random
weights, then the trainer's loop (engine/lora.py) trains it with the family's default
character preset (domain/presets.py: batch 1, no prior preservation) on 15 images at the
base's native size, and its preview pipeline paints one image. Printed per family, one JSON
line each: seconds to build, to cache the inputs (VAE and text encoders), the first step and
the mean of the next ones; steps/s; peak memory (GPU: allocated by torch; CPU: the process's
peak RSS, which only grows); the default preset's job time (caching + its steps); one image's
seconds at `--sample-steps`. Run it alone: two torch processes on one machine slow each other.
"""

import argparse
import gc
import json
import resource
import time

import torch
from diffusers import DDPMScheduler, FlowMatchEulerDiscreteScheduler
from PIL import Image

from aitrain_basemodel import COMMITTED_MODEL, world
from aitrain_basemodel.bases import FLUX_SCHEDULER, _t5_tokenizer, build_real, real_parts
from contracts.bases import FAMILY_PRESETS
from contracts.sampling import FLUX_MAX_TEXT_TOKENS, Sampling
from trainer.domain.presets import plan
from trainer.engine.base import LoadedBase
from trainer.engine.families import Family
from trainer.engine.lora import LoraTraining
from trainer.engine.prior import GENERIC
from trainer.engine.sampling import pipeline_of

NATIVE = {"sd": 512, "sdxl": 1024, "flux": 1024}
SAMPLE_STEPS = {"sd": 30, "sdxl": 30, "flux": 28}  # the usual defaults of each family


def real_base(family: str, device: torch.device, dtype: torch.dtype) -> LoadedBase:
    from transformers import CLIPTokenizer

    tokenizer = CLIPTokenizer.from_pretrained(COMMITTED_MODEL, subfolder="tokenizer")
    tokenizer.model_max_length = 77  # CLIP's context (our tokenizer's words, real ids' range)
    parts = {part: build_real(family, part, dtype, str(device)) for part in real_parts(family)}
    second = None
    if family == "flux":
        second = _t5_tokenizer()
        second.model_max_length = FLUX_MAX_TEXT_TOKENS
        scheduler = FlowMatchEulerDiscreteScheduler(**FLUX_SCHEDULER)
    else:
        second = tokenizer if family == "sdxl" else None
        scheduler = DDPMScheduler(beta_schedule="scaled_linear")
    for module in parts.values():
        module.requires_grad_(False)
        module.eval()
    return LoadedBase(
        name=f"random weights in {family}'s real shapes",
        family=Family(family),
        tokenizer=tokenizer,
        text_encoder=parts["text_encoder"],
        vae=parts["vae"],
        denoiser=parts["transformer" if family == "flux" else "unet"],
        noise_scheduler=scheduler,
        device=device,
        dtype=dtype,
        prior_prompts=list(GENERIC),
        tokenizer_2=second,
        text_encoder_2=parts.get("text_encoder_2"),
        sampling=Sampling(steps=SAMPLE_STEPS[family], guidance=3.5 if family == "flux" else 7.5),
        native_side=NATIVE[family],
    )


def photos(count: int = 15) -> tuple[list[Image.Image], list[str]]:
    import random

    rng, images, captions = random.Random(7), [], []
    for _ in range(count):
        scene = world.sample(rng)
        images.append(world.render(scene, 256))
        captions.append(f"a photo of zxq, {scene.caption()}")
    return images, captions


def peak_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(
    family: str, device: torch.device, steps: int, sample_steps: int | None, count: int = 15
) -> dict:
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    figures: dict = {"family": family, "device": str(device), "dtype": str(dtype)}
    started = time.monotonic()
    base = real_base(family, device, dtype)
    figures["build_s"] = round(time.monotonic() - started, 1)
    figures["denoiser_params_m"] = round(sum(p.numel() for p in base.denoiser.parameters()) / 1e6)
    chosen = plan("character", 15, None, 0, FAMILY_PRESETS[family])
    images, captions = photos(count)
    started = time.monotonic()
    training = LoraTraining(base, images, captions, chosen)
    figures["caching_s"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    float(training.train_step())
    figures["first_step_s"] = round(time.monotonic() - started, 2)
    if steps > 1:
        started = time.monotonic()
        for _ in range(steps - 1):
            loss = training.train_step()
        float(loss)  # waits for the device
        figures["step_s"] = round((time.monotonic() - started) / (steps - 1), 3)
    step_s = figures.get("step_s", figures["first_step_s"])
    figures["steps_per_s"] = round(1 / step_s, 3)
    figures["train_peak_mb"] = round(peak_mb(device))
    figures["preset_steps"] = chosen.steps
    caching_15 = figures["caching_s"] * 15 / count  # the job caches 15 images
    figures["preset_job_min"] = round((caching_15 + chosen.steps * step_s) / 60, 1)
    training.close()
    if sample_steps != 0:
        base.sampling = Sampling(
            steps=sample_steps or base.sampling.steps, guidance=base.sampling.guidance
        )
        extra = {"max_sequence_length": FLUX_MAX_TEXT_TOKENS} if family == "flux" else {}
        started = time.monotonic()
        with torch.no_grad():
            pipeline_of(base)(
                captions[0],
                num_inference_steps=base.sampling.steps,
                guidance_scale=base.sampling.guidance,
                height=NATIVE[family],
                width=NATIVE[family],
                generator=torch.Generator().manual_seed(0),
                **extra,
            )
        figures[f"image_s ({base.sampling.steps} steps)"] = round(time.monotonic() - started, 1)
        figures["peak_mb"] = round(peak_mb(device))
    del training, base
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", nargs="+", default=["sd", "sdxl", "flux"])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--steps", type=int, default=20, help="training steps to time")
    parser.add_argument("--sample-steps", type=int, help="0: no image; default: the family's")
    parser.add_argument("--images", type=int, default=15, help="fewer: a shorter caching stage")
    args = parser.parse_args()
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(json.dumps({"device": name, "torch_threads": torch.get_num_threads()}), flush=True)
    for family in args.families:
        try:
            figures = bench(family, device, args.steps, args.sample_steps, args.images)
            print(json.dumps(figures), flush=True)
        except torch.OutOfMemoryError as exc:
            print(json.dumps({"family": family, "out_of_memory": str(exc)[:200]}), flush=True)
            gc.collect()
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
