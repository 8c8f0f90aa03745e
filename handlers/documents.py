"""Plan files sent in chat: the preview, the import button, the invites, and /import.

Only coordinators and admins import; the file is fetched through the conversation's
FileSource within the size a bot may download, read as a dry run (services.uploads), and
imported only when its sender presses «Nhập». Channels that carry no files (Zalo, the
console) point to Telegram and `dondoc import`.
"""

import logging
from datetime import datetime

from domain.access import can_import
from domain.binding import Expect, FollowQuestion, load_question
from domain.importers import PlanImportError, readable_name
from handlers import people
from handlers.context import Context, Fetched, FileSource, FileTooLarge, FileUnavailable
from models.enums import Channel, UploadState
from models.tables import Upload
from services import chat_context, completions, uploads
from services.access import identify
from services.people import deep_link
from services.unit_of_work import Sessions, UnitOfWork
from views import documents as wording
from views.buttons import UploadAction, UploadPress, decode_upload
from views.documents import ImportFigures
from views.messages import Incoming, IncomingFile

log = logging.getLogger(__name__)

# The channels whose people can send the bot a file.
FILE_CHANNELS = frozenset({Channel.TELEGRAM.value})


async def import_command(ctx: Context, args: str) -> None:
    """/import: how to send a plan here, or where to send it when this channel cannot."""
    _ = ctx._
    assert ctx.actor is not None
    if not can_import(ctx.actor):
        ctx.reply(wording.not_allowed(_))
    elif ctx.incoming.channel in FILE_CHANNELS and ctx.files is not None:
        ctx.reply(wording.how_to_import(_))
    else:
        ctx.reply(wording.no_files_here(_))


async def on_file(ctx: Context) -> None:
    """A file from a chat: a coordinator's plan is previewed; anyone else is told why not."""
    _ = ctx._
    file = ctx.incoming.file
    assert file is not None
    if ctx.actor is None:
        people.stranger(ctx)
        return
    if not can_import(ctx.actor):
        ctx.reply(wording.not_allowed(_))
        return
    if ctx.files is None or ctx.incoming.channel not in FILE_CHANNELS:
        ctx.reply(wording.no_files_here(_))
        return
    if file.kind != "document":
        ctx.reply(wording.a_photo(_))
        return
    name = uploads.file_name(file)
    if not readable_name(name):
        ctx.reply(wording.not_a_plan_file(name, _))
        return
    content = _fetched(ctx)
    if content is None:
        return
    try:
        preview = await uploads.preview(
            ctx.session,
            actor=ctx.actor,
            channel=ctx.incoming.channel,
            chat_id=ctx.incoming.chat_id,
            file=file,
            content=content,
            now=ctx.now,
            today=ctx.today,
        )
    except PlanImportError as error:
        ctx.reply(wording.unreadable(name, error.problem.render(_), _))
        return
    ctx.replies.append(
        wording.preview_message(
            preview.draft,
            token=preview.token,
            updates=preview.updates,
            locale=ctx.locale,
            _=_,
        )
    )


async def _asked_for_evidence(session: UnitOfWork, incoming: Incoming, now: datetime) -> bool:
    """Whether this chat was asked for the result of work reported done."""
    question = load_question(
        await chat_context.pending(
            session, channel=incoming.channel, chat_id=incoming.chat_id, now=now
        )
    )
    return isinstance(question, FollowQuestion) and question.expect is Expect.EVIDENCE


async def _fetch(files: FileSource, incoming: Incoming, *, limit: int) -> Fetched:
    """A file sent with a message, up to `limit` bytes."""
    file = incoming.file
    assert file is not None
    if file.size is not None and file.size > limit:
        return Fetched(error=FileTooLarge(limit))
    try:
        return Fetched(content=await files.fetch(incoming.channel, file.file_id, limit=limit))
    except (FileTooLarge, FileUnavailable) as error:
        return Fetched(error=error)


async def fetch_first(
    sessions: Sessions, incoming: Incoming, *, files: FileSource | None, now: datetime
) -> Fetched | None:
    """Fetch the plan a message brings (or the one its «Nhập» button names) before the unit
    of work that answers it begins: a download may take seconds, and that unit of work holds
    the store's write lock on SQLite. Only for someone who may import, so nobody else's file
    is ever downloaded; the answer itself checks everything again."""
    if files is None:
        return None
    press = decode_upload(incoming.button)
    if incoming.file is None and (press is None or press.action is not UploadAction.IMPORT):
        return None
    if incoming.sender is None:
        return None
    async with sessions() as session:
        actor = await identify(
            session,
            channel=incoming.channel,
            chat_id=incoming.sender,
            now=now,
            reactivate=False,
        )
        if actor is None:
            return None
        if incoming.file is not None and await _asked_for_evidence(session, incoming, now):
            return await _fetch(files, incoming, limit=completions.MAX_EVIDENCE_BYTES)
        if not can_import(actor):
            return None
        file = incoming.file
        if press is not None:
            upload = await uploads.find(
                session, channel=incoming.channel, chat_id=incoming.chat_id, token=press.token
            )
            if upload is None:
                return None
            file = upload_file(upload)
    if file is None or file.kind != "document" or not readable_name(uploads.file_name(file)):
        return None
    limit = uploads.MAX_PLAN_BYTES
    if file.size is not None and file.size > limit:
        return Fetched(error=FileTooLarge(limit))
    try:
        return Fetched(content=await files.fetch(incoming.channel, file.file_id, limit=limit))
    except (FileTooLarge, FileUnavailable) as error:
        return Fetched(error=error)


def upload_file(upload: Upload) -> IncomingFile:
    """The file a stored preview was made from."""
    return IncomingFile(
        file_id=upload.file_id, name=upload.name, size=upload.size, mime_type=None, kind="document"
    )


def _fetched(ctx: Context) -> bytes | None:
    """The file fetched for this message, or None when the sender has been told why not."""
    _ = ctx._
    fetched = ctx.fetched
    if fetched is not None and fetched.content is not None:
        return fetched.content
    error = fetched.error if fetched is not None else None
    if isinstance(error, FileTooLarge):
        ctx.reply(wording.too_large(error.limit, _))
        return None
    log.warning(
        "file from %s chat %s not fetched: %s",
        ctx.incoming.channel,
        ctx.incoming.chat_id,
        error.reason if isinstance(error, FileUnavailable) else "nothing fetched",
    )
    ctx.reply(wording.unavailable(_))
    return None


async def on_button(ctx: Context, press: UploadPress) -> None:
    """«Nhập», «Không nhập» or «Tạo mã mời» under a preview: each acts once."""
    _ = ctx._
    assert ctx.actor is not None
    if not can_import(ctx.actor):
        ctx.reply(wording.not_allowed(_))
        return
    target = {
        UploadAction.IMPORT: UploadState.IMPORTED,
        UploadAction.CANCEL: UploadState.CANCELLED,
        UploadAction.INVITE: UploadState.INVITED,
    }[press.action]
    claimed = await uploads.claim(
        ctx.session,
        actor=ctx.actor,
        channel=ctx.incoming.channel,
        chat_id=ctx.incoming.chat_id,
        token=press.token,
        now=ctx.now,
        to=target,
    )
    if isinstance(claimed, uploads.Stale):
        ctx.reply(wording.stale(claimed.value, _))
    elif press.action is UploadAction.CANCEL:
        ctx.reply(wording.cancelled(_))
    elif press.action is UploadAction.IMPORT:
        await _import(ctx, claimed)
    else:
        await _invite(ctx, claimed)


async def _import(ctx: Context, upload: Upload) -> None:
    _ = ctx._
    assert ctx.actor is not None
    if ctx.files is None:
        # Only a channel that carries files shows this button; answer a replayed one plainly.
        await uploads.release(ctx.session, upload=upload)
        ctx.reply(wording.no_files_here(_))
        return
    content = _fetched(ctx)
    if content is None:
        await uploads.release(ctx.session, upload=upload)
        return
    try:
        imported = await uploads.import_upload(
            ctx.session,
            upload=upload,
            content=content,
            actor=ctx.actor,
            now=ctx.now,
            today=ctx.today,
        )
    except PlanImportError as error:
        await uploads.release(ctx.session, upload=upload)
        ctx.reply(wording.unreadable(upload.name, error.problem.render(_), _))
        return
    result = imported.result
    figures = ImportFigures(
        added=result.tasks_added,
        updated=result.tasks_updated,
        removed=result.tasks_removed,
        assigned=result.assignments_added,
        restated=tuple(f"{r.duty} = {r.task}" for r in result.restated),
    )
    ctx.replies.append(
        wording.imported_message(
            imported.draft,
            figures,
            unstaffed=[(agency.code, agency.name) for agency in imported.unstaffed],
            token=upload.token,
            _=_,
        )
    )


async def _invite(ctx: Context, upload: Upload) -> None:
    assert ctx.actor is not None
    made = await uploads.invite_leads(ctx.session, upload=upload, actor=ctx.actor, now=ctx.now)
    username = ctx.config.bot_username
    rows = [
        (
            created.agency.code if created.agency else "",
            created.agency.name if created.agency else "",
            created.code,
            deep_link(username, created.code) if username else None,
        )
        for created in made.created
    ]
    ctx.reply(wording.invites_message(rows, days=uploads.INVITE_DAYS, _=ctx._))
