"""Limits and word rules that more than one service enforces: defined once, here.

The gateway refuses what breaks them at once (HTTP 4xx); the dataset service checks them
again on what it reads, so a message that bypassed the gateway can never get further.
"""

import re
from typing import get_args

from contracts.events.common import TrainingType

MIN_IMAGES = 15
"""Fewest images in a training set."""
MAX_IMAGES = 25
"""Most images in a training set."""
MAX_IMAGE_BYTES = 20 * 1024 * 1024
"""Largest uploaded image file (20 MB)."""
TRAINING_TYPES: tuple[str, ...] = get_args(TrainingType)
"""character, style, object."""
KEYWORD = re.compile(r"^[a-z0-9]{3,40}$")
"""A keyword: 3 to 40 lowercase letters or digits (one token-friendly word)."""


def has_keyword(text: str, keyword: str) -> bool:
    """`keyword` appears in `text` as a word of its own, in any case (tokenizers lowercase):
    "a zxq dog" has "zxq", "zxqs" does not."""
    return keyword_end(text, keyword) is not None


def keyword_end(text: str, keyword: str) -> int | None:
    """Where the first `keyword` (as `has_keyword` finds it) ends in `text`; None: nowhere."""
    # bounded by anything but a letter or digit, in any script: tokenizers split words there
    pattern = rf"(?<![^\W_]){re.escape(keyword.lower())}(?![^\W_])"
    found = re.search(pattern, text, re.IGNORECASE)
    return found.end() if found else None
