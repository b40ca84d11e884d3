"""Keyword rules: 3-40 lowercase letters and digits, unique among the account's live
trainings and models, and better not a common word."""

import re

from fastapi import HTTPException

PATTERN = re.compile(r"^[a-z0-9]{3,40}$")
COMMON_WORDS = frozenset((
    "art", "boy", "car", "cat", "dog", "girl", "man", "men", "woman", "women", "person",
    "people", "face", "photo", "portrait", "style", "model", "logo", "house", "tree", "flower",
    "bird", "horse", "baby", "child", "kid", "friend", "sky", "sea", "city", "street", "anime",
    "cartoon", "painting", "drawing", "sketch", "product", "bottle", "shoe", "bag", "cup",
    "mug", "chair", "table",
))  # fmt: skip


def check(keyword: str) -> list[str]:
    """Warnings for a valid keyword; HTTP 422 saying what to change for an invalid one."""
    if not PATTERN.match(keyword):
        raise HTTPException(
            422,
            f"keyword {keyword!r} must be 3 to 40 lowercase letters or digits, "
            "e.g. customalicemodel",
        )
    if keyword in COMMON_WORDS:
        return [
            f"'{keyword}' is a common word: prompts may mix it up with the ordinary "
            f"{keyword}; a unique name like custom{keyword}model avoids that"
        ]
    return []


def in_prompt(keyword: str, prompt: str) -> bool:
    """The keyword as a word of its own (the tokenizer lowercases, so case does not matter)."""
    return re.search(rf"(?<![a-z0-9]){re.escape(keyword)}(?![a-z0-9])", prompt.lower()) is not None
