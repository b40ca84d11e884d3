"""The token bucket (GCRA) on its own: bursts, refill, what the headers say."""

from gateway.domain.rate_limits import Rule, take

RULE = Rule("t", limit=60, period_s=60.0, burst=5)  # one a second, five at once


def run(times: list[float]):
    tat, verdicts = None, []
    for now in times:
        verdict = take(RULE, tat, now)
        tat = verdict.tat
        verdicts.append(verdict)
    return verdicts


def test_a_burst_passes_then_one_per_interval():
    verdicts = run([0.0] * 7)
    assert [v.allowed for v in verdicts] == [True] * 5 + [False] * 2
    assert [v.remaining for v in verdicts[:5]] == [4, 3, 2, 1, 0]
    assert abs(verdicts[5].retry_after_s - 1.0) < 1e-6
    assert abs(verdicts[4].reset_s - 5.0) < 1e-6  # full again in five intervals


def test_the_bucket_refills_with_time():
    verdicts = run([0.0] * 5 + [1.0, 1.0, 3.5, 3.5, 3.5])
    assert [v.allowed for v in verdicts] == [True] * 5 + [True, False, True, True, False]


def test_a_refused_request_takes_nothing():
    verdicts = run([0.0] * 5 + [0.5] * 20 + [1.0])
    assert verdicts[-1].allowed


def test_an_idle_bucket_is_full_again():
    verdicts = run([0.0] * 5 + [100.0] * 5)
    assert all(v.allowed for v in verdicts)
