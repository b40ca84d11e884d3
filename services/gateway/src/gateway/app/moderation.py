"""Every moderation decision is logged (with the request's correlation id, which every log
line carries) and a refusal raised as a 422 with the policy's reason, before anything is
stored or charged."""

import structlog

from gateway.domain.errors import Invalid
from gateway.domain.moderation import Decision


class PolicyRefused(Invalid):
    """Refused by the content policy (HTTP 422)."""

    def __init__(self, decision: Decision):
        super().__init__(f"refused by the content policy ({decision.rule}): {decision.reason}")
        self.decision = decision


def enforce(decision: Decision, what: str, account_id: str) -> None:
    # a logger per decision: a module one caches the configuration of its first use, and the
    # audit trail must follow the configuration in force (tests capture it)
    structlog.get_logger("aitrain.moderation").info(
        "moderation.decision",
        what=what,
        account_id=account_id,
        allowed=decision.allowed,
        rule=decision.rule or None,
    )
    if not decision.allowed:
        raise PolicyRefused(decision)
