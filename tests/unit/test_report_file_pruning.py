"""Old report files go; everything else in the data directory stays."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.file_links import KEY_FILE, LINK_LIFETIME
from services.housekeeping import prune_report_files

NOW = datetime(2023, 11, 20, 2, 0, tzinfo=UTC)


def _file(folder: Path, name: str, *, age: timedelta) -> Path:
    path = folder / name
    path.write_bytes(b"x")
    stamp = (NOW - age).timestamp()
    os.utime(path, (stamp, stamp), follow_symlinks=False)
    return path


def test_report_files_go_two_weeks_after_their_links_expire(tmp_path: Path) -> None:
    old = LINK_LIFETIME + timedelta(days=14, hours=1)
    young = LINK_LIFETIME + timedelta(days=13, hours=23)
    gone = [
        _file(tmp_path, "weekly-2023-W30-all-vi.png", age=old),
        _file(tmp_path, "weekly-2023-W30-all-vi.xlsx", age=old),
        _file(tmp_path, "now-2023-W31-agencies-STTTT-en.png", age=old),
        # What a writer that died mid-file left, after a day.
        _file(tmp_path, ".weekly-2023-W47-all-vi.png.4242.part", age=timedelta(days=2)),
    ]
    kept = [
        _file(tmp_path, "weekly-2023-W35-all-vi.png", age=young),
        _file(tmp_path, ".weekly-2023-W47-all-vi.xlsx.4242.part", age=timedelta(hours=2)),
        # Not the bot's report files, however old: `dondoc report --out`, notes, the key.
        _file(tmp_path, "bao-cao-quy-3.xlsx", age=old),
        _file(tmp_path, "weekly-2023-W30-all-vi.pdf", age=old),
        _file(tmp_path, "notes.txt", age=old),
        _file(tmp_path, KEY_FILE, age=old),
    ]
    (tmp_path / "weekly-2023-W29-all-vi.png").mkdir()  # not a file
    os.symlink(kept[2], tmp_path / "weekly-2023-W28-all-vi.png")  # a link is left alone
    os.utime(tmp_path / "weekly-2023-W28-all-vi.png", (0, 0), follow_symlinks=False)

    assert prune_report_files(tmp_path, now=NOW) == len(gone)
    assert not any(path.exists() for path in gone)
    assert all(path.exists() for path in kept)
    assert prune_report_files(tmp_path, now=NOW) == 0


def test_a_data_directory_not_made_yet_has_nothing_to_prune(tmp_path: Path) -> None:
    assert prune_report_files(tmp_path / "none", now=NOW) == 0
