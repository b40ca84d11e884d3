"""Sign-in must not tell which emails have an account: an unknown email costs the same one
argon2 verification as a known email with a wrong password, so the answers take as long.
(`scripts/bench_sign_in.py` prints both means over real requests.) And guesses sent at once
get no more tries than guesses sent one by one."""

import asyncio
import subprocess
import sys
from pathlib import Path

from argon2 import PasswordHasher
from gateway_app import ADMIN, fake_gateway

from gateway import fakes
from gateway.app.accounts import AccountKeys
from gateway.app.sign_ins import SignIns
from gateway.domain import sign_in
from gateway.domain.errors import Unauthorized
from gateway.domain.records import Login


class CountingHasher(PasswordHasher):
    """argon2id at its cheapest, counting the verifications that really run."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified = 0

    def verify(self, hash, password) -> bool:
        self.verified += 1
        return super().verify(hash, password)


async def sign_ins_with(logins: fakes.MemoryLogins) -> tuple[SignIns, CountingHasher]:
    hasher = CountingHasher()
    keys = AccountKeys(fakes.MemoryAccounts())
    return SignIns(logins, fakes.MemoryFailures(), keys, hasher=hasher), hasher


async def refused(sign_ins: SignIns, email: str) -> None:
    try:
        await sign_ins.sign_in(email, "not the password", "203.0.113.7")
    except Unauthorized:
        return
    raise AssertionError(f"{email} signed in with a wrong password")


async def test_an_unknown_email_costs_one_verification_like_a_known_one():
    logins = fakes.MemoryLogins()
    sign_ins, hasher = await sign_ins_with(logins)
    await logins.add(Login("ann@example.com", "acct-1", hasher.hash("the right password")))
    await refused(sign_ins, "ann@example.com")
    assert hasher.verified == 1
    await refused(sign_ins, "nobody@example.com")
    assert hasher.verified == 2, "the unknown email skipped the verification"


async def test_a_login_without_a_password_yet_costs_one_verification_too():
    logins = fakes.MemoryLogins()
    sign_ins, hasher = await sign_ins_with(logins)
    await logins.add(Login("ann@example.com", "acct-1"))  # waits for its set-password link
    await refused(sign_ins, "ann@example.com")
    assert hasher.verified == 1


def test_the_timing_benchmark_runs():
    """scripts/bench_sign_in.py, at one round (its figures are read by a person)."""
    script = Path(__file__).parents[2] / "scripts" / "bench_sign_in.py"
    done = subprocess.run([sys.executable, script, "--rounds", "1"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "unknown email" in done.stdout and "ranges overlap" in done.stdout


async def test_twenty_parallel_wrong_passwords_get_no_more_tries_than_one_by_one():
    """Each attempt is counted before it is checked: guesses sent at once cannot all pass the
    check while none has been recorded yet."""
    async with fake_gateway() as (http, _, _):
        await http.post(
            "/v1/accounts",
            headers={"Authorization": f"Bearer {ADMIN}"},
            json={"email": "ann@example.com", "password": "the right password"},
        )
        guess = {"email": "ann@example.com", "password": "not the password"}
        answers = await asyncio.gather(*(http.post("/v1/sessions", json=guess) for _ in range(20)))
    statuses = sorted(answer.status_code for answer in answers)
    free = sign_in.PER_ACCOUNT.free
    assert statuses == [401] * free + [429] * (20 - free), statuses
