"""The same job run twice writes the same bytes: in separate processes, whose string hashing
(and so the order of any set) differs."""

import os
import subprocess
import sys

SCRIPT = """
import hashlib
import torch
from aitrain_basemodel import COMMITTED_MODEL, world
from trainer.domain.plan import Plan
from trainer.engine.base import load_base
from trainer.engine.lora import LoraTraining
from trainer.engine.weights import lora_file

torch.set_num_threads(1)
base = load_base(str(COMMITTED_MODEL), torch.device("cpu"))
images = [world.render(world.Scene("triangle", "yellow", bg)) for bg in ("blue", "red")]
captions = ["a zxq on a blue background", "a zxq on a red background"]
plan = Plan(steps=3, rank=4, learning_rate=1e-3, text_encoder_rank=4, preserve_weight=1.0)
training = LoraTraining(base, images, captions, plan)
for _ in range(plan.steps):
    training.train_step()
print(hashlib.sha256(lora_file(training, {"keyword": "zxq"})).hexdigest())
"""


def digest(hash_seed: str) -> str:
    env = os.environ | {"PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def test_identical_runs_write_identical_files():
    assert digest("1") == digest("2")
