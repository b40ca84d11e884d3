"""The delivery policy: ack, retry with a delay, or dead-letter with a reason."""

from contracts.bus import ConsumerDefaults, Handover, PermanentError
from contracts.bus.policy import (
    HANDOVER_DELAY_S,
    Ack,
    Park,
    Retry,
    after_handling,
    before_handling,
)

LIMITS = ConsumerDefaults(max_attempts=3, retry_delays_s=(1.0, 4.0))


def test_success_is_acked():
    assert after_handling(None, 1, LIMITS) == Ack()


def test_transient_errors_retry_with_growing_delays_then_give_up():
    error = ConnectionError("db down")
    assert after_handling(error, 1, LIMITS) == Retry(1.0, "ConnectionError: db down")
    assert after_handling(error, 2, LIMITS) == Retry(4.0, "ConnectionError: db down")
    assert after_handling(error, 3, LIMITS) == Park("gave up: ConnectionError: db down")


def test_the_last_delay_repeats_when_attempts_outnumber_delays():
    limits = ConsumerDefaults(max_attempts=10, retry_delays_s=(1.0, 4.0))
    assert after_handling(KeyError("x"), 7, limits).delay_s == 4.0


def test_a_job_handed_over_by_a_stopping_process_is_delivered_again_in_seconds():
    verdict = after_handling(Handover("handed over at step 40"), 2, LIMITS)
    assert verdict == Retry(HANDOVER_DELAY_S, "Handover: handed over at step 40")
    assert LIMITS.ack_wait_s / 5 > HANDOVER_DELAY_S  # not once the lease has run out


def test_permanent_errors_are_parked_at_once():
    verdict = after_handling(PermanentError("no such account"), 1, LIMITS)
    assert verdict == Park("permanent error: no such account")


def test_a_delivery_past_the_attempts_is_parked_without_running_the_handler():
    assert before_handling(3, LIMITS) is None
    assert before_handling(4, LIMITS) == Park("no attempt finished in 3 (crash or ack timeout)")
