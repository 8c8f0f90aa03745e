"""Signing in to the dashboard: no passwords, a link from the bot.

A coordinator or leader sends /dashboard and gets a personal link, signed with the report
links' key (services.file_links) and usable once within LINK_LIFETIME. Opening it shows a
button, and pressing it (a POST carrying the link's secret) uses the link: a chat's link
preview, which only opens links, uses nothing, and the session cookie is set by a request
from the dashboard's own page, which SameSite=Strict lets through. The session is a random
token in an HttpOnly cookie, of which the store keeps only a hash, valid for
SESSION_LIFETIME (a working day). Every request reads the session with its person, so a
role changed or a person revoked counts at once; revoking also ends the person's sessions.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from domain.access import Actor, Role, require_dashboard
from models.tables import ChatIdentity, DashboardGrant, Person
from services.file_links import FileLinks
from services.unit_of_work import UnitOfWork


async def _rows(session: UnitOfWork, statement: Any) -> Any:
    """The result of a core statement (sqlmodel's overloads do not type them)."""
    return await session.exec(statement)


LINK_LIFETIME = timedelta(minutes=15)
# A working day, from the first look in the morning to the end of office hours.
SESSION_LIFETIME = timedelta(hours=9)
SIGN_IN_PATH = "signin"
LINK, SESSION = "link", "session"
_READERS = [Role.COORDINATOR.value, Role.LEADER.value, Role.ADMIN.value]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _signed_name(nonce: str) -> str:
    # Not a file name the file server would ever serve (services.summary.REPORT_FILE_NAME).
    return f"dashboard:{nonce}"


async def issue_link(
    session: UnitOfWork, *, actor: Actor, now: datetime, links: FileLinks, base_url: str
) -> str:
    """A personal sign-in link for a coordinator, leader or admin (AccessDenied for others)."""
    require_dashboard(actor)
    nonce = secrets.token_urlsafe(24)
    expires = now + LINK_LIFETIME
    session.add(
        DashboardGrant(
            kind=LINK,
            secret_hash=_digest(nonce),
            person_id=actor.person_id,
            created_at=now,
            expires_at=expires,
        )
    )
    stamp, signature = links.signed(_signed_name(nonce), expires=expires)
    return f"{base_url.rstrip('/')}/{SIGN_IN_PATH}?n={nonce}&e={stamp}&s={signature}"


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie's value and who it belongs to."""

    token: str
    actor: Actor
    expires_at: datetime


async def usable_link(
    session: UnitOfWork,
    *,
    nonce: str,
    expires: str,
    signature: str,
    links: FileLinks,
    now: datetime,
) -> DashboardGrant | None:
    """The link's row if the link is signed as it stands, unexpired and unused; nothing is
    changed (a chat's link preview may open it before its owner does)."""
    if not nonce or len(nonce) > 64:
        return None
    if not links.admits(_signed_name(nonce), expires=expires, signature=signature, now=now):
        return None
    link = (
        await session.exec(
            select(DashboardGrant).where(
                DashboardGrant.kind == LINK, DashboardGrant.secret_hash == _digest(nonce)
            )
        )
    ).first()
    if link is None or link.expires_at <= now or link.ended_at is not None:
        return None
    return link


async def sign_in(
    session: UnitOfWork,
    *,
    nonce: str,
    expires: str,
    signature: str,
    links: FileLinks,
    now: datetime,
) -> SignedIn | None:
    """Use a sign-in link and open a session; None when the link is forged, expired or used,
    or its person may no longer read the dashboard."""
    link = await usable_link(
        session, nonce=nonce, expires=expires, signature=signature, links=links, now=now
    )
    if link is None:
        return None
    # Used once, even by two tabs racing: only the update that finds it unused wins.
    used = await _rows(
        session,
        sa.update(DashboardGrant)
        .where(col(DashboardGrant.id) == link.id, col(DashboardGrant.ended_at).is_(None))
        .values(ended_at=now),
    )
    if used.rowcount != 1:
        return None
    actor = await _reader(session, person_id=link.person_id)
    if actor is None:
        return None
    token = secrets.token_urlsafe(32)
    expires_at = now + SESSION_LIFETIME
    session.add(
        DashboardGrant(
            kind=SESSION,
            secret_hash=_digest(token),
            person_id=actor.person_id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return SignedIn(token=token, actor=actor, expires_at=expires_at)


def _reader_query() -> Any:
    # A revoked person has no chat left (services.registration.revoke).
    return sa.select(
        col(Person.id),
        col(Person.name),
        col(Person.role),
        col(Person.agency_id),
        col(Person.locale),
    ).where(
        col(Person.role).in_(_READERS),
        sa.exists().where(col(ChatIdentity.person_id) == col(Person.id)),
    )


def _actor(row: tuple[int, str, str, int | None, str]) -> Actor:
    person_id, name, role, agency_id, locale = row
    return Actor(
        person_id=person_id, name=name, role=Role(role), agency_id=agency_id, locale=locale
    )


async def _reader(session: UnitOfWork, *, person_id: int) -> Actor | None:
    row = (await _rows(session, _reader_query().where(col(Person.id) == person_id))).first()
    return None if row is None else _actor(tuple(row))


async def session_actor(session: UnitOfWork, *, token: str, now: datetime) -> Actor | None:
    """Who holds this session cookie, if it is open and they may still read the dashboard."""
    if not token or len(token) > 100:
        return None
    row = (
        await _rows(
            session,
            _reader_query()
            .join(DashboardGrant, col(DashboardGrant.person_id) == col(Person.id))
            .where(
                col(DashboardGrant.kind) == SESSION,
                col(DashboardGrant.secret_hash) == _digest(token),
                col(DashboardGrant.ended_at).is_(None),
                col(DashboardGrant.expires_at) > now,
            ),
        )
    ).first()
    return None if row is None else _actor(tuple(row))


async def sign_out(session: UnitOfWork, *, token: str, now: datetime) -> None:
    """End the session this cookie holds (nothing happens for an unknown one)."""
    await _rows(
        session,
        sa.update(DashboardGrant)
        .where(
            col(DashboardGrant.kind) == SESSION,
            col(DashboardGrant.secret_hash) == _digest(token),
            col(DashboardGrant.ended_at).is_(None),
        )
        .values(ended_at=now),
    )


async def end_sessions(session: UnitOfWork, *, person_id: int, now: datetime) -> None:
    """End every open session of a person, and void their unused links (they were revoked)."""
    await _rows(
        session,
        sa.update(DashboardGrant)
        .where(
            col(DashboardGrant.person_id) == person_id,
            col(DashboardGrant.ended_at).is_(None),
        )
        .values(ended_at=now),
    )


def form_token(token: str, *, links: FileLinks) -> str:
    """The anti-forgery token the sign-out form carries: tied to the session's cookie."""
    message = f"dashboard-form:{token}".encode()
    return hmac.new(links.key(), message, hashlib.sha256).hexdigest()[:32]
