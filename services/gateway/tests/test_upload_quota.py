"""Each account uploads at most UPLOAD_SETS_PER_DAY sets and UPLOAD_BYTES_PER_DAY bytes per
24 hours; over it, a 429 with Retry-After, answered before the upload is read (in-memory
ports)."""

import time

from gateway_app import balance, fake_gateway, new_account

from gateway.app import upload_quota


def upload(keyword: str, size: int = 100) -> dict:
    files = [("images", (f"{n}.jpg", b"j" * size, "image/jpeg")) for n in range(15)]
    return {"data": {"type": "object", "keyword": keyword}, "files": files}


async def test_a_third_set_in_a_day_is_refused_until_the_first_leaves_the_window(monkeypatch):
    async with fake_gateway(upload_sets_per_day=2) as (http, ports, _):
        account_id, me = await new_account(http)
        # a pro plan: its three unfinished trainings are within the plan's limit
        ports.billing.balances[account_id] = balance(account_id, credits=0)
        for keyword in ("zxqone", "zxqtwo"):
            answer = await http.post("/v1/trainings", headers=me, **upload(keyword))
            assert answer.status_code == 202, answer.text
        stored = len(ports.uploads.objects)
        third = await http.post("/v1/trainings", headers=me, **upload("zxqthree"))
        assert third.status_code == 429
        assert "upload quota" in third.json()["detail"]
        assert 86000 < int(third.headers["Retry-After"]) <= 86401
        assert len(ports.uploads.objects) == stored  # nothing of it was kept
        _, someone_else = await new_account(http)
        other = await http.post("/v1/trainings", headers=someone_else, **upload("zxqthree"))
        assert other.status_code == 202  # the quota is per account

        later = time.time() + upload_quota.DAY_S + 5
        monkeypatch.setattr(time, "time", lambda: later)
        again = await http.post("/v1/trainings", headers=me, **upload("zxqthree"))
        assert again.status_code == 202, again.text


async def test_too_many_bytes_are_refused_before_they_are_read():
    async with fake_gateway(upload_bytes_per_day=4000) as (http, ports, _):
        _, me = await new_account(http)
        big = await http.post("/v1/trainings", headers=me, **upload("zxqbig", size=1000))
        assert big.status_code == 429, big.text
        assert ports.uploads.objects == {}
        small = await http.post("/v1/trainings", headers=me, **upload("zxqsmall", size=10))
        assert small.status_code == 202, small.text


async def test_a_retried_upload_counts_once():
    async with fake_gateway(upload_sets_per_day=1) as (http, ports, _):
        _, me = await new_account(http)
        keyed = me | {"Idempotency-Key": "upload-1"}
        first = await http.post("/v1/trainings", headers=keyed, **upload("zxqone"))
        again = await http.post("/v1/trainings", headers=keyed, **upload("zxqone"))
        assert (first.status_code, again.status_code) == (202, 202)
        assert again.json() == first.json()  # answered as before, not refused
        other = me | {"Idempotency-Key": "upload-2"}
        refused = await http.post("/v1/trainings", headers=other, **upload("zxqtwo"))
        assert refused.status_code == 429
        assert len(ports.uploads.objects) == 15  # the refused one was never stored
