"""The default moderation: the configured policy (domain/moderation.py). Uploaded images
pass; an operator plugs a classifier in by implementing `Moderation.images` (ports.py)."""

from gateway.domain import moderation
from gateway.domain.moderation import ALLOWED, Decision, Policy


class PolicyModeration:
    def __init__(self, policy: Policy):
        self.policy = policy

    async def prompt(self, account_id: str, prompt: str, negative_prompt: str | None) -> Decision:
        return moderation.check_prompt(self.policy, prompt, negative_prompt)

    async def training(
        self, account_id: str, training_type: str, keyword: str, captions: list[str], consent: bool
    ) -> Decision:
        return moderation.check_training(self.policy, training_type, keyword, captions, consent)

    async def images(self, account_id: str, training_type: str, images: list) -> Decision:
        return ALLOWED
