"""Payment providers: the operator (the embedded default) and a Stripe-compatible API."""

from collections.abc import Mapping

import httpx

from gateway.domain.errors import Unavailable
from gateway.domain.payments import Checkout


class OperatorPayments:
    """The operator takes the payment (an invoice, a bank transfer) and confirms it with
    `POST /v1/checkouts/{id}/paid` or `aitrain admin paid`; no page to pay on."""

    name = "operator"

    async def start(self, checkout: Checkout) -> str | None:
        return None


class StripePayments:
    """Opens a Stripe Checkout Session in subscription mode for the plan's price. Our checkout
    id travels as `client_reference_id`, the account and plan as the subscription's metadata,
    so the webhooks of the first payment, renewals and the end name them."""

    name = "stripe"

    def __init__(
        self, secret_key: str, prices: Mapping[str, str], return_url: str, api: str, **client
    ):
        self.prices, self.return_url = dict(prices), return_url
        self.http = httpx.AsyncClient(
            base_url=api, auth=(secret_key, ""), timeout=client.pop("timeout", 10.0), **client
        )

    async def start(self, checkout: Checkout) -> str | None:
        meta = {"account_id": checkout.account_id, "plan": checkout.plan}
        form = {
            "mode": "subscription",
            "line_items[0][price]": self.prices[checkout.plan],
            "line_items[0][quantity]": "1",
            "client_reference_id": checkout.checkout_id,
            "success_url": f"{self.return_url}?checkout={checkout.checkout_id}",
            "cancel_url": f"{self.return_url}?checkout={checkout.checkout_id}",
        }
        form |= {f"subscription_data[metadata][{key}]": value for key, value in meta.items()}
        headers = {"Idempotency-Key": checkout.checkout_id}
        try:
            answer = await self.http.post("/v1/checkout/sessions", data=form, headers=headers)
            answer.raise_for_status()
            return answer.json()["url"]
        except (httpx.HTTPError, KeyError, ValueError) as error:
            raise Unavailable(
                f"the payment provider cannot open a checkout now ({type(error).__name__}); "
                "nothing was charged, try again"
            ) from error


def parse_prices(text: str) -> dict[str, str]:
    """STRIPE_PRICES: `standard=price_…,pro=price_…,unlimited=price_…`."""
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {plan.strip(): price.strip() for plan, price in pairs}
