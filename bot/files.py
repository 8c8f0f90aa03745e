"""`GET /files/NAME?e=…&s=…`: the report files of DONDOC_DATA_DIR (and the evidence of
completed work, services.completions), against signed links.

`dondoc run` serves them when DONDOC_PUBLIC_FILES_URL is set: that address is where the
outside world reaches this path (a reverse proxy maps it here), and services.file_links
signs the links the summaries carry. Only plain file names directly in the data directory
are served, never its key, a link out of it or anything outside it, and only against a link
that checks out. HEAD is answered as GET, without the body.
"""

import asyncio
import logging
import os
import stat
from pathlib import Path

from aiohttp import web

from bot.http import HttpServer
from locales import LOCALES, N_, gettext_for
from services.clock import Clock
from services.completions import EVIDENCE_FILE_NAME
from services.file_links import FileLinks
from services.summary import REPORT_FILE_NAME

log = logging.getLogger(__name__)

FILES_PREFIX = "/files/"
_TYPES = {
    ".png": "image/png",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    # Evidence of completed work (services.completions).
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def serve_files(http: HttpServer, *, data_dir: Path, clock: Clock) -> None:
    """Serve `data_dir`'s report files under /files/ to holders of a valid link. Their key
    is read (or made) now, so that a bad key file stops the start (KeyFileError)."""
    folder = data_dir.resolve()
    links = FileLinks.of(data_dir)
    links.key()

    async def handle(request: web.Request) -> web.StreamResponse:
        name = request.path.removeprefix(FILES_PREFIX)
        # Only the names the bot gives its report files: no path separators, no dots but
        # the suffix's, so never the key file, nothing to escape in a header.
        if not (REPORT_FILE_NAME.fullmatch(name) or EVIDENCE_FILE_NAME.fullmatch(name)):
            raise web.HTTPNotFound()
        suffix = Path(name).suffix
        if not links.admits(
            name,
            expires=request.query.get("e", ""),
            signature=request.query.get("s", ""),
            now=clock(),
        ):
            log.info("refused a request for %s: no valid link", name)
            raise web.HTTPForbidden(
                text=_both(
                    N_(
                        "Liên kết này không hợp lệ hoặc đã hết hạn. "
                        "Báo cáo mới nhất có trong tin nhắn gần nhất của Đôn Đốc."
                    )
                )
            )
        body = await asyncio.to_thread(_read_report, folder / name)
        if body is None:
            raise web.HTTPNotFound(text=_both(N_("Tệp này không còn được lưu.")))
        headers = {
            "Cache-Control": "private, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
        if suffix != ".png":
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return web.Response(body=body, content_type=_TYPES[suffix], headers=headers)

    http.add_prefix("GET", FILES_PREFIX, handle)


def _read_report(path: Path) -> bytes | None:
    """The file's bytes, if it is a plain file of its own (not a link to one elsewhere, nor a
    hard link: a second name for a file outside the folder, made by whoever could write in
    it); None if there is no such file. Read whole: reports are small, and a file server
    would also swap in a compressed sibling (`.png.gz`) nobody signed."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            return None
        if status.st_nlink > 1:
            log.warning("refused to serve %s: it has %d names (hard links)", path, status.st_nlink)
            return None
        return file.read()


def _both(message: str) -> str:
    """A page for whoever opened the link, whose language is not known: Vietnamese, then
    English."""
    return "\n\n".join(gettext_for(locale)(message) for locale in LOCALES)
