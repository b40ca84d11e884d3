"""One warm diffusers pipeline (loaded once per process) that paints with any trained model.

Each model's LoRA is loaded into the pipeline once, as a named adapter, and requests switch
between adapters with `set_adapters` — one model, or several at once with a weight each (their
LoRA deltas add up): the base is never reloaded. At most `capacity` adapters stay loaded; the
least recently used one not needed by the request at hand is deleted to make room.
"""

from collections import OrderedDict

import torch
from diffusers import DiffusionPipeline
from PIL import Image

from contracts.safety import ImageCheck, NoCheck, SafetyChecker
from contracts.sampling import FLUX_MAX_TEXT_TOKENS, Sampling


class Painter:
    def __init__(
        self,
        base_model: str,
        device: torch.device,
        capacity: int,
        sampling: Sampling,
        native_side: int = 0,
        safety_check: bool = True,
    ):
        dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
        self.pipeline = DiffusionPipeline.from_pretrained(base_model, dtype=dtype).to(device)
        self.check = self._image_check(safety_check)
        self.flow = "transformer" in self.pipeline.components  # FLUX.1
        if not self.flow:  # FLUX samples with its own flow-matching scheduler
            self.pipeline.scheduler = sampling.scheduler_from(self.pipeline.scheduler.config)
        self.pipeline.set_progress_bar_config(disable=True)
        self.device, self.capacity, self.sampling = device, capacity, sampling
        self.loaded: OrderedDict[str, None] = OrderedDict()
        self._native_side = native_side

    def _image_check(self, enabled: bool) -> ImageCheck:
        """The base's own safety checker, taken out of the pipeline: inside, it would paint a
        flagged image black and the black image would be delivered (contracts.safety)."""
        parts = self.pipeline.components
        checker, features = parts.get("safety_checker"), parts.get("feature_extractor")
        if checker is None:
            return NoCheck()
        self.pipeline.safety_checker = None
        return SafetyChecker(checker, features) if enabled else NoCheck()

    @property
    def native_side(self) -> int:
        """The image side the base was trained at: BASE_RESOLUTION's, else the model's own."""
        if self._native_side:
            return self._native_side
        if self.flow:
            return self.pipeline.default_sample_size * self.pipeline.vae_scale_factor
        return self.pipeline.unet.config.sample_size * self.pipeline.vae_scale_factor

    @property
    def size_multiple(self) -> int:
        """Image sides are multiples of the VAE's factor; FLUX packs latents 2 x 2."""
        return self.pipeline.vae_scale_factor * (2 if self.flow else 1)

    def has(self, model_id: str) -> bool:
        return model_id in self.loaded

    def load(
        self, model_id: str, lora: dict[str, torch.Tensor], keep: tuple[str, ...] = ()
    ) -> None:
        """Load a model's LoRA as a named adapter, evicting the least recently used one that
        is not in `keep` (the other models of the request at hand)."""
        while len(self.loaded) >= self.capacity:
            spare = [loaded for loaded in self.loaded if loaded not in keep]
            if not spare:
                raise ValueError(f"an adapter cache of {self.capacity} cannot hold {keep}")
            self.evict(spare[0])
        self.pipeline.load_lora_weights(lora, adapter_name=model_id)
        self.loaded[model_id] = None

    def evict(self, model_id: str) -> None:
        if self.loaded.pop(model_id, False) is not False:
            self.pipeline.delete_adapters(model_id)

    def paint(
        self,
        weights: dict[str, float],
        prompt: str,
        negative_prompt: str | None,
        size: tuple[int, int],
        seeds: list[int],
    ) -> list[Image.Image]:
        """Images of `prompt` with the models' adapters at their weights (model id → scale),
        one per seed (same seed, same image)."""
        self.pipeline.set_adapters(list(weights), adapter_weights=list(weights.values()))
        for model_id in weights:
            self.loaded.move_to_end(model_id)
        width, height = size
        extra = {"negative_prompt": negative_prompt}
        if self.flow:  # guidance-distilled: no negative prompt; T5 reads up to 512 tokens
            tokenizer = self.pipeline.tokenizer_2
            extra = {"max_sequence_length": min(tokenizer.model_max_length, FLUX_MAX_TEXT_TOKENS)}
        return self.pipeline(
            prompt,
            width=width,
            height=height,
            num_inference_steps=self.sampling.steps,
            guidance_scale=self.sampling.guidance,
            num_images_per_prompt=len(seeds),
            generator=[torch.Generator().manual_seed(seed) for seed in seeds],
            **extra,
        ).images
