"""Keyword rules: 3-40 lowercase letters and digits (contracts.limits), unique among the
account's live trainings and models (the keyword store), and better not a common word."""

from contracts.limits import KEYWORD, has_keyword
from gateway.domain.errors import Invalid

COMMON_WORDS = frozenset((
    "art", "boy", "car", "cat", "dog", "girl", "man", "men", "woman", "women", "person",
    "people", "face", "photo", "portrait", "style", "model", "logo", "house", "tree", "flower",
    "bird", "horse", "baby", "child", "kid", "friend", "sky", "sea", "city", "street", "anime",
    "cartoon", "painting", "drawing", "sketch", "product", "bottle", "shoe", "bag", "cup",
    "mug", "chair", "table",
))  # fmt: skip


def check(keyword: str) -> list[str]:
    """Warnings for a valid keyword; Invalid, saying what to change, for an invalid one."""
    if not KEYWORD.match(keyword):
        raise Invalid(
            f"keyword {keyword!r} must be 3 to 40 lowercase letters or digits, "
            "e.g. customalicemodel"
        )
    if keyword in COMMON_WORDS:
        return [
            f"'{keyword}' is a common word: prompts may mix it up with the ordinary "
            f"{keyword}; a unique name like custom{keyword}model avoids that"
        ]
    return []


def require_in_prompt(keyword: str, prompt: str) -> None:
    if not has_keyword(prompt, keyword):
        raise Invalid(
            f"the prompt must contain the model's keyword {keyword!r}, "
            f'e.g. "a photo of {keyword} ..."'
        )
