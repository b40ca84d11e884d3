"""What a cancelled training gives back — one rule, read by billing (which refunds) and the
gateway (which tells the user before they confirm).

The unrun share of the steps, in whole credits, rounded down: 1000 credits cancelled after
120 of 400 steps → 700 back. Cancelled before its first step: everything back, and a free
training comes back as a free training; a free training cancelled after it started is used.
"""

RULE = (
    "Before training starts: everything back (the free training too). While training: the "
    "steps not yet run, in whole credits (e.g. 1000 credits stopped after 120 of 400 steps: "
    "700 back); a free training that has started is used. After it completes there is "
    "nothing to cancel."
)


def unrun_share(credits: int, steps_run: int, total_steps: int) -> int:
    """Credits back for a training charged `credits` and cancelled after `steps_run`."""
    steps_run = min(max(steps_run, 0), total_steps)
    return credits * (total_steps - steps_run) // total_steps


def free_training_back(steps_run: int) -> bool:
    """Whether a free training that paid for a cancelled one comes back."""
    return steps_run == 0
