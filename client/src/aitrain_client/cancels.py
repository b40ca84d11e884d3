"""`aitrain cancel TRAINING_ID`: says what a cancel now gives back and the rule, asks (unless
--yes), then cancels. Exit code 0 once the training is cancelled or cancelling, 1 when
there was nothing to cancel (it completed or failed) or the user said no."""

from rich.console import Console
from rich.prompt import Confirm

from aitrain_client.api import Client

console = Console()


def cancel(client: Client, args) -> int:
    view = client.training(args.training_id)
    offer = view.get("cancel")
    if offer is None and view["status"] not in ("cancelling", "cancelled"):
        console.print(f"[red]nothing to cancel:[/] training {args.training_id} is {view['status']}")
        return 1
    if offer is not None:
        console.print(f"cancel now and you get back: [bold]{offer['refund_now']}[/]")
        console.print(f"[dim]{offer['rule']}[/]")
        if not args.yes and not Confirm.ask("cancel this training?", console=console):
            console.print("not cancelled")
            return 1
    answer = client.cancel(args.training_id)
    console.print(f"training {args.training_id}: [bold]{answer['status']}[/]")
    if refund := answer.get("refund"):
        back = "the free training" if refund["free_training_restored"] else refund["credits"]
        console.print(f"refunded: {back}")
    elif answer["status"] == "cancelling":
        console.print("it stops within seconds; the refund follows (the dashboard shows it)")
    return 0


def add_cancel(commands) -> None:
    c = commands.add_parser("cancel", help="stop a training (the unrun share comes back)")
    c.add_argument("training_id")
    c.add_argument("--yes", action="store_true", help="do not ask before cancelling")
    c.set_defaults(run=cancel)
