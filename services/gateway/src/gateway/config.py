from typing import ClassVar, Literal

from contracts.settings import StorageSettings
from gateway.domain.moderation import Policy, parse_terms

SERVICE = "gateway"
DEFAULT_REGION = "us-east-1"  # signing needs one; naming it avoids a network round trip


class Settings(StorageSettings):
    # Stripe's only with AITRAIN_PAYMENTS=stripe; no blocked terms is a policy, not a gap
    may_stay_unset: ClassVar[frozenset[str]] = frozenset(
        {
            "stripe_secret_key",
            "stripe_webhook_secret",
            "stripe_prices",
            "moderation_blocked_terms",
            "webhook_allow_networks",
            "webhook_retry_schedule_s",
            "forwarded_allow_ips",  # empty: no proxy in front, the connection's address counts
        }
    )

    gateway_host: str = "127.0.0.1"
    """GATEWAY_HOST: loopback by default; 0.0.0.0 inside a container."""
    gateway_port: int = 8080
    """GATEWAY_PORT."""
    forwarded_allow_ips: str = ""
    """FORWARDED_ALLOW_IPS: the proxies (addresses or networks, comma-separated; e.g. the k8s
    ingress controller's pod network) whose X-Forwarded-For and X-Forwarded-Proto are
    believed. Empty: none, the connection's own address counts."""
    aitrain_admin_token: str = ""
    """AITRAIN_ADMIN_TOKEN: bearer token of the admin API (accounts, credits); `make run`
    generates one when it is unset. Empty: no admin API."""
    aitrain_secret_keys: str = ""
    """AITRAIN_SECRET_KEYS: `id:key,…` (32 random bytes each, URL-safe base64) sealing webhook
    signing secrets in the database; the first seals, every one opens (adapters/sealing.py).
    `make run` makes one in the data folder; deployments get it from write_deploy_auth.py."""
    s3_public_endpoint: str = ""
    """S3_PUBLIC_ENDPOINT: where clients download images (presigned URLs are signed for it);
    empty: S3_ENDPOINT."""
    aitrain_signup: Literal["open", "closed"] = "closed"
    """AITRAIN_SIGNUP: `open` lets anyone make an account on the sign-in page; `closed`
    (default): accounts come from the admin API."""
    session_ttl_h: float = 168
    """SESSION_TTL_H: hours a dashboard sign-in lasts (then sign in again)."""
    aitrain_payments: Literal["operator", "stripe"] = "operator"
    """AITRAIN_PAYMENTS: who takes payments for paid plans. `operator` (default): the operator
    confirms each checkout (admin API or `aitrain admin paid`); `stripe`: Stripe Checkout and
    its signed webhooks at POST /v1/payments/stripe."""
    stripe_secret_key: str = ""
    """STRIPE_SECRET_KEY: the API key that opens Checkout Sessions."""
    stripe_webhook_secret: str = ""
    """STRIPE_WEBHOOK_SECRET: the webhook endpoint's signing secret (whsec_…)."""
    stripe_prices: str = ""
    """STRIPE_PRICES: `standard=price_…,pro=price_…,unlimited=price_…`."""
    stripe_api: str = "https://api.stripe.com"
    """STRIPE_API: the Stripe-compatible API's base URL."""
    aitrain_public_url: str = "http://127.0.0.1:8080"
    """AITRAIN_PUBLIC_URL: where users reach the dashboard (a checkout returns there)."""
    upload_sets_per_day: int = 20
    """UPLOAD_SETS_PER_DAY: training uploads one account may make per 24 hours."""
    upload_bytes_per_day: int = 2 * 1024**3
    """UPLOAD_BYTES_PER_DAY: bytes one account may upload per 24 hours."""
    moderation_blocked_terms: str = ""
    """MODERATION_BLOCKED_TERMS: comma-separated words or phrases refused in prompts,
    negative prompts, captions and keywords."""
    moderation_character_consent: bool = False
    """MODERATION_CHARACTER_CONSENT: character trainings need `consent=true`."""
    rate_limit_scale: float = 1.0
    """RATE_LIMIT_SCALE: multiplies every rate limit (api/limits.py); 0 turns them off."""
    link_ttl_s: int = 900
    """LINK_TTL_S: seconds a presigned image URL stays valid."""
    webhook_allow_networks: str = ""
    """WEBHOOK_ALLOW_NETWORKS: networks webhooks may reach besides public addresses, e.g.
    `127.0.0.0/8,10.0.0.0/8` (plain http is allowed to these only). Empty: public only."""
    webhook_retry_schedule_s: str = ""
    """WEBHOOK_RETRY_SCHEDULE_S: seconds between a failed webhook attempt and the next,
    e.g. `5,300,1800`; empty: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 6 h (about a day)."""

    def moderation_policy(self) -> Policy:
        terms = parse_terms(self.moderation_blocked_terms)
        return Policy(blocked_terms=terms, character_consent=self.moderation_character_consent)

    def public_minio_kwargs(self) -> dict:
        public = self.model_copy(
            update={"s3_endpoint": self.s3_public_endpoint or self.s3_endpoint}
        )
        return public.minio_kwargs() | {"region": self.s3_region or DEFAULT_REGION}
