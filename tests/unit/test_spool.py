"""Sorted runs spilled to a temporary file come back as one sorted stream, as often as asked."""

from services.spool import SortedSpool


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
