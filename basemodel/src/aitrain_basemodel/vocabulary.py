"""The text side of the base model: a CLIP BPE tokenizer whose every world word is one
token, with single characters as the fallback, so an unknown keyword ("customstarmodel")
still tokenises — into characters the LoRA can learn to respond to."""

import json
import string
from pathlib import Path

from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import CLIPTokenizer

from aitrain_basemodel import world

START, END = "<|startoftext|>", "<|endoftext|>"
PROMPT_WORDS = (
    "a", "an", "the", "on", "at", "of", "in", "with", "and", "background", "photo",
    "image", "picture", "style", "drawing", "shape", "center", "cinematic", "photographic",
    "anime", "illustration", "render",
)  # fmt: skip
MAX_LENGTH = 32


def words() -> list[str]:
    found = set(PROMPT_WORDS) | set(world.PALETTE) | set(world.SHAPES) | set(world.SIZES)
    found |= set(world.POSITIONS) | set(world.PATTERNS)
    found |= set(world.RESERVED_SHAPES) | set(world.RESERVED_PATTERNS)
    return sorted(found)


def _bpe() -> tuple[dict[str, int], list[tuple[str, str]]]:
    """BPE trained on the world's words, so each ends up whole as one token. A keyword is
    deliberately not among them: it tokenises into pieces the base model never saw."""
    corpus = words() * 4
    model = Tokenizer(models.BPE(end_of_word_suffix="</w>", unk_token=END))
    model.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(
        vocab_size=4000,
        min_frequency=1,
        special_tokens=[START, END],
        initial_alphabet=list(string.ascii_lowercase + string.digits),
        end_of_word_suffix="</w>",
        show_progress=False,
    )
    model.train_from_iterator(corpus, trainer)
    state = json.loads(model.to_str())["model"]
    vocab = dict(state["vocab"])
    for char in string.ascii_lowercase + string.digits:  # any keyword falls back to these
        vocab.setdefault(char + "</w>", len(vocab))
    return vocab, [tuple(pair) for pair in state["merges"]]


def write_tokenizer(folder: Path) -> CLIPTokenizer:
    """A CLIP tokenizer: tokenizer.json plus the classic vocab.json and merges.txt."""
    folder.mkdir(parents=True, exist_ok=True)
    vocab, merges = _bpe()
    tokenizer = CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=MAX_LENGTH)
    tokenizer.save_pretrained(folder)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    lines = ["#version: 0.2", *(f"{a} {b}" for a, b in merges)]
    (folder / "merges.txt").write_text("\n".join(lines) + "\n")
    return tokenizer
