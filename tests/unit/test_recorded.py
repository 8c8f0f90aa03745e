"""domain.reminders.Recorded answers as the set of ledger rows it packs would."""

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.reminders import PAIR, PAIRS, LedgerKey, Recorded

TARGETS = st.sampled_from(["a:1", "a:2", "o:3:7", "i:4:Q1", "agency:9"])
KINDS = st.sampled_from(["before:7@2023-11-27", "due@2023-11-20", "check@2023-11-20", "x\x1fy"])
KEYS = st.tuples(TARGETS, st.integers(1, 400), KINDS)


def packed(rows: set[LedgerKey]) -> dict[str, str]:
    """The texts the database makes of the rows (history.recorded_of)."""
    texts: dict[str, list[str]] = {}
    for target, person, kind in rows:
        texts.setdefault(target, []).append(f"{person}{PAIR}{kind}")
    return {target: PAIRS.join(pairs) for target, pairs in texts.items()}


@settings(deadline=None)
@given(st.sets(KEYS), st.sets(TARGETS), st.lists(KEYS, max_size=30))
def test_recorded_holds_exactly_the_rows_it_packs(
    rows: set[LedgerKey], as_rows: set[str], asked: list[LedgerKey]
) -> None:
    # Some targets come packed, the others (kinds that would not pack) as rows.
    texts = packed({row for row in rows if row[0] not in as_rows})
    recorded = Recorded(texts, [row for row in rows if row[0] in as_rows])

    for key in [*asked, *rows]:
        assert (key in recorded) == (key in rows)
    assert set(recorded) == rows
    assert len(recorded) == len(rows)
    assert set(recorded.targets) == {target for target, _person, _kind in rows}


def test_a_person_is_not_taken_for_another_whose_id_ends_the_same() -> None:
    recorded = Recorded({"a:1": f"12{PAIR}due@2023-11-20"})

    assert ("a:1", 12, "due@2023-11-20") in recorded
    assert ("a:1", 2, "due@2023-11-20") not in recorded
    assert ("a:1", 12, "due@2023-11-2") not in recorded
    assert ("a:2", 12, "due@2023-11-20") not in recorded
