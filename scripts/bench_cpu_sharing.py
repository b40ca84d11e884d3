"""A training and a generation on one CPU: does either slow by more than its share of cores?

Runs, each in its own process on the committed model: a training (the character preset's
loop, batch 4) and generations (20 steps, 64 px, one image at a time) — alone, then at the
same time, once with every process taking all cores (torch's default) and once with the
cores split as `make run` splits them (aitrain_local.launcher.torch_threads). Prints steps/s
and seconds per image for each, and each one's slowdown against running alone on all cores.

    .venv/bin/python scripts/bench_cpu_sharing.py [--steps 120]

Run it alone: anything else on the CPU skews every figure.
"""

import argparse
import json
import multiprocessing as mp
import os
import time

CORES = len(os.sched_getaffinity(0))


def train(threads: int, steps: int, started, done, out) -> None:
    import torch

    torch.set_num_threads(threads)
    from aitrain_basemodel import COMMITTED_MODEL, world
    from trainer.domain.presets import plan
    from trainer.engine.base import load_base, pick_device
    from trainer.engine.lora import LoraTraining

    base = load_base(str(COMMITTED_MODEL), pick_device("cpu"))
    images = [world.render(world.Scene("triangle", "yellow", bg)) for bg in ("blue", "red")] * 8
    captions = ["a zxq on a blue background", "a zxq on a red background"] * 8
    training = LoraTraining(base, images, captions, plan("character", 16, None, seed=0))
    started.wait()
    begin = time.monotonic()
    for _ in range(steps):
        training.train_step()
    out.put(("training steps/s", steps / (time.monotonic() - begin)))
    done.set()


def generate(threads: int, images: int, started, done, out) -> None:
    import torch

    torch.set_num_threads(threads)
    from diffusers import StableDiffusionPipeline

    from aitrain_basemodel import COMMITTED_MODEL

    pipeline = StableDiffusionPipeline.from_pretrained(COMMITTED_MODEL)
    pipeline.set_progress_bar_config(disable=True)
    started.wait()
    times = []
    # alone: a fixed count; beside a training: for as long as the training runs
    while (done is None and len(times) < images) or (done is not None and not done.is_set()):
        begin = time.monotonic()
        pipeline("a red circle on a blue background", num_inference_steps=20, guidance_scale=4.0)
        times.append(time.monotonic() - begin)
    out.put(("s per image", sum(times) / len(times)))


def scenario(train_threads: int | None, generate_threads: int | None, steps: int) -> dict:
    ctx = mp.get_context("spawn")
    started, done, out = ctx.Event(), ctx.Event(), ctx.Queue()
    children = []
    if train_threads:
        children.append(ctx.Process(target=train, args=(train_threads, steps, started, done, out)))
    if generate_threads:
        beside = done if train_threads else None
        args = (generate_threads, 20, started, beside, out)
        children.append(ctx.Process(target=generate, args=args))
    for child in children:
        child.start()
    time.sleep(15)  # both loaded before the clock starts
    started.set()
    for child in children:
        child.join()
    return dict(out.get() for _ in children)


def main() -> None:
    from aitrain_local.launcher import torch_threads

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=120)
    args = parser.parse_args()
    split = torch_threads(CORES)
    runs = {
        "training alone, all cores": scenario(CORES, None, args.steps),
        "generation alone, all cores": scenario(None, CORES, args.steps),
        "training alone, its share": scenario(split["trainer"], None, args.steps),
        "generation alone, its share": scenario(None, split["inference"], args.steps),
        "together, each on all cores": scenario(CORES, CORES, args.steps),
        "together, cores split": scenario(split["trainer"], split["inference"], args.steps),
    }
    alone_steps = runs["training alone, all cores"]["training steps/s"]
    alone_image = runs["generation alone, all cores"]["s per image"]
    for name, figures in runs.items():
        if "training steps/s" in figures:
            figures["training slowdown"] = round(alone_steps / figures["training steps/s"], 2)
        if "s per image" in figures:
            figures["generation slowdown"] = round(figures["s per image"] / alone_image, 2)
        rounded = {k: round(v, 3) for k, v in figures.items()}
        print(json.dumps({"cores": CORES, "split": split, "run": name} | rounded))


if __name__ == "__main__":
    main()
