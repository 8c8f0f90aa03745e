"""Files only this service's user may read: the store, the report folder and its files.

Reports name agencies, tasks and people and are served only against signed links, so the
folder is made 0700 and each file 0600 whatever the umask; `exposed` finds what an operator
(or an older version) left readable by others, for `dondoc run` to warn about.
"""

import os
import stat
from collections.abc import Iterable
from pathlib import Path

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def private_folder(path: Path) -> Path:
    """`path` as a folder, made (with its parents) readable by this user only if it is new."""
    path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    return path


def make_private(path: Path) -> None:
    """Let only this user read or write the file at `path`."""
    os.chmod(path, PRIVATE_FILE)


def exposed(paths: Iterable[Path]) -> list[Path]:
    """Those of `paths` that exist and that other users may read, write or enter."""
    found = []
    for path in paths:
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue
        if stat.S_IMODE(mode) & 0o077:
            found.append(path)
    return found
