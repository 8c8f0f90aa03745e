"""Plans sent in chat: a coordinator's file is read as a dry run, then imported (or not) once.

The preview stores an `Upload` row (not the file: the channel serves it again by its id) and
its buttons carry the row's token. Each answer moves the row on once, with a conditional
update, so a button pressed twice, from two devices or on two instances, acts once and the
other press learns why not. Importing goes through the same importer and `save_plan` as
`dondoc import`, and says which lead agencies still have nobody to remind.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import col, select

from domain.access import Actor, require_import
from domain.importers import import_bytes, indicators_from_bytes
from domain.plans import PlanDraft
from models.enums import UploadState
from models.tables import Agency, Plan, Upload
from services.agencies import registry_from_store
from services.indicators.store import save_indicators
from services.invites import PlanInvites, invite_plan_leads, unstaffed_leads
from services.plans import SaveResult, plan_key, save_plan
from services.unit_of_work import UnitOfWork
from views.messages import IncomingFile

# The most a plan file may weigh: what the Telegram Bot API serves to a bot.
MAX_PLAN_BYTES = 20 * 1024 * 1024
# A preview left unanswered this long is no longer imported by its button.
UPLOAD_TTL = timedelta(hours=24)
# Invites made from chat: one use each, valid this long (as `dondoc invite --plan`).
INVITE_DAYS = 14
INVITE_USES = 1
_NAME_LENGTH = 300


class Stale(StrEnum):
    """Why an upload button no longer acts."""

    UNKNOWN = "unknown"
    IMPORTED = "imported"
    INVITED = "invited"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"
    NOT_IMPORTED = "not-imported"


@dataclass(frozen=True)
class Preview:
    """A file read as a dry run: its token for the buttons, the plan as read, and whether
    importing it would update a plan already stored."""

    token: str
    draft: PlanDraft
    updates: bool


@dataclass(frozen=True)
class Imported:
    """A file imported: the plan as read, what storing changed, and the lead agencies that
    have no officer yet."""

    draft: PlanDraft
    result: SaveResult
    unstaffed: tuple[Agency, ...]


async def preview(
    session: UnitOfWork,
    *,
    actor: Actor,
    channel: str,
    chat_id: str,
    file: IncomingFile,
    content: bytes,
    now: datetime,
    today: date,
) -> Preview:
    """Read a file as `dondoc import --dry-run` would and keep it waiting for an answer.

    Raises AccessDenied for anyone but coordinators and admins, PlanImportError for a file
    that is no plan (nothing is stored then). A newer file in the same chat supersedes any
    preview still waiting there.
    """
    require_import(actor)
    registry = await registry_from_store(session)
    name = file_name(file)
    draft = import_bytes(content, name=name, registry=registry, today=today)
    await session.exec(
        sa.update(Upload)
        .where(
            col(Upload.channel) == channel,
            col(Upload.chat_id) == chat_id,
            col(Upload.state) == UploadState.PENDING.value,
        )
        .values(state=UploadState.SUPERSEDED.value, decided_at=now)
    )
    token = secrets.token_hex(6)
    session.add(
        Upload(
            token=token,
            channel=channel,
            chat_id=chat_id,
            person_id=actor.person_id,
            file_id=file.file_id,
            name=name[:_NAME_LENGTH],
            size=file.size,
            created_at=now,
        )
    )
    key = plan_key(draft)
    updates = (await session.exec(select(Plan.id).where(Plan.source_key == key))).first()
    await session.flush()
    return Preview(token=token, draft=draft, updates=updates is not None)


def file_name(file: IncomingFile) -> str:
    """The file's name as sent, or one that says what it is."""
    return (file.name or "").strip() or "ke-hoach.txt"


async def find(session: UnitOfWork, *, channel: str, chat_id: str, token: str) -> Upload | None:
    """The chat's upload with this token, if any (read only)."""
    upload = (await session.exec(select(Upload).where(Upload.token == token))).first()
    if upload is None or (upload.channel, upload.chat_id) != (channel, chat_id):
        return None
    return upload


async def claim(
    session: UnitOfWork,
    *,
    actor: Actor,
    channel: str,
    chat_id: str,
    token: str,
    now: datetime,
    to: UploadState,
) -> Upload | Stale:
    """Move the chat's upload with this token on to `to`, once; why not when it cannot.

    Import and cancel act on a waiting preview (a day old at most); invite on an imported one.
    """
    require_import(actor)
    upload = (await session.exec(select(Upload).where(Upload.token == token))).first()
    if upload is None or (upload.channel, upload.chat_id) != (channel, chat_id):
        return Stale.UNKNOWN
    wanted = UploadState.IMPORTED if to is UploadState.INVITED else UploadState.PENDING
    if upload.state != wanted.value:
        return _why(upload.state, wanted)
    if wanted is UploadState.PENDING and now - upload.created_at > UPLOAD_TTL:
        return Stale.EXPIRED
    moved = await session.exec(
        sa.update(Upload)
        .where(col(Upload.id) == upload.id, col(Upload.state) == wanted.value)
        .values(state=to.value, decided_at=now)
    )
    if moved.rowcount != 1:
        await session.refresh(upload)
        return _why(upload.state, wanted)
    await session.refresh(upload)
    return upload


def _why(state: str, wanted: UploadState) -> Stale:
    if wanted is UploadState.IMPORTED and state in (
        UploadState.PENDING.value,
        UploadState.CANCELLED.value,
        UploadState.SUPERSEDED.value,
    ):
        return Stale.NOT_IMPORTED
    try:
        return Stale(state)
    except ValueError:
        return Stale.UNKNOWN


async def release(session: UnitOfWork, *, upload: Upload) -> None:
    """Put a claimed preview back to waiting (its file could not be fetched again)."""
    upload.state = UploadState.PENDING.value
    upload.decided_at = None
    session.add(upload)
    await session.flush()


async def import_upload(
    session: UnitOfWork,
    *,
    upload: Upload,
    content: bytes,
    actor: Actor,
    now: datetime,
    today: date,
) -> Imported:
    """Import a claimed upload's file as `dondoc import` does (PlanImportError if it no
    longer reads as a plan: the caller rolls back)."""
    require_import(actor)
    registry = await registry_from_store(session)
    draft = import_bytes(content, name=upload.name, registry=registry, today=today)
    who = f"{upload.channel}:{actor.person_id}"
    result = await save_plan(session, draft=draft, now=now, actor=who)
    # The plan's indicator tables too, as `dondoc import` stores them.
    found = indicators_from_bytes(content, name=upload.name, registry=registry)
    await save_indicators(session, plan=result.plan, found=found, now=now, actor=who)
    upload.plan_key = plan_key(draft)
    session.add(upload)
    await session.flush()
    unstaffed = await unstaffed_leads(session, plan=upload.plan_key)
    return Imported(draft=draft, result=result, unstaffed=tuple(unstaffed))


async def invite_leads(
    session: UnitOfWork, *, upload: Upload, actor: Actor, now: datetime
) -> PlanInvites:
    """One officer invite per lead agency of the imported plan that has no officer yet."""
    require_import(actor)
    assert upload.plan_key is not None
    return await invite_plan_leads(
        session,
        plan=upload.plan_key,
        uses=INVITE_USES,
        expires_in=timedelta(days=INVITE_DAYS),
        now=now,
        created_by=f"{upload.channel}:{actor.person_id}"[:100],
    )
