"""Signed links to the report files in DONDOC_DATA_DIR, which `bot.files` serves.

Zalo shows a photo only by URL, and a spreadsheet can only be linked there, so the weekly
chart and spreadsheet need public addresses. They are not public data, and their names are
easy to guess (`weekly-2023-W47-all-vi.png`). So a link carries an expiry and an HMAC of the
file name and that expiry under a key only this service holds; a file is served only against
a link that checks out and has not expired.

The key is made on first use and kept in the data directory (`.file-links.key`, readable by
its owner only): instances that share the directory, as they must to serve its files, share
the key too. Deleting the file voids every link given so far.
"""

import hashlib
import hmac
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

# Long enough for a link in a chat to be opened a few weeks later; the week's summary
# replaces it anyway.
LINK_LIFETIME = timedelta(days=30)
KEY_FILE = ".file-links.key"
_KEY_BYTES = 32
# Hex digits of the HMAC kept in a link: 128 bits.
_SIGNATURE_LENGTH = 32


class FileLinks:
    """Makes and checks the signed links of one data directory's files."""

    def __init__(self, key: bytes, *, base_url: str | None = None) -> None:
        if len(key) < 16:
            raise ValueError("a file-link key needs at least 16 bytes")
        self._key = key
        self._base_url = base_url.rstrip("/") if base_url else None

    @classmethod
    def of(cls, data_dir: Path, *, base_url: str | None = None) -> "FileLinks":
        """The links of `data_dir`'s files, under its key (made now if it has none)."""
        return cls(load_key(data_dir), base_url=base_url)

    def url(self, name: str, *, now: datetime) -> str:
        """The public address of file `name`, valid for LINK_LIFETIME from `now`."""
        if self._base_url is None:
            raise ValueError("no public address to link to")
        expires = int((now + LINK_LIFETIME).timestamp())
        signature = self._sign(name, expires)
        return f"{self._base_url}/{quote(name)}?e={expires}&s={signature}"

    def admits(self, name: str, *, expires: str, signature: str, now: datetime) -> bool:
        """Whether a request for `name` carries a valid link that has not expired."""
        if not (expires.isascii() and expires.isdigit()) or len(expires) > 12:
            return False
        if int(expires) < now.timestamp():
            return False
        return hmac.compare_digest(self._sign(name, int(expires)), signature)

    def _sign(self, name: str, expires: int) -> str:
        message = f"{name}\n{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:_SIGNATURE_LENGTH]


def load_key(data_dir: Path) -> bytes:
    """The data directory's link key, made (owner-readable only) if it has none yet.

    Two instances starting together may both try to make it: the first to create the file
    wins and the other reads what it wrote."""
    path = data_dir / KEY_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(_KEY_BYTES)
    partial = path.with_name(f"{KEY_FILE}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(key.hex().encode())
        # A hard link fails if the key exists by now: whoever made it first wins, whole.
        os.link(partial, path)
    except FileExistsError:
        pass
    finally:
        partial.unlink(missing_ok=True)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    text = path.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise ValueError(f"{path} does not hold a file-link key; delete it to make a new one")
    return key
