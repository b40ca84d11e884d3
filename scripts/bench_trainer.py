"""Benchmark one training job: 15 images at the default character preset on this machine.

Prints the job's wall-clock by stage (fetch from S3, caching, training, saving, upload to
S3), its steps/s and peak RSS, then the steps/s of the cached loop against a plain loop that
re-encodes every batch through the VAE and text encoder (as the reference diffusers
DreamBooth LoRA script does), with the ratio. Starts its own S3 server, or with --no-s3
keeps objects in memory (for a GPU machine without the embedded servers). With
--preservation it prints only the steps/s of each way to keep the prior (PRESERVATION_VARIANTS),
beside a stock-like loop; scripts/measure_leak.py --set judges what each costs in drift.

    .venv/bin/python scripts/bench_trainer.py [--compare-steps 100] [--no-s3]

With --sd15-shapes it compares only the two loops, on SD 1.5's real architecture with random
weights (scripts/bench_bases.py builds it: speed does not depend on weight values, and no
real weights can be downloaded here), with SD 1.5's own preset: batch 1 and no teacher bank.
(With the small model's preset, a bank of 256 SD 1.5 UNet passes alone took 25 minutes per
loop on 2 cores: 94 s per 16; that is why `--compare-steps 3` never finished in 10.)
"""

import argparse
import asyncio
import dataclasses
import io
import json
import random
import resource
import tempfile
import time
from pathlib import Path

import torch
from bench_bases import real_base  # scripts/, beside this one
from PIL import Image

from aitrain_basemodel import COMMITTED_MODEL, world
from trainer import job
from trainer.domain.pacing import Pacing
from trainer.domain.presets import plan
from trainer.engine.base import load_base, pick_device
from trainer.engine.lora import LoraTraining, to_pixels

BUCKET = "bench"


def training_set() -> list[tuple[bytes, str]]:
    rng, items = random.Random(7), []
    for _ in range(15):
        scene = world.sample(rng)
        out = io.BytesIO()
        world.render(scene, 512).save(out, "PNG")  # the dataset service stores 512 px PNGs
        items.append((out.getvalue(), scene.caption().replace(scene.shape, "zxq")))
    return items


class MemoryStore:
    def __init__(self):
        self.objects: dict[str, bytes] = {}

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = data

    async def get(self, key: str) -> bytes | None:
        return self.objects.get(key)


async def job_figures(store) -> dict:
    items = training_set()
    for i, (data, _) in enumerate(items):
        await store.put(f"in/{i}.png", data, "image/png")
    started = time.monotonic()
    base = load_base(str(COMMITTED_MODEL), pick_device())
    loaded = time.monotonic()
    images = [Image.open(io.BytesIO(await store.get(f"in/{i}.png"))) for i in range(len(items))]
    fetched = time.monotonic()
    chosen = plan("character", len(items), None, seed=0)
    captions = [text for _, text in items]
    outcome = job.run(base, job.JobInputs(images, captions, chosen), job.Unwatched(), Pacing())
    uploading = time.monotonic()
    await store.put("out/lora.safetensors", outcome.lora, "application/octet-stream")
    ended = time.monotonic()
    return {
        "steps": chosen.steps,
        "stages_s": {
            "load_base (once per process)": round(loaded - started, 2),
            "fetch": round(fetched - loaded, 2),
            **outcome.stage_seconds,
            "upload": round(ended - uploading, 2),
        },
        "job_s (without load_base)": round(ended - loaded, 2),
        "steps_per_s (with samples)": round(outcome.steps_per_s, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "peak_memory_mb (GPU memory on a GPU)": round(outcome.peak_memory_mb),
    }


class PlainLoop(LoraTraining):
    """The loop as the reference script's data loader feeds it: every batch resized and sent
    through the VAE and text encoder again, and the prior prompts through the frozen one."""

    def __init__(self, *args):
        super().__init__(*args)
        for encoder in self.base.encoders:  # the cached loop moved them off the accelerator
            encoder.to(self.base.device)

    def _latents(self, index: torch.Tensor) -> torch.Tensor:
        side = self.base.resolution
        return self._encode_images(torch.stack([to_pixels(self.images[i], side) for i in index]))

    def _conditioning(self, index: torch.Tensor) -> tuple:
        if self.trains_text_encoder:
            return super()._conditioning(index)
        return self._encode_text([tokens[index] for tokens in self.tokens])

    def _prior_conditioning(self, pick: torch.Tensor) -> tuple:
        return self._encode_text([tokens[pick] for tokens in self.prior_tokens], frozen=True)


def loop_steps_per_s(
    loop: type[LoraTraining], steps: int, sd15: bool = False, changes: dict | None = None
) -> float:
    items = training_set()
    images = [Image.open(io.BytesIO(data)) for data, _ in items]
    device = pick_device()
    if sd15:  # SD 1.5's real shapes, with its own preset (batch 1, no teacher bank)
        base, table = real_base("sd", device, torch.float32), "sd15"
    else:
        base, table = load_base(str(COMMITTED_MODEL), device), "aitrain-tiny"
    chosen = plan("character", len(items), None, 0, table)  # the default preset, as jobs run
    chosen = dataclasses.replace(chosen, **(changes or {}))
    training = loop(base, images, [t for _, t in items], chosen)
    training.train_step()  # warm-up
    started = time.monotonic()
    for _ in range(steps):
        loss = training.train_step()
    float(loss)  # waits for the device
    return steps / (time.monotonic() - started)


async def with_s3_server() -> dict:
    from aitrain_local import servers
    from aitrain_local.process import free_port
    from contracts.storage import S3ObjectStore

    with tempfile.TemporaryDirectory() as folder:
        creds = servers.S3Credentials("bench", "bench-secret-key")
        port = free_port()
        s3 = servers.s3_server(Path(folder), port, Path(folder) / "logs", creds)
        s3.start()
        try:
            client = servers.s3_client(f"http://127.0.0.1:{port}", creds)
            s3.wait_ready(lambda: servers.s3_ready(client, BUCKET), 60)
            return await job_figures(S3ObjectStore(client, BUCKET))
        finally:
            s3.stop()


PRESERVATION_VARIANTS: dict[str, tuple[type[LoraTraining], dict]] = {
    "stock-like (re-encodes every batch, no preservation)": (PlainLoop, {"preserve_weight": 0}),
    "cached, no preservation": (LoraTraining, {"preserve_weight": 0}),
    "live teacher, prior batch 4": (LoraTraining, {"teacher_bank": 0, "prior_batch": 4}),
    "live teacher, prior batch 2": (LoraTraining, {"teacher_bank": 0, "prior_batch": 2}),
    "teacher bank 256, prior batch 4": (LoraTraining, {"teacher_bank": 256, "prior_batch": 4}),
    "teacher bank 256, prior batch 2": (LoraTraining, {"teacher_bank": 256, "prior_batch": 2}),
    "teacher bank 256, prior batch 1": (LoraTraining, {"teacher_bank": 256, "prior_batch": 1}),
}


def preservation_table(steps: int, rounds: int = 3) -> dict[str, float]:
    """Steps/s of each way to preserve the prior, runs alternated (the machine's speed
    drifts), the median of `rounds`; the preset's other settings as the job runs them."""
    runs: dict[str, list[float]] = {name: [] for name in PRESERVATION_VARIANTS}
    for _ in range(rounds):
        for name, (loop, changes) in PRESERVATION_VARIANTS.items():
            runs[name].append(loop_steps_per_s(loop, steps, changes=changes))
    return {name: round(sorted(r)[len(r) // 2], 2) for name, r in runs.items()}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--compare-steps", type=int, default=100)
    parser.add_argument("--no-s3", action="store_true")
    parser.add_argument("--sd15-shapes", action="store_true")
    parser.add_argument("--preservation", action="store_true")
    args = parser.parse_args()
    device = pick_device()
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(json.dumps({"device": name, "torch_threads": torch.get_num_threads()}))
    if args.preservation:
        print(json.dumps(preservation_table(args.compare_steps), indent=2))
        return
    if not args.sd15_shapes:
        figures = await (job_figures(MemoryStore()) if args.no_s3 else with_s3_server())
        print(json.dumps(figures, indent=2))
    cached = loop_steps_per_s(LoraTraining, args.compare_steps, args.sd15_shapes)
    plain = loop_steps_per_s(PlainLoop, args.compare_steps, args.sd15_shapes)
    print(
        json.dumps(
            {
                "cached_loop_steps_per_s": round(cached, 3),
                "plain_loop_steps_per_s (re-encodes every batch)": round(plain, 3),
                "ratio": round(cached / plain, 2),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
