"""People signing in with an email and a password: logins, browser sessions, one-time
set-password links, open sign-up, and the slowdown after failed attempts.

Secrets (session cookies, links) carry 256 random bits; only their SHA-256 is stored, like
API keys. Passwords are argon2id hashes, computed off the event loop.
"""

import asyncio
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gateway.app.accounts import AccountKeys
from gateway.domain import sign_in as rules
from gateway.domain.errors import Conflict, Forbidden, Invalid, NotFound, Throttled, Unauthorized
from gateway.domain.records import Login, Session
from gateway.ports import Failures, Logins

LINK_TTL_S = 24 * 3600


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    cookie: str
    """The session's secret, for the cookie only."""
    session: Session


@dataclass
class SignIns:
    logins: Logins
    failures: Failures
    account_keys: AccountKeys
    session_ttl_s: float = 7 * 24 * 3600
    signup_open: bool = False
    hasher: PasswordHasher = field(default_factory=PasswordHasher)  # argon2id
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self._dummy_hash = self.hasher.hash(secrets.token_hex(16))

    async def _hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    async def _verifies(self, password_hash: str | None, password: str) -> bool:
        """Always one argon2 verification, so an unknown email takes as long as a known one."""
        try:
            return (
                await asyncio.to_thread(
                    self.hasher.verify, password_hash or self._dummy_hash, password
                )
                and password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False

    async def sign_in(self, email_text: str, password: str, address: str) -> SignedIn:
        now = self.clock()
        email = email_text.strip().lower()
        names = [(f"email:{email}", rules.PER_ACCOUNT), (f"address:{address}", rules.PER_ADDRESS)]
        waits = []
        for name, backoff in names:  # counted before it is checked: parallel guesses queue up
            waits.append(
                backoff.wait_s(*await self.failures.attempt(name, now, backoff.window_s), now)
            )
        if max(waits) > 0:
            for name, _ in names:
                await self.failures.withdraw(name)
            seconds = int(max(waits)) + 1
            raise Throttled(f"too many failed sign-ins; try again in {seconds} s", seconds)
        login = await self.logins.by_email(email)
        verified = await self._verifies(login.password_hash if login else None, password)
        if login is None or not verified:  # verified first: an unknown email takes as long
            raise Unauthorized(rules.WRONG)  # the attempts stay counted
        await self.failures.clear(names[0][0])
        await self.failures.withdraw(names[1][0])
        return await self._open(login)

    async def _open(self, login: Login) -> SignedIn:
        cookie, now = secrets.token_urlsafe(32), self.clock()
        session = Session(
            session_id=_digest(cookie),
            account_id=login.account_id,
            email=login.email,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + self.session_ttl_s,
        )
        await self.logins.add_session(session)
        return SignedIn(cookie, session)

    async def session(self, cookie: str) -> Session | None:
        return await self.logins.session(_digest(cookie), self.clock())

    async def sign_out(self, session: Session) -> None:
        await self.logins.end_session(session.session_id)

    async def sign_out_everywhere(self, account_id: str) -> int:
        return await self.logins.end_sessions(account_id)

    async def check_new_login(self, email_text: str, password: str | None) -> str:
        """The normalised email, if a new account may sign in with it and this password."""
        email = rules.email_of(email_text)
        if password is not None:
            rules.check_password(password)
        if await self.logins.by_email(email) is not None:
            raise Conflict(f"{email} already has an account: sign in instead")
        return email

    async def add_login(self, account_id: str, email_text: str, password: str | None) -> str | None:
        """Let a person sign in to the account: with `password`, or else through the one-time
        link secret returned (valid for a day). Another account's email is a Conflict."""
        email = rules.email_of(email_text)
        if password is not None:
            rules.check_password(password)
        if not await self.account_keys.accounts.account_exists(account_id):
            raise NotFound(f"no account {account_id}")
        if not await self.logins.add(Login(email, account_id)):
            held = await self.logins.by_email(email)
            if held is None or held.account_id != account_id:
                raise Conflict(f"{email} already signs in to another account")
        if password is not None:
            await self.logins.set_password(email, await self._hash(password))
            return None
        link = secrets.token_urlsafe(32)
        await self.logins.add_link(_digest(link), email, self.clock() + LINK_TTL_S)
        return link

    async def set_password(self, link: str, password: str) -> str:
        """Set the password through a one-time link; returns the email to sign in with."""
        rules.check_password(password)
        email = await self.logins.take_link(_digest(link), self.clock())
        if email is None:
            raise Invalid("this link is used up or expired; ask for a new one")
        await self.logins.set_password(email, await self._hash(password))
        return email

    async def sign_up(self, request_id: str, email_text: str, password: str) -> SignedIn:
        """A new account of one's own, signed in at once (only when sign-up is open)."""
        if not self.signup_open:
            raise Forbidden("sign-up is closed here: ask the operator for an account")
        email = await self.check_new_login(email_text, password)
        account_id = await self.account_keys.open_account(request_id)
        await self.add_login(account_id, email, password)
        return await self._open(await self.logins.by_email(email))
