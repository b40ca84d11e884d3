"""What cancelling a training would give back now, as the user reads it before confirming
(the rule itself is `contracts.refunds`, which billing applies when the trainer stops)."""

from contracts import refunds
from gateway.domain.records import Training
from gateway.domain.statuses import CANCELLING, TrainingStatus


def shown_status(training: Training) -> str:
    """The status, or `cancelling` while a cancelled training has not stopped yet."""
    if training.cancel_requested_at is not None and not training.status.ended:
        return CANCELLING
    return str(training.status)


def refund_pending(training: Training) -> bool:
    """Whether billing still owes this cancelled training a refund (its TrainingRefunded has
    not come yet), by the rule billing applies to the steps it ran; a page follows it until
    then. Nothing is owed for a training never paid, or whose unrun share is 0."""
    if training.status != TrainingStatus.CANCELLED or training.refunded:
        return False
    if training.steps_run is None or not training.total_steps:
        return False  # cancelled before the cancel carried its steps: nothing to wait for
    if training.paid_with_free_training:
        return refunds.free_training_back(training.steps_run)
    charged = training.credits_charged or 0
    return refunds.unrun_share(charged, training.steps_run, training.total_steps) > 0


def settled(training: Training) -> bool:
    """Ended, and nothing more to come: no refund still owed."""
    return training.status.ended and not refund_pending(training)


def cancel_offer(training: Training) -> dict | None:
    """`refund_now`: what a cancel now would give back (about: the trainer stops at its next
    step), and the rule; None when there is nothing to cancel."""
    if training.status.ended or training.cancel_requested_at is not None:
        return None
    progress = training.progress or {}
    step, total = progress.get("step", 0), progress.get("total_steps")
    if training.status in (TrainingStatus.VALIDATING, TrainingStatus.AWAITING_PAYMENT):
        back = "everything: nothing is charged yet, or it all comes back"
    elif training.paid_with_free_training:
        back = "the free training" if step == 0 else "nothing: the free training has started"
    elif training.credits_charged is not None and total:
        credits = refunds.unrun_share(training.credits_charged, step, total)
        back = f"about {credits} credits ({total - step} of {total} steps not yet run)"
    else:
        back = f"{training.credits_charged} credits: training has not started"
    return {"refund_now": back, "rule": refunds.RULE}
