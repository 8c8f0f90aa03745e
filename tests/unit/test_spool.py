"""Sorted runs spilled to a temporary file come back as one sorted stream, as often as asked."""

from datetime import UTC, date, datetime

from domain.status import Status
from domain.summary import ItemRow, ItemState
from services.spool import SortedSpool
from services.summary_items import _decode, _encode


def test_runs_come_back_merged_in_key_order_every_time_they_are_read() -> None:
    spool: SortedSpool[str] = SortedSpool(encode=str.encode, decode=bytes.decode, block=2)
    spool.add_run([(1, "a"), (4, "d"), (7, "g"), (8, "h"), (9, "i")])
    spool.add_run([])
    spool.add_run([(2, "b"), (3, "c"), (10, "j")])
    spool.add_run([(5, "e"), (6, "f")])
    assert len(spool) == 10
    assert "".join(spool) == "abcdefghij"
    assert "".join(spool) == "abcdefghij"


def test_records_added_after_a_read_are_read_the_next_time() -> None:
    spool: SortedSpool[int] = SortedSpool(encode=int, decode=int)
    assert list(spool) == [] and not spool
    spool.add_run([("b", 2)])
    assert list(spool) == [2]
    spool.add_run([("a", 1)])
    assert list(spool) == [1, 2]


def test_a_summary_item_comes_back_from_the_spool_as_it_went_in() -> None:
    # Every field set and each different from its neighbours: the spool stores an item's
    # values by position, so a field read back in its neighbour's place shows here.
    row = ItemRow(
        assignment_id=7,
        plan_id=3,
        task_code="I.2",
        task_title="Số hóa hồ sơ",
        agency_code="STC",
        agency_name="Sở Tài chính",
        status=Status.BLOCKED,
        progress=40,
        due_date=date(2023, 6, 30),
        due_text="Quý II/2023",
        occurrence_id=11,
        period_label="2023-Q2",
        blocked_reason="chưa có kinh phí",
        last_update_at=datetime(2023, 6, 1, 2, 3, tzinfo=UTC),
        cooperating=("Sở Nội vụ", "Sở Xây dựng"),
        blocked_by="SKHDT",
    )
    state = ItemState(
        row=row,
        status=Status.IN_PROGRESS,
        progress=60,
        blocked_reason="chờ ý kiến",
        overdue_days=4,
        done_at=datetime(2023, 6, 20, 8, tzinfo=UTC),
        last_update_at=datetime(2023, 6, 21, 9, tzinfo=UTC),
        last_note="đã trình",
    )
    spool: SortedSpool[ItemState] = SortedSpool(encode=_encode, decode=_decode)
    spool.add_run([((1,), state)])
    assert list(spool) == [state]
    read = next(iter(spool))
    assert type(read.status) is Status and type(read.row.status) is Status
