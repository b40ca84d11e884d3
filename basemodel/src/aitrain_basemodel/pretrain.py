"""Pretrain the embedded base model from a fixed seed: the VAE first, then the UNet and the
text encoder together on cached latents, with caption dropout (so classifier-free guidance
works) and an EMA of the weights. Writes the model in the diffusers layout plus a manifest.

Every aspect ratio the API offers is a bucket of scenes rendered at that ratio and about the
native area (architecture.ASPECT_BUCKETS); a step draws its batch from one bucket, so wide
and tall images are in distribution instead of squares stretched.

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

DATA_VERSION = 2  # bump when world.py changes what it draws (2: strays, any ratio)


@dataclass(frozen=True)
class Recipe:
    seed: int = 1234
    scenes: int = 20_000
    vae_minutes: float = 5.0
    vae_batch: int = 16
    vae_lr: float = 5e-4
    kl_weight: float = 1e-6
    unet_minutes: float = 22.5
    unet_batch: int = 32
    """32, not 64: 1.8x the steps/s on 2 cores, and more updates in the same minutes."""
    unet_lr: float = 4e-4
    min_snr_gamma: float = 5.0
    caption_dropout: float = 0.1
    ema_decay: float = 0.995
    square_share: float = 0.4
    """Of the scenes, the share drawn square; the other ratios split the rest evenly."""
    threads: int = 2


class Buckets:
    """Scenes grouped by aspect ratio, each group a tensor of one size; a batch comes from
    one group, picked in proportion to its size."""

    def __init__(self, recipe: Recipe):
        rng = random.Random(recipe.seed)
        others = [r for r in architecture.ASPECT_BUCKETS if r != "1:1"]
        grouped: dict[str, list[world.Scene]] = {r: [] for r in architecture.ASPECT_BUCKETS}
        for _ in range(recipe.scenes):
            ratio = "1:1" if rng.random() < recipe.square_share else rng.choice(others)
            grouped[ratio].append(world.sample(rng, stray=True))
        self.scenes = {ratio: scenes for ratio, scenes in grouped.items() if scenes}
        self.pixels = {ratio: _pixels(scenes, ratio) for ratio, scenes in self.scenes.items()}
        self._sizes = torch.tensor([len(s) for s in self.scenes.values()], dtype=torch.float)

    def pick(self, batch: int, generator: torch.Generator) -> tuple[str, torch.Tensor]:
        """A ratio and the indices of a batch of its scenes."""
        ratio = list(self.scenes)[int(torch.multinomial(self._sizes, 1, generator=generator))]
        count = len(self.scenes[ratio])
        return ratio, torch.randint(count, (batch,), generator=generator)


def _pixels(scenes: list[world.Scene], ratio: str) -> torch.Tensor:
    width, height = architecture.ASPECT_BUCKETS[ratio]
    pixels = np.stack([np.asarray(world.render(s, width, height)) for s in scenes])
    return torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 127.5 - 1


def train_vae(vae, buckets: Buckets, recipe: Recipe) -> dict:
    optimiser = torch.optim.AdamW(vae.parameters(), lr=recipe.vae_lr, foreach=True)
    generator = torch.Generator().manual_seed(recipe.seed)
    deadline, steps, loss = time.monotonic() + recipe.vae_minutes * 60, 0, torch.tensor(0.0)
    vae.train()
    while time.monotonic() < deadline:
        ratio, index = buckets.pick(recipe.vae_batch, generator)
        batch = buckets.pixels[ratio][index]
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
def cache_latents(vae, buckets: Buckets) -> dict[str, torch.Tensor]:
    means = {
        ratio: torch.cat([vae.encode(chunk).latent_dist.mean for chunk in pixels.split(256)])
        for ratio, pixels in buckets.pixels.items()
    }
    spread = torch.cat([m.flatten() for m in means.values()]).std()
    vae.register_to_config(scaling_factor=float(1 / spread))  # unit variance, as SD does
    return {ratio: m * vae.config.scaling_factor for ratio, m in means.items()}


def train_unet(pipeline, buckets: Buckets, latents, token_ids, blank_ids, recipe: Recipe) -> dict:
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
        ratio, index = buckets.pick(recipe.unet_batch, generator)
        clean, ids = latents[ratio][index], token_ids[ratio][index].clone()
        dropped = torch.rand(len(ids), generator=generator) < recipe.caption_dropout
        ids[dropped] = blank_ids
        noise = torch.randn(clean.shape, generator=generator)
        t = torch.randint(0, len(alphas), (len(clean),), generator=generator)
        a = alphas[t].view(-1, 1, 1, 1)
        noisy = a.sqrt() * clean + (1 - a).sqrt() * noise
        prediction = unet(noisy, t, text_encoder(ids)[0]).sample
        # min-SNR weighting (Hang et al. 2023): the nearly clean timesteps, easy and many,
        # stop crowding out the noisy ones where shape and place are decided
        snr = a.flatten() / (1 - a.flatten())
        weight = snr.clamp(max=recipe.min_snr_gamma) / snr
        loss = (weight * ((prediction - noise) ** 2).mean(dim=(1, 2, 3))).mean()
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
    buckets = Buckets(recipe)
    metrics = train_vae(pipeline.vae, buckets, recipe)
    latents = cache_latents(pipeline.vae, buckets)

    def tokenize(captions: list[str]) -> torch.Tensor:
        return pipeline.tokenizer(
            captions, padding="max_length", max_length=MAX_LENGTH, return_tensors="pt"
        ).input_ids

    token_ids = {r: tokenize([s.caption() for s in scenes]) for r, scenes in buckets.scenes.items()}
    blank = tokenize([""])[0]
    metrics |= train_unet(pipeline, buckets, latents, token_ids, blank, recipe)
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
