"""The LoRA training loop: inputs encoded once, then only the adapters learn.

An adapter on the denoiser (the UNet's attention; FLUX's attention and MLPs) always;
optionally one on the text encoder's attention too (SD 1.x/2.x only: SDXL and FLUX train the
denoiser's adapter alone). What differs between families (noise, targets, text inputs, how
the denoiser is called) is engine/families.py; this loop is theirs in common. The shared
base text encoder is never changed: a job that trains it works on its own copy.

Prior preservation by distillation: each step also shows the UNet a batch of the base
model's keyword-free prior prompts (engine/prior.py) and penalises any difference between
its prediction with the adapters and without them (the adapters switched off: the base
itself is the teacher, no prior images needed). Measured on the small model
(scripts/measure_leak.py, 300 unrelated images): the object-colour adherence of prompts
without the keyword dropped 18.7 points without it and 2.3 with it, the subject share of
keyword prompts unchanged (67 %).

The teacher can also answer once: `Plan.teacher_bank` cases (a prior prompt on a noised
subject latent) are answered by the base before any adapter exists, and each step draws
`Plan.prior_batch` of them, so a step is one UNet pass. Steps/s on a 2-core CPU, character
preset, median of 3 alternated runs (scripts/bench_trainer.py --preservation): live teacher
4.07, bank of 256 with 2 prior cases 5.98 (1.47x; every preset's default), no preservation
6.33, a stock-like loop that re-encodes every batch without preservation 4.87.

Fast by construction: VAE latents (each image's posterior mean) and, when the text encoder
is frozen, text embeddings are computed once, after which the encoders leave the accelerator;
AdamW runs fused on a GPU and foreach on a CPU; a step never waits on the host (the loss
stays a tensor until someone asks for it). scripts/bench_trainer.py compares this loop with
one that re-encodes every batch the way the reference diffusers script does.
"""

import copy
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from peft import LoraConfig, inject_adapter_in_model
from peft.utils import get_peft_model_state_dict, set_peft_model_state_dict
from PIL import Image

from contracts.sampling import nearest_ratio, output_size
from trainer.domain.plan import Plan
from trainer.engine import families
from trainer.engine.base import LoadedBase

TEXT_ENCODER_TARGETS = ["q_proj", "k_proj", "v_proj", "out_proj"]
EVALUATION_BATCH = 16


@dataclass(frozen=True)
class TeacherBank:
    """Prior cases with the base model's answers, computed once (Plan.teacher_bank)."""

    noisy: torch.Tensor
    timesteps: torch.Tensor
    pick: torch.Tensor
    """Which prior prompt each case asks."""
    answers: torch.Tensor

    def cases(self, rows: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.noisy[rows], self.timesteps[rows], self.pick[rows], self.answers[rows]


class LoraTraining:
    def __init__(
        self,
        base: LoadedBase,
        images: list[Image.Image],
        captions: list[str],
        plan: Plan,
        framed: list[Image.Image | None] | None = None,
        cuts: list[tuple] | None = None,
    ):
        """`images` are squares; `framed`, where given, the same photos whole at their own
        aspect ratio (the dataset service's), trained in buckets of one ratio each; `cuts`,
        where given, (photo size, crop corner) of each square (SDXL's size conditioning)."""
        self.base, self.plan = base, plan
        self.step = 0
        self.generator = torch.Generator().manual_seed(plan.seed)
        self.images = images
        self.sizes = families.size_ids(base, cuts or [(None, None)] * len(images), images)
        self.tokens = families.tokenize(base, captions)
        self.trains_text_encoder = plan.text_encoder_rank > 0 and base.family.trains_text_encoder
        self.preserving = plan.preserve_weight > 0 and bool(base.prior_prompts)
        # tokenized even without preservation: the evaluation measures drift on them
        prior = base.prior_prompts
        self.prior_tokens = families.tokenize(base, prior) if prior else None
        _onload(base)
        self.text_encoder = base.text_encoder
        pixels = torch.stack([to_pixels(image, base.resolution) for image in images])
        self.latents = self._encode_images(pixels)
        self.buckets = self._frame_buckets(framed or []) | self._smaller_squares(images)
        if not self.trains_text_encoder:  # a trained text encoder runs every step
            self.conditioning = self._encode_text(self.tokens)
        if self.preserving:  # what the frozen base text encoder makes of the prior prompts
            self.prior_conditioning = self._encode_text(self.prior_tokens)
        self.bank = self._teacher_bank() if self.preserving and plan.teacher_bank else None
        _offload(base)
        torch.manual_seed(plan.seed)  # peft draws the adapters' initial weights globally
        base.denoiser.add_adapter(_lora(plan.rank, base.family.lora_targets))
        groups = [{"params": _trainable(base.denoiser), "lr": plan.learning_rate}]
        if self.trains_text_encoder:
            self.text_encoder = copy.deepcopy(base.text_encoder).to(base.device)
            config = _lora(plan.text_encoder_rank, TEXT_ENCODER_TARGETS)
            inject_adapter_in_model(config, self.text_encoder)
            self.text_encoder.peft_config = {"default": config}
            lr = plan.text_encoder_learning_rate
            groups.append({"params": _trainable(self.text_encoder), "lr": lr})
        self.parameters = [p for group in groups for p in group["params"]]
        fused = base.device.type == "cuda"
        self.optimizer = torch.optim.AdamW(
            groups, weight_decay=1e-2, fused=fused, foreach=not fused
        )
        if plan.gradient_checkpointing:
            base.denoiser.enable_gradient_checkpointing()
        base.denoiser.train()

    def train_step(self) -> torch.Tensor:
        """One optimiser step; returns the loss as a detached tensor (no host sync)."""
        base, device = self.base, self.base.device
        index, latents = self._batch()
        conditioning = self._conditioning(index)
        noise = torch.randn(latents.shape, generator=self.generator).to(device)
        draw = families.draw_timesteps(base, len(index), latents, self.generator)
        timesteps = draw.to(device)
        noisy = families.noised(base, latents, noise, timesteps)
        sizes = self._sizes(index, latents)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            target = families.target(base, latents, noise, timesteps)
            if not self.preserving:
                predicted = families.predict(base, noisy, timesteps, conditioning, sizes)
                loss = F.mse_loss(predicted.float(), target)
            else:
                prior_noisy, prior_timesteps, teacher, prior_text = self._prior(noisy, timesteps)
                if prior_noisy.shape[2:] == noisy.shape[2:]:
                    # one pass over the batch and the step's prior cases
                    text = tuple(
                        torch.cat([a, b]) if a is not None else None
                        for a, b in zip(conditioning, prior_text, strict=True)
                    )
                    if sizes is not None:  # the prior cases are whole squares
                        sizes = torch.cat([sizes, families.uncropped(base, prior_noisy)])
                    both = families.predict(
                        base,
                        torch.cat([noisy, prior_noisy]),
                        torch.cat([timesteps, prior_timesteps]),
                        text,
                        sizes,
                    )
                    predicted, drifted = both.float().split([len(noisy), len(prior_noisy)])
                else:  # a framed batch beside square prior cases: two passes
                    predicted = families.predict(base, noisy, timesteps, conditioning, sizes)
                    predicted = predicted.float()
                    drifted = families.predict(base, prior_noisy, prior_timesteps, prior_text)
                    drifted = drifted.float()
                drift = F.mse_loss(drifted, teacher.float())
                loss = F.mse_loss(predicted, target) + self.plan.preserve_weight * drift
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        return loss.detach()

    def _prior(self, noisy: torch.Tensor, timesteps: torch.Tensor) -> tuple:
        """The step's prior cases: noisy latents, timesteps, the base model's answers to them
        (adapters off: the teacher) and the text inputs the student answers them with. From
        the teacher bank when there is one, else prior prompts on the step's own latents."""
        count = self.plan.prior_batch or len(timesteps)
        teacher_text = None
        if self.bank is not None:
            rows = torch.randint(len(self.bank.pick), (count,), generator=self.generator)
            noisy, timesteps, pick, teacher = self.bank.cases(rows)
        else:
            noisy, timesteps = noisy[:count], timesteps[:count]
            pick = torch.randint(len(self.prior_tokens[0]), (count,), generator=self.generator)
            teacher_text = self._prior_conditioning(pick)
            with torch.no_grad(), _adapters(self.base.denoiser, on=False):
                teacher = families.predict(self.base, noisy, timesteps, teacher_text)
        if self.trains_text_encoder:  # the student reads them through its own text encoder
            student_text = (self.text_encoder(self.prior_tokens[0][pick].to(noisy.device))[0], None)
        else:
            student_text = teacher_text or self._prior_conditioning(pick)
        return noisy, timesteps, teacher, student_text

    @torch.no_grad()
    def _teacher_bank(self) -> TeacherBank:
        """The base model's answers to `plan.teacher_bank` prior cases (a prior prompt on a
        subject latent at a random noise and timestep), computed before any adapter exists.
        Its own random stream: the steps draw the same batches with or without a bank."""
        base, size = self.base, self.plan.teacher_bank
        generator = torch.Generator().manual_seed(self.plan.seed + 104_729)
        image = torch.randint(len(self.images), (size,), generator=generator)
        pick = torch.randint(len(self.prior_tokens[0]), (size,), generator=generator)
        noise = torch.randn((size, *self.latents.shape[1:]), generator=generator)
        draw = families.draw_timesteps(base, size, self.latents, generator)
        timesteps = draw.to(base.device)
        noisy = families.noised(base, self.latents[image], noise.to(base.device), timesteps)
        answers = []
        device = base.device
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            for rows in torch.arange(size).split(EVALUATION_BATCH):
                text = self._prior_conditioning(pick[rows])
                answer = families.predict(base, noisy[rows], timesteps[rows], text)
                answers.append(answer.float())
        return TeacherBank(noisy, timesteps, pick, torch.cat(answers))

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The step's images (indices) and their latents: squares, or on a share of steps
        (bucketed images over all) one bucket's: an aspect ratio's framed photos, or the
        squares at a smaller side."""
        count, generator = self.plan.batch_size, self.generator
        if self.buckets:  # no draw without buckets: square-only jobs run as they always did
            sizes = torch.tensor([len(members) for members, _ in self.buckets.values()])
            framed = int(sizes.sum())
            if float(torch.rand(1, generator=generator)) * (framed + len(self.images)) < framed:
                pick = int(torch.multinomial(sizes.float(), 1, generator=generator))
                members, latents = list(self.buckets.values())[pick]
                rows = torch.randint(len(members), (count,), generator=generator)
                return members[rows], latents[rows]
        index = torch.randint(len(self.images), (count,), generator=generator)
        return index, self._latents(index)

    @torch.no_grad()
    def _frame_buckets(
        self, framed: list[Image.Image | None]
    ) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        """Per aspect ratio: the images framed at it, and their latents at the size the
        inference service draws that ratio (720p)."""
        groups: dict[str, list[int]] = {}
        for index, image in enumerate(framed):
            if image is not None and (ratio := nearest_ratio(*image.size)) != "1:1":
                groups.setdefault(ratio, []).append(index)
        buckets = {}
        for ratio, members in sorted(groups.items()):
            base = self.base
            width, height = output_size(ratio, "720p", base.resolution, base.size_multiple)
            pixels = torch.stack([to_pixels(framed[i], width, height) for i in members])
            buckets[ratio] = (torch.tensor(members), self._encode_images(pixels))
        return buckets

    @torch.no_grad()
    def _smaller_squares(self, images: list[Image.Image]) -> dict:
        """The squares again at each of the plan's smaller sides (a bucket per side, all the
        images in each), snapped to the base's size multiple."""
        buckets, base = {}, self.base
        for share in self.plan.smaller_sides:
            side = max(round(base.resolution * share / base.size_multiple), 1) * base.size_multiple
            pixels = torch.stack([to_pixels(image, side) for image in images])
            buckets[f"{side}px"] = (torch.arange(len(images)), self._encode_images(pixels))
        return buckets

    def _sizes(self, index: torch.Tensor, latents: torch.Tensor) -> torch.Tensor | None:
        """SDXL's size conditioning of a batch of squares (a framed batch, another shape,
        is a whole picture: uncropped)."""
        if self.sizes is None or latents.shape[-2:] != self.latents.shape[-2:]:
            return None
        return self.sizes[index]

    # What a step reads: cached inputs, picked by batch index (a subclass may compute them
    # anew, as the benchmark's plain loop does).
    def _latents(self, index: torch.Tensor) -> torch.Tensor:
        return self.latents[index]

    def _conditioning(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self.trains_text_encoder:  # it learns: its output changes every step
            return self.text_encoder(self.tokens[0][index].to(self.base.device))[0], None
        return _pick(self.conditioning, index)

    def _prior_conditioning(self, pick: torch.Tensor) -> tuple:
        """The frozen base text encoder's inputs for the picked prior prompts (the teacher's)."""
        return _pick(self.prior_conditioning, pick)

    def close(self) -> None:
        """Take the adapter off the shared base model, ready for the next job."""
        self.base.denoiser.delete_adapters("default")
        if self.plan.gradient_checkpointing:
            self.base.denoiser.disable_gradient_checkpointing()
        self.base.denoiser.eval()
        self.text_encoder = self.base.text_encoder

    def adapters(self) -> dict[str, dict[str, torch.Tensor]]:
        """The adapters' weights, named the peft way, per model ("unet" or "transformer",
        "text_encoder")."""
        states = {self.base.family.denoiser: get_peft_model_state_dict(self.base.denoiser)}
        if self.trains_text_encoder:
            states["text_encoder"] = get_peft_model_state_dict(self.text_encoder)
        return states

    def checkpoint(self) -> tuple[dict[str, torch.Tensor], int]:
        """Everything a resumed job needs to continue exactly: adapters, optimiser, random state."""
        tensors = {
            f"{model}.{key}": value.detach().cpu().contiguous()
            for model, state in self.adapters().items()
            for key, value in state.items()
        }
        for i, parameter in enumerate(self.parameters):
            state = self.optimizer.state.get(parameter, {})
            for name in ("exp_avg", "exp_avg_sq", "step"):
                if name in state:
                    tensors[f"adam.{i}.{name}"] = state[name].detach().cpu().reshape(-1).clone()
        tensors["rng"] = self.generator.get_state()
        return tensors, self.step

    def restore(self, tensors: dict[str, torch.Tensor], step: int) -> None:
        states = {}
        for model in self.adapters():
            prefix = f"{model}."
            states[model] = {
                k.removeprefix(prefix): v for k, v in tensors.items() if k.startswith(prefix)
            }
        self.load_adapters(states)
        for i, parameter in enumerate(self.parameters):
            if f"adam.{i}.exp_avg" not in tensors:
                continue
            self.optimizer.state[parameter] = {
                "step": tensors[f"adam.{i}.step"].reshape(()).to(parameter.device),
                "exp_avg": tensors[f"adam.{i}.exp_avg"].reshape(parameter.shape).to(parameter),
                "exp_avg_sq": tensors[f"adam.{i}.exp_avg_sq"]
                .reshape(parameter.shape)
                .to(parameter),
            }
        self.generator.set_state(tensors["rng"])
        self.step = step

    def load_adapters(self, states: dict[str, dict[str, torch.Tensor]]) -> None:
        """Set the adapters' weights (as `adapters()` returns them)."""
        modules = {self.base.family.denoiser: self.base.denoiser, "text_encoder": self.text_encoder}
        for model, state in states.items():
            set_peft_model_state_dict(modules[model], state)

    @torch.no_grad()
    def measure(
        self,
        index: torch.Tensor,
        noise: torch.Tensor,
        timesteps: torch.Tensor,
        prior_pick: torch.Tensor | None,
        adapters: bool,
    ) -> tuple[float, torch.Tensor | None]:
        """On the images `index` noised with `noise` at `timesteps`: the denoising loss with
        their captions, and the predictions for the prior prompts `prior_pick` (None when
        the job preserves none), with the adapters on or off (engine/evaluation.py)."""
        base, device, denoiser = self.base, self.base.device, self.base.denoiser
        was_training = denoiser.training
        denoiser.eval()
        _onload(base)  # the frozen encoders answer too
        errors, priors = [], []
        try:
            with (
                _adapters(denoiser, on=adapters),
                torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"),
            ):
                for rows in torch.arange(len(index)).split(EVALUATION_BATCH):
                    picked, t = index[rows], timesteps[rows].to(device)
                    latents, fresh = self.latents[picked], noise[rows].to(device)
                    noisy = families.noised(base, latents, fresh, t)
                    text = self._encode_text([ids[picked] for ids in self.tokens], not adapters)
                    sizes = self.sizes[picked] if self.sizes is not None else None
                    predicted = families.predict(base, noisy, t, text, sizes).float()
                    target = families.target(base, latents, fresh, t).float()
                    errors.append(((predicted - target) ** 2).mean(dim=(1, 2, 3)))
                    if prior_pick is not None:
                        ids = [t_ids[prior_pick[rows]] for t_ids in self.prior_tokens]
                        text = self._encode_text(ids, not adapters)
                        priors.append(families.predict(base, noisy, t, text).float())
        finally:
            denoiser.train(was_training)
            _offload(base)
        prior = torch.cat(priors).cpu() if priors else None
        return float(torch.cat(errors).mean()), prior

    @torch.no_grad()
    def _encode_images(self, pixels: torch.Tensor) -> torch.Tensor:
        """Posterior means: what our base model was pretrained on, and for SD's VAE (whose
        posterior std is tiny) as good as a sample, while deterministic."""
        vae = self.base.vae
        posterior = vae.encode(pixels.to(self.base.device, vae.dtype)).latent_dist
        shift = vae.config.shift_factor or 0.0
        return (posterior.mean.float() - shift) * vae.config.scaling_factor

    @torch.no_grad()
    def _encode_text(
        self, tokens: list[torch.Tensor], frozen: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The denoiser's text inputs (`frozen`: through the base text encoder, never the
        job's trained copy)."""
        first = self.base.text_encoder if frozen else self.text_encoder
        return families.encode_text(self.base, tokens, first)


@contextmanager
def _adapters(denoiser, on: bool):
    """The denoiser with its adapters on, or off (the base model) for the block's length."""
    if on:
        yield
        return
    denoiser.disable_adapters()
    try:
        yield
    finally:
        denoiser.enable_adapters()


def _lora(rank: int, targets: list[str]) -> LoraConfig:
    return LoraConfig(r=rank, lora_alpha=rank, init_lora_weights="gaussian", target_modules=targets)


def _trainable(module: torch.nn.Module) -> list[torch.nn.Parameter]:
    parameters = [p for p in module.parameters() if p.requires_grad]
    for parameter in parameters:  # adapters learn in fp32 even over bf16 weights
        parameter.data = parameter.data.float()
    return parameters


def _pick(conditioning: tuple, index: torch.Tensor) -> tuple:
    return tuple(c[index] if c is not None else None for c in conditioning)


def to_pixels(image: Image.Image, width: int, height: int | None = None) -> torch.Tensor:
    """RGB in [-1, 1], resized to `width` x `height` (a square by default)."""
    height = height or width
    image = image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
    data = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8)
    return data.view(height, width, 3).permute(2, 0, 1).float() / 127.5 - 1.0


def _onload(base: LoadedBase) -> None:
    for encoder in base.encoders:
        encoder.to(base.device)


def _offload(base: LoadedBase) -> None:
    """The encoders are done once inputs are cached: free the accelerator for the UNet."""
    if base.device.type == "cuda":
        for encoder in base.encoders:
            encoder.to("cpu")
        torch.cuda.empty_cache()
