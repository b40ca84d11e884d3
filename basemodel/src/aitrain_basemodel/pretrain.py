"""Pretrain the embedded base model from a fixed seed: the VAE first, then the UNet and the
text encoder together on cached latents, with caption dropout (so classifier-free guidance
works) and an EMA of the weights. Writes the model in the diffusers layout plus a manifest.

    python -m aitrain_basemodel.pretrain OUT_DIR [--vae-minutes 5] [--unet-minutes 20]
"""

import argparse
import copy
import json
import random
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from aitrain_basemodel import architecture, prior, world
from aitrain_basemodel.vocabulary import MAX_LENGTH

DATA_VERSION = 1  # bump when world.py changes what it draws


@dataclass(frozen=True)
class Recipe:
    seed: int = 1234
    scenes: int = 20_000
    vae_minutes: float = 4.0
    vae_batch: int = 16
    vae_lr: float = 5e-4
    kl_weight: float = 1e-6
    unet_minutes: float = 12.0
    unet_batch: int = 64
    unet_lr: float = 4e-4
    caption_dropout: float = 0.1
    ema_decay: float = 0.995
    threads: int = 2


def scenes_and_pixels(recipe: Recipe) -> tuple[list[world.Scene], torch.Tensor]:
    rng = random.Random(recipe.seed)
    scenes = [world.sample(rng) for _ in range(recipe.scenes)]
    pixels = np.stack([np.asarray(world.render(s, architecture.RESOLUTION)) for s in scenes])
    return scenes, torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 127.5 - 1


def train_vae(vae, pixels: torch.Tensor, recipe: Recipe) -> dict:
    optimiser = torch.optim.AdamW(vae.parameters(), lr=recipe.vae_lr, foreach=True)
    generator = torch.Generator().manual_seed(recipe.seed)
    deadline, steps, loss = time.monotonic() + recipe.vae_minutes * 60, 0, torch.tensor(0.0)
    vae.train()
    while time.monotonic() < deadline:
        batch = pixels[torch.randint(len(pixels), (recipe.vae_batch,), generator=generator)]
        posterior = vae.encode(batch).latent_dist
        # decoding the mean, not a sample: with sampling, 4 minutes left colours washed out
        # (judge on reconstructions: colour 20 %); with the mean, 98.5 %
        reconstruction = vae.decode(posterior.mean).sample
        loss = F.mse_loss(reconstruction, batch) + recipe.kl_weight * posterior.kl().mean()
        loss.backward()
        optimiser.step()
        optimiser.zero_grad(set_to_none=True)
        steps += 1
    vae.eval()
    return {"vae_steps": steps, "vae_final_loss": round(loss.item(), 5)}


@torch.no_grad()
def cache_latents(vae, pixels: torch.Tensor) -> torch.Tensor:
    means = torch.cat([vae.encode(chunk).latent_dist.mean for chunk in pixels.split(256)])
    vae.register_to_config(scaling_factor=float(1 / means.std()))  # unit variance, as SD does
    return means * vae.config.scaling_factor


def train_unet(pipeline, latents, token_ids, blank_ids, recipe: Recipe) -> dict:
    unet, text_encoder, noise_schedule = pipeline.unet, pipeline.text_encoder, pipeline.scheduler
    params = [*unet.parameters(), *text_encoder.parameters()]
    optimiser = torch.optim.AdamW(params, lr=recipe.unet_lr, foreach=True)
    ema = [copy.deepcopy(unet), copy.deepcopy(text_encoder)]
    generator = torch.Generator().manual_seed(recipe.seed + 1)
    alphas = noise_schedule.alphas_cumprod
    deadline, steps, loss = time.monotonic() + recipe.unet_minutes * 60, 0, torch.tensor(0.0)
    unet.train()
    text_encoder.train()
    while time.monotonic() < deadline:
        index = torch.randint(len(latents), (recipe.unet_batch,), generator=generator)
        clean, ids = latents[index], token_ids[index].clone()
        dropped = torch.rand(len(ids), generator=generator) < recipe.caption_dropout
        ids[dropped] = blank_ids
        noise = torch.randn(clean.shape, generator=generator)
        t = torch.randint(0, len(alphas), (len(clean),), generator=generator)
        a = alphas[t].view(-1, 1, 1, 1)
        noisy = a.sqrt() * clean + (1 - a).sqrt() * noise
        prediction = unet(noisy, t, text_encoder(ids)[0]).sample
        loss = F.mse_loss(prediction, noise)
        loss.backward()
        optimiser.step()
        optimiser.zero_grad(set_to_none=True)
        with torch.no_grad():
            for average, live in zip(ema, (unet, text_encoder), strict=True):
                for p_avg, p in zip(average.parameters(), live.parameters(), strict=True):
                    p_avg.lerp_(p, 1 - recipe.ema_decay)
        steps += 1
    pipeline.unet, pipeline.text_encoder = ema[0].eval(), ema[1].eval()
    return {"unet_steps": steps, "unet_final_loss": round(loss.item(), 5)}


def pretrain(out: Path, recipe: Recipe) -> dict:
    torch.manual_seed(recipe.seed)
    torch.set_num_threads(recipe.threads)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as build:
        pipeline = architecture.fresh_pipeline(Path(build), seed=recipe.seed)
    scenes, pixels = scenes_and_pixels(recipe)
    metrics = train_vae(pipeline.vae, pixels, recipe)
    latents = cache_latents(pipeline.vae, pixels)
    tokenize = pipeline.tokenizer
    captions = [scene.caption() for scene in scenes]
    token_ids = tokenize(captions, padding="max_length", max_length=MAX_LENGTH, return_tensors="pt")
    blank = tokenize([""], padding="max_length", max_length=MAX_LENGTH, return_tensors="pt")
    metrics |= train_unet(pipeline, latents, token_ids.input_ids, blank.input_ids[0], recipe)
    metrics["minutes"] = round((time.monotonic() - started) / 60, 2)
    architecture.save(pipeline, out)
    prior.write(out)
    manifest = {"recipe": asdict(recipe), "data_version": DATA_VERSION, "metrics": metrics}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--vae-minutes", type=float, default=Recipe.vae_minutes)
    parser.add_argument("--unet-minutes", type=float, default=Recipe.unet_minutes)
    args = parser.parse_args()
    recipe = Recipe(vae_minutes=args.vae_minutes, unet_minutes=args.unet_minutes)
    print(json.dumps(pretrain(args.out, recipe)["metrics"]))


if __name__ == "__main__":
    main()
