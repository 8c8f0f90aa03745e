"""The summary's chart and spreadsheet, opened back as a reader would open them."""

import os
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.settings import ConfigError, load_settings
from domain.calendar import WorkCalendar
from domain.status import Status
from domain.summary import ChangeRow, ItemRow, WeeklySummary, summarise
from locales import gettext_for
from services.file_links import LINK_LIFETIME, FileLinks
from services.report_files import ReportFiles, write_report_files
from services.summary import ReportConfig, report_attachments

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
AS_OF = datetime(2023, 6, 30, 10, 0, tzinfo=UTC)
TITLE = 'Đẩy mạnh chỉnh trang, hiện đại hóa đô thị - "Xây dựng nông thôn mới kiểu mẫu"'


def summary_of(items: list[ItemRow], changes: tuple[ChangeRow, ...] = ()) -> WeeklySummary:
    return summarise(
        items=items,
        changes=changes,
        activity={},
        previous=None,
        as_of=AS_OF,
        tz=TZ,
        calendar=WorkCalendar(),
    )


def sample() -> WeeklySummary:
    items = [
        ItemRow(
            assignment_id=57,
            plan_id=1,
            task_code="I.1",
            task_title=TITLE,
            agency_code="SXD",
            agency_name="Sở Xây dựng",
            status=Status.IN_PROGRESS,
            progress=60,
            due_date=date(2023, 3, 31),
            due_text="Quý I /2023",
            cooperating=("Sở Kế hoạch và Đầu tư", "Sở Tài chính"),
        ),
        ItemRow(
            assignment_id=58,
            plan_id=1,
            task_code="I.2",
            task_title='=HYPERLINK("http://example.com")',
            agency_code="STNMT",
            agency_name="Sở Tài nguyên và Môi trường",
            status=Status.BLOCKED,
            blocked_reason="chưa có\x07 kinh phí",
            due_date=date(2023, 7, 10),
        ),
        ItemRow(
            assignment_id=59,
            plan_id=1,
            task_code="2.6",
            task_title="Báo cáo định kỳ 6 tháng",
            agency_code="SXD",
            agency_name="Sở Xây dựng",
            status=Status.DONE,
            due_date=date(2023, 6, 18),
            due_text="Định kỳ 6 tháng",
            occurrence_id=3,
            period_label="2023-H1",
        ),
    ]
    done = ChangeRow(
        assignment_id=59,
        occurrence_id=3,
        at=AS_OF - timedelta(days=12),
        from_status=Status.IN_PROGRESS,
        to_status=Status.DONE,
        note="đã gửi báo cáo số 12/BC",
    )
    return summary_of(items, (done,))


async def test_the_spreadsheet_lists_every_item_in_the_layout_officials_use(
    tmp_path: Path,
) -> None:
    files = await write_report_files(sample(), out_dir=tmp_path, stem="tuan-26", locale="vi")
    assert files.spreadsheet == tmp_path / "tuan-26.xlsx"
    workbook = load_workbook(files.spreadsheet)
    assert workbook.sheetnames == ["Tổng hợp", "Theo cơ quan"]
    sheet = workbook["Tổng hợp"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "TT",
        "Nhiệm vụ",
        "Cơ quan chủ trì",
        "Cơ quan phối hợp",
        "Thời hạn",
        "Tình trạng",
        "Tiến độ",
        "Ghi chú",
    )
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:H4"
    assert all(cell.font.b for cell in sheet[1])
    widths = {key: dim.width for key, dim in sheet.column_dimensions.items()}
    assert widths["B"] >= 50 and widths["A"] <= 8 and all(w >= 6 for w in widths.values())
    assert sheet["B3"].alignment.wrap_text

    by_code = {row[1].split(" – ")[0]: row for row in rows[1:]}
    assert [row[0] for row in rows[1:]] == [1, 2, 3]
    assert by_code["I.1"] == (
        2,
        f"I.1 – {TITLE}",
        "Sở Xây dựng",
        "Sở Kế hoạch và Đầu tư; Sở Tài chính",
        "Quý I /2023\n31/03/2023",
        "Đang làm, quá hạn 62 ngày làm việc",
        0.6,
        None,
    )
    assert by_code["2.6"][4] == "Định kỳ 6 tháng\nKỳ 2023-H1\n18/06/2023"
    assert by_code["2.6"][5:] == ("Hoàn thành", 1, "đã gửi báo cáo số 12/BC\nCập nhật 18/06/2023")
    # What officers type never becomes a formula, and characters Excel refuses are dropped.
    assert by_code["I.2"][1] == 'I.2 – =HYPERLINK("http://example.com")'
    assert sheet.cell(row=4, column=2).data_type == "s"
    assert by_code["I.2"][7] == "Vướng: chưa có kinh phí"
    assert sheet["G2"].number_format == "0%"

    agencies = workbook["Theo cơ quan"]
    assert agencies.freeze_panes == "A2"
    assert [row[:4] for row in agencies.iter_rows(min_row=2, values_only=True)] == [
        ("Sở Xây dựng", "SXD", 1, 1),
        ("Sở Tài nguyên và Môi trường", "STNMT", 1, 0),
    ]


async def test_the_spreadsheet_speaks_english_to_english_readers(tmp_path: Path) -> None:
    files = await write_report_files(sample(), out_dir=tmp_path, stem="week", locale="en")
    sheet = load_workbook(files.spreadsheet)["Summary"]
    assert next(sheet.iter_rows(max_row=1, values_only=True))[:3] == (
        "No.",
        "Task",
        "Lead agency",
    )
    assert sheet["F3"].value == "In progress, 62 working days overdue"


async def test_the_chart_is_a_png_image_even_when_there_is_nothing_to_draw(
    tmp_path: Path,
) -> None:
    full = await write_report_files(sample(), out_dir=tmp_path, stem="full", locale="vi")
    empty = await write_report_files(summary_of([]), out_dir=tmp_path, stem="empty", locale="vi")
    for files in (full, empty):
        with Image.open(files.chart) as image:
            image.verify()
            assert image.format == "PNG"
            width, height = image.size
            assert 600 <= width <= 2000 and 200 <= height <= 2000


async def test_writing_again_with_the_same_stem_replaces_the_files(tmp_path: Path) -> None:
    for _ in range(2):
        await write_report_files(sample(), out_dir=tmp_path / "data", stem="w26", locale="vi")
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["w26.png", "w26.xlsx"]


def test_attachments_carry_a_signed_public_address_only_when_one_is_configured(
    tmp_path: Path,
) -> None:
    files = ReportFiles(chart=tmp_path / "tuần 26.png", spreadsheet=tmp_path / "tuần 26.xlsx")
    links = FileLinks(b"k" * 32, base_url="https://f.example.vn/d")
    now = datetime(2023, 6, 26, 7, 30, tzinfo=UTC)
    linked = report_attachments(files, locale="vi", links=links, now=now)
    expires = int((now + LINK_LIFETIME).timestamp())
    assert [(a.kind, a.public_url and a.public_url.split("&s=")[0]) for a in linked] == [
        ("photo", f"https://f.example.vn/d/tu%E1%BA%A7n%2026.png?e={expires}"),
        ("document", f"https://f.example.vn/d/tu%E1%BA%A7n%2026.xlsx?e={expires}"),
    ]
    assert linked[0].path == str((tmp_path / "tuần 26.png").resolve())
    plain = report_attachments(files, locale="en", links=None, now=now)
    assert [(a.caption, a.public_url) for a in plain] == [
        ("Task status by agency", None),
        ("Task list (Excel)", None),
    ]


def test_data_dir_and_public_files_url_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    defaults = load_settings(_env_file=None)
    assert (defaults.data_dir, defaults.public_files_url) == (Path("dondoc-data"), None)
    monkeypatch.setenv("DONDOC_DATA_DIR", "/var/lib/dondoc")
    monkeypatch.setenv("DONDOC_PUBLIC_FILES_URL", "https://files.example.vn/dondoc/")
    monkeypatch.setenv("DONDOC_WORKING_DAYS", "Mon-Sat")
    settings = load_settings(_env_file=None)
    assert settings.data_dir == Path("/var/lib/dondoc")
    assert settings.public_files_url == "https://files.example.vn/dondoc"
    config = ReportConfig.from_settings(settings.model_copy(update={"data_dir": tmp_path}))
    assert config.links is not None
    link = config.links.url("w.png", now=datetime(2023, 7, 1, tzinfo=UTC))
    assert link.startswith("https://files.example.vn/dondoc/w.png?e=")
    assert config.calendar.is_working_day(date(2023, 7, 1))  # a Saturday


def test_a_public_files_url_that_is_not_http_stops_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DONDOC_PUBLIC_FILES_URL", "files.example.vn")
    with pytest.raises(ConfigError, match="DONDOC_PUBLIC_FILES_URL"):
        load_settings(_env_file=None)


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_status_names_are_the_same_words_in_chat_chart_and_spreadsheet(locale: str) -> None:
    from services.report_files import _BUCKET_LABELS, Bucket
    from views.text import status_label

    _ = gettext_for(locale)
    for status, bucket in (
        (Status.NOT_STARTED, Bucket.NOT_STARTED),
        (Status.IN_PROGRESS, Bucket.IN_PROGRESS),
        (Status.BLOCKED, Bucket.BLOCKED),
        (Status.DONE, Bucket.DONE),
    ):
        assert _(_BUCKET_LABELS[bucket]) == status_label(status, _)
    assert status_label(Status.NOT_STARTED, gettext_for("vi")) == "Chưa bắt đầu"


async def test_item17_report_files_and_their_new_folder_are_for_this_user_only(
    tmp_path: Path,
) -> None:
    previous = os.umask(0o022)
    try:
        files = await write_report_files(
            sample(), out_dir=tmp_path / "data", stem="w", locale="vi"
        )
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    for path in (files.chart, files.spreadsheet):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
