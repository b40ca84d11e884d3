"""Content policy, pure: what the operator's configuration refuses in prompts, captions and
keywords, and the consent rule for character models.

Text is compared after Unicode compatibility folding, case folding and removal of invisible
format characters, so "N\u200bude" or full-width letters do not slip past a blocked term;
a term matches whole words only ("class" does not block "classic").
"""

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    blocked_terms: tuple[str, ...] = ()
    """Words or phrases refused in any prompt, negative prompt, caption or keyword."""
    character_consent: bool = False
    """Character models need `consent=true`: the uploader is the person, or has their
    consent to a model of their likeness."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str = ""
    """Which rule refused it: `blocked_term` or `character_consent` (empty when allowed)."""
    reason: str = ""
    """What the user is told (never the matched term itself)."""


ALLOWED = Decision(True)


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    visible = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")
    return " ".join(visible.split())


def _blocked(policy: Policy, texts: list[str]) -> bool:
    said = [normalise(text) for text in texts if text]
    for term in policy.blocked_terms:
        pattern = re.compile(rf"(?<!\w){re.escape(normalise(term))}(?!\w)")
        if any(pattern.search(text) for text in said):
            return True
    return False


def check_prompt(policy: Policy, prompt: str, negative_prompt: str | None) -> Decision:
    if _blocked(policy, [prompt, negative_prompt or ""]):
        reason = "the prompt asks for something this platform's content policy does not allow"
        return Decision(False, "blocked_term", reason)
    return ALLOWED


def check_training(
    policy: Policy, training_type: str, keyword: str, captions: list[str], consent: bool
) -> Decision:
    if _blocked(policy, [keyword, *captions]):
        reason = (
            "the keyword or a caption names something this platform's content policy does not allow"
        )
        return Decision(False, "blocked_term", reason)
    if policy.character_consent and training_type == "character" and not consent:
        reason = (
            "a character model needs consent: send consent=true if you are the person in the "
            "photos or have their permission to make a model of their likeness"
        )
        return Decision(False, "character_consent", reason)
    return ALLOWED


def parse_terms(text: str) -> tuple[str, ...]:
    """MODERATION_BLOCKED_TERMS: comma-separated."""
    return tuple(term.strip() for term in text.split(",") if term.strip())
