"""What each billing request does to an account: pure functions of its current state."""

from billing.domain.ledger import AccountState, Draft, Entry
from billing.domain.prices import Prices
from contracts import refunds
from contracts.events.account import PAID_PLANS, Plan


def purchase(credits: int, reason: str) -> Draft:
    return Draft("purchase", reason, credits=credits)


def subscribe(state: AccountState, plan: Plan) -> Draft:
    """The first paid plan of an account grants one free training; nothing grants another."""
    if plan in PAID_PLANS and not state.free_training_granted:
        return Draft(
            "subscription",
            f"subscribed to {plan}: one free training granted",
            free_trainings=1,
            plan=plan,
            grants_free_training=True,
        )
    return Draft("subscription", f"subscribed to {plan}", plan=plan)


def charge_training(state: AccountState, price: int) -> Draft:
    if state.free_trainings > 0:
        return Draft("training_charge", "training paid with the free training", free_trainings=-1)
    if state.credits >= price:
        return Draft("training_charge", f"training: {price} credits", credits=-price)
    return Draft(
        "training_charge_rejected",
        f"a training costs {price} credits; the account holds {state.credits}",
    )


def debit_generation(state: AccountState, num_images: int, prices: Prices) -> Draft:
    price = prices.generation_credits(num_images)
    images = f"{num_images} image{'s' if num_images != 1 else ''}"
    if state.credits >= price:
        return Draft("generation_debit", f"generation of {images}: {price} credits", credits=-price)
    return Draft(
        "generation_debit_rejected",
        f"{images} cost {price} credits; the account holds {state.credits}",
    )


def refund(original: Entry, what: str) -> Draft:
    """Give back exactly what the original (accepted) charge took."""
    credits, free = -original.draft.credits, -original.draft.free_trainings
    given = f"{credits} credits" if credits else "the free training"
    return Draft(
        f"{what}_refund", f"{what} failed: {given} back", credits=credits, free_trainings=free
    )


def cancel_refund(original: Entry, steps_run: int, total_steps: int) -> Draft:
    """Give back the unrun share of a cancelled training (`contracts.refunds`): credits in
    proportion, a free training only if no step ran."""
    charged, free = -original.draft.credits, -original.draft.free_trainings
    credits = refunds.unrun_share(charged, steps_run, total_steps)
    free_back = free if refunds.free_training_back(steps_run) else 0
    if free_back:
        given = "the free training"
    elif free:
        given = "nothing (the free training had started)"
    else:
        given = f"{credits} credits"
    return Draft(
        "training_refund",
        f"training cancelled after {steps_run} of {total_steps} steps: {given} back",
        credits=credits,
        free_trainings=free_back,
    )


def withheld_refund(original: Entry, withheld: int, requested: int) -> Draft:
    """Give back the price of each image the safety check withheld: the charge's share of
    `withheld` out of the `requested` images it paid for."""
    credits = -original.draft.credits * withheld // requested
    images = f"{withheld} image{'s' if withheld != 1 else ''}"
    return Draft(
        "generation_refund",
        f"{images} withheld by the safety check: {credits} credits back",
        credits=credits,
    )
