"""Signed links to the report files in DONDOC_DATA_DIR, which `bot.files` serves.

Zalo shows a photo only by URL, and a spreadsheet can only be linked there, so the weekly
chart and spreadsheet need public addresses. They are not public data, and their names are
easy to guess (`weekly-2023-W47-all-vi.png`). So a link carries an expiry and an HMAC of the
file name and that expiry under a key only this service holds; a file is served only against
a link that checks out and has not expired.

The key is made when the first link is signed and kept in the data directory
(`.file-links.key`, readable by its owner only): instances that share the directory, as they
must to serve its files, share the key too. A process reads it once; deleting the file and
restarting every instance voids every link given so far.
"""

import hashlib
import hmac
import os
import secrets
import stat
from datetime import datetime, timedelta
from pathlib import Path
from threading import Lock
from urllib.parse import quote

from services.private_files import private_folder

# Long enough for a link in a chat to be opened a few weeks later; the week's summary
# replaces it anyway.
LINK_LIFETIME = timedelta(days=30)
KEY_FILE = ".file-links.key"
_KEY_BYTES = 32
# Hex digits of the HMAC kept in a link: 128 bits.
_SIGNATURE_LENGTH = 32
# Keys read by this process, by data directory: the summaries that sign links and the
# server that checks them must use the same one, and reading it is file I/O.
_KEYS: dict[Path, bytes] = {}
_KEYS_LOCK = Lock()


class KeyFileError(ValueError):
    """The key file is there but cannot be trusted or read."""


class FileLinks:
    """Makes and checks the signed links of one data directory's files."""

    def __init__(self, key: bytes | Path, *, base_url: str | None = None) -> None:
        """`key` itself, or the data directory that keeps it (read when first needed)."""
        if isinstance(key, bytes) and len(key) < 16:
            raise ValueError("a file-link key needs at least 16 bytes")
        self._key = key
        self._base_url = base_url.rstrip("/") if base_url else None

    @classmethod
    def of(cls, data_dir: Path, *, base_url: str | None = None) -> "FileLinks":
        """The links of `data_dir`'s files, under its key (made when first needed)."""
        return cls(data_dir, base_url=base_url)

    def key(self) -> bytes:
        """The key, read (or made) now if it has not been yet."""
        if isinstance(self._key, Path):
            self._key = load_key(self._key)
        return self._key

    def url(self, name: str, *, now: datetime) -> str:
        """The public address of file `name`, valid for LINK_LIFETIME from `now`."""
        if self._base_url is None:
            raise ValueError("no public address to link to")
        expires = int((now + LINK_LIFETIME).timestamp())
        signature = self._sign(name, expires)
        return f"{self._base_url}/{quote(name)}?e={expires}&s={signature}"

    def admits(self, name: str, *, expires: str, signature: str, now: datetime) -> bool:
        """Whether a request for `name` carries a valid link that has not expired."""
        # Only the digits a link is made with, and only a signature of its alphabet.
        if not (expires.isascii() and expires.isdigit()) or str(int(expires)) != expires:
            return False
        if len(expires) > 12 or int(expires) < now.timestamp():
            return False
        expected = self._sign(name, int(expires)).encode()
        return hmac.compare_digest(expected, signature.encode("utf-8", "replace"))

    def _sign(self, name: str, expires: int) -> str:
        message = f"{name}\n{expires}".encode()
        return hmac.new(self.key(), message, hashlib.sha256).hexdigest()[:_SIGNATURE_LENGTH]


def load_key(data_dir: Path) -> bytes:
    """The data directory's link key, made (owner-readable only) if it has none yet; read
    once per process.

    Two instances starting together may both try to make it: the first to create the file
    wins and the other reads what it wrote."""
    folder = data_dir.resolve()
    with _KEYS_LOCK:
        if folder not in _KEYS:
            _KEYS[folder] = _read_or_make(folder / KEY_FILE)
        return _KEYS[folder]


def forget_keys() -> None:
    """Read the key files again when next needed (for tests of a changed key)."""
    with _KEYS_LOCK:
        _KEYS.clear()


def _read_or_make(path: Path) -> bytes:
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(_KEY_BYTES)
    partial = path.with_name(f"{KEY_FILE}.{secrets.token_hex(4)}.tmp")
    try:
        private_folder(path.parent)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        with os.fdopen(os.open(partial, flags, 0o600), "wb") as out:
            out.write(key.hex().encode())
        # A hard link fails if the key exists by now: whoever made it first wins, whole.
        os.link(partial, path)
    except FileExistsError:
        pass
    except OSError as error:
        raise KeyFileError(f"cannot make {path}: {error.strerror or error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    """The key in `path`, which must be a file of its own (not a link) that only its owner,
    this service's user, can read."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise KeyFileError(f"{path} cannot be opened as a plain file: {error.strerror}") from None
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise KeyFileError(f"{path} is not a plain file")
        if status.st_mode & 0o077:
            raise KeyFileError(f"{path} is readable by others: chmod 600 it, or delete it")
        if status.st_uid != os.geteuid():
            raise KeyFileError(f"{path} belongs to another user: delete it, or run as its owner")
        text = file.read(1024).decode("ascii", "replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise KeyFileError(f"{path} does not hold a file-link key; delete it to make a new one")
    return key
