"""The gateway's use cases, each built once over the ports it needs."""

from dataclasses import dataclass

from contracts.bases import Catalog, catalog_of
from gateway.app.account_changes import AccountChanges
from gateway.app.accounts import AccountKeys
from gateway.app.cancellations import CancelTraining
from gateway.app.comparisons import CompareVersions
from gateway.app.dead_letters import DeadLetterDesk
from gateway.app.generations import RequestGeneration
from gateway.app.live_updates import LiveUpdates
from gateway.app.models import DeleteModel
from gateway.app.outbox import Outbox
from gateway.app.payments import Payments
from gateway.app.sign_ins import SignIns
from gateway.app.training_checks import CheckTraining
from gateway.app.training_queue import TrainingQueue
from gateway.app.trainings import StartTraining
from gateway.app.upload_quota import Quota, UploadQuotas
from gateway.app.views import Views
from gateway.app.webhook_delivery import Announcer, Dispatcher
from gateway.app.webhook_endpoints import WebhookEndpointsDesk
from gateway.domain.webhooks import RETRY_SCHEDULE_S
from gateway.ports import Ports


@dataclass
class Gateway:
    ports: Ports
    """For the read side: routes list and get records through them."""
    outbox: Outbox
    views: Views
    account_keys: AccountKeys
    account_changes: AccountChanges
    start_training: StartTraining
    check_training: CheckTraining
    training_queue: TrainingQueue
    cancel_training: CancelTraining
    request_generation: RequestGeneration
    compare_versions: CompareVersions
    delete_model: DeleteModel
    sign_ins: SignIns
    payments: Payments
    upload_quota: UploadQuotas
    dead_letters: DeadLetterDesk
    webhook_endpoints: WebhookEndpointsDesk
    announcer: Announcer
    dispatcher: Dispatcher
    live: LiveUpdates
    """Live streams on this replica, woken by view changes (app/live_updates.py)."""


def build(
    ports: Ports,
    webhook_secret: str = "",
    quota: Quota | None = None,
    public_url: str = "http://127.0.0.1:8080",
    retry_schedule: tuple[float, ...] = RETRY_SCHEDULE_S,
    catalog: Catalog | None = None,
    **sign_in_settings,
) -> Gateway:
    """`webhook_secret`: the payment provider's signing secret; `quota`: of uploads;
    `public_url`: where users reach the API (webhook messages link there); `retry_schedule`:
    of webhook deliveries; `catalog`: the base models served (contracts.bases);
    `sign_in_settings`: SignIns' session_ttl_s and signup_open."""
    p = ports
    catalog = catalog or catalog_of("")
    outbox = Outbox(p.publisher, p.outboxed)
    account_keys = AccountKeys(p.accounts)
    account_changes = AccountChanges(p.requests, p.accounts, p.billing, outbox)
    request_generation = RequestGeneration(
        p.models, p.trainings, p.generations, outbox, p.moderation, catalog
    )
    live = LiveUpdates()
    p.view_changes.hear(live.wake)
    return Gateway(
        ports=p,
        outbox=outbox,
        views=Views(p.trainings, p.models, p.generations, p.keywords, p.view_changes),
        account_keys=account_keys,
        account_changes=account_changes,
        start_training=StartTraining(
            p.trainings, p.keywords, p.uploads, outbox, p.moderation, p.models, catalog
        ),
        check_training=CheckTraining(
            p.keywords, p.uploads, p.moderation, p.dataset_checks, p.billing, p.models, catalog
        ),
        training_queue=TrainingQueue(p.trainings, p.billing),
        cancel_training=CancelTraining(p.trainings, outbox, p.view_changes),
        request_generation=request_generation,
        compare_versions=CompareVersions(p.models, p.billing, request_generation),
        delete_model=DeleteModel(p.models, p.trainings, p.keywords, outbox),
        sign_ins=SignIns(p.logins, p.failures, account_keys, **sign_in_settings),
        payments=Payments(p.checkouts, p.accounts, p.payments, account_changes, webhook_secret),
        upload_quota=UploadQuotas(p.upload_usage, quota or Quota()),
        dead_letters=DeadLetterDesk(p.dead_letters),
        webhook_endpoints=WebhookEndpointsDesk(
            p.webhook_endpoints, p.webhook_deliveries, p.webhook_sender
        ),
        announcer=Announcer(p.webhook_endpoints, p.webhook_deliveries, p.trainings, public_url),
        dispatcher=Dispatcher(
            p.webhook_endpoints, p.webhook_deliveries, p.webhook_sender, retry_schedule
        ),
        live=live,
    )
