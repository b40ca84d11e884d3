"""Benchmark the warm inference worker: switching between trained models per request.

Trains 10 small models first (the trainer's own job code, 50 steps each, in a child process
so its memory does not count), then times 50 requests (one 1:1 720p image each, a new seed
each) three ways, as the inference handler serves them (adapter loaded from its safetensors
bytes when not cached, then painted and encoded as PNG):
  - cycling through the 10 models on one warm pipeline (10 adapters cached),
  - the same 50 requests with one model,
  - reloading the pipeline for every request (what a worker without a warm base would do).
The first two alternate request by request on two warm pipelines, so machine noise hits
both alike. Prints median and p95 latency of each, the overhead of cycling against one model (target
<= 20 %), the ratio of reloading to the warm pipeline, and peak RSS with 10 adapters cached.

    .venv/bin/python scripts/bench_inference.py [--requests 50] [--models 10]
"""

import argparse
import io
import json
import multiprocessing
import random
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

import torch
from safetensors.torch import load

from aitrain_basemodel import COMMITTED_MODEL, world
from contracts.events.common import TrainingOverrides
from contracts.sampling import Sampling, output_size
from inference.engine.painter import Painter

SAMPLING = Sampling()  # what the inference service uses by default


def train_models(count: int) -> list[bytes]:
    """`count` LoRA files, each a different subject (shape x colour), 50 steps each."""
    from trainer import job
    from trainer.domain.pacing import Pacing
    from trainer.domain.presets import plan
    from trainer.engine.base import load_base, pick_device

    base = load_base(str(COMMITTED_MODEL), pick_device())
    files = []
    for index in range(count):
        rng = random.Random(index)
        shape = world.SHAPES[index % len(world.SHAPES)]
        colour = sorted(world.PALETTE)[index % len(world.PALETTE)]
        images, captions = [], []
        for _ in range(15):
            scene = world.sample(rng)
            subject = world.Scene(shape, colour, scene.background, scene.size, scene.position)
            images.append(world.render(subject, 64))
            captions.append(f"a zxq{index} on a {scene.background} background")
        chosen = plan("object", 15, TrainingOverrides(steps=50), seed=index)
        outcome = job.run(base, job.JobInputs(images, captions, chosen), job.Unwatched(), Pacing())
        files.append(outcome.lora)
    return files


def serve(painter: Painter, model_id: str, lora: bytes, seed: int) -> float:
    """One request as the handler serves it; its latency in seconds."""
    started = time.perf_counter()
    if not painter.has(model_id):
        painter.load(model_id, load(lora))
    size = output_size("1:1", "720p", painter.native_side)
    [image] = painter.paint(
        {model_id: 1.0}, f"a {model_id} on a blue background", None, size, [seed]
    )
    image.save(io.BytesIO(), "PNG")
    return time.perf_counter() - started


def figures(latencies: list[float]) -> dict:
    ordered = sorted(latencies)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[max(0, round(0.95 * len(ordered)) - 1)] * 1000, 1),
    }


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--models", type=int, default=10)
    args = parser.parse_args()
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as child:
        started = time.monotonic()
        loras = child.submit(train_models, args.models).result()
        trained_s = time.monotonic() - started
    names = [f"zxq{index}" for index in range(args.models)]
    from trainer.engine.base import pick_device

    device = pick_device()
    print(json.dumps({"device": str(device), "models_trained_in_s": round(trained_s, 1)}))

    def warm() -> Painter:
        return Painter(str(COMMITTED_MODEL), device, args.models, SAMPLING)

    rss_before = rss_mb()
    cycler = warm()
    rss_warm = rss_mb()
    single = warm()
    for painter in (cycler, single):
        serve(painter, names[0], loras[0], 0)  # the first call pays one-off setup
    # the two runs alternate request by request, so both meet the same machine load
    one, cycling = [], []
    for i in range(args.requests):
        cycling.append(serve(cycler, names[i % args.models], loras[i % args.models], i))
        one.append(serve(single, names[0], loras[0], i))
    del single
    rss_cached = rss_mb()
    peak_cached = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    reloading = []
    for i in range(args.requests):
        started = time.perf_counter()
        fresh = warm()
        serve(fresh, names[i % args.models], loras[i % args.models], i)
        reloading.append(time.perf_counter() - started)
        del fresh
    overhead = statistics.median(cycling) / statistics.median(one) - 1
    result = {
        "requests": args.requests,
        f"cycling {args.models} models (warm pipeline, LRU of {args.models})": figures(cycling),
        "  of which once all are cached (switch only)": figures(cycling[args.models :]),
        "one model (warm pipeline)": figures(one),
        "reloading the pipeline per request": figures(reloading),
        "overhead of cycling vs one model (median)": f"{overhead:+.1%}",
        "reload per request / cycling (median)": round(
            statistics.median(reloading) / statistics.median(cycling), 1
        ),
        "rss_mb": {
            "before the pipeline": round(rss_before),
            "warm pipeline": round(rss_warm),
            f"with {args.models} adapters cached (and a second pipeline)": round(rss_cached),
            "peak before the reload runs": round(peak_cached),
        },
        "cuda_peak_mb": round(torch.cuda.max_memory_allocated() / 2**20)
        if device.type == "cuda"
        else None,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
