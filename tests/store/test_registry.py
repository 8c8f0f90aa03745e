"""Loading the Hai Phong agency registry into the store."""

from datetime import UTC, datetime

from services.agencies import (
    SHIPPED_REGISTRY,
    expand_groups,
    group_members,
    list_agencies,
    load_registry,
    read_registry,
)
from services.unit_of_work import Sessions, transaction
from tests.conftest import BOTH_STORES

NOW = datetime(2023, 2, 13, tzinfo=UTC)


def test_the_shipped_registry_reads_with_aliases_and_groups() -> None:
    registry = read_registry(SHIPPED_REGISTRY.read_text(encoding="utf-8"))
    rows = {a.code: a for a in registry}
    assert rows["STTTT"].name == "Sở Thông tin và Truyền thông"
    assert "Sở Văn hóa, Thể thao" in rows["SVHTT"].aliases
    assert "UBND-QUAN-HUYEN" in rows["UBND-QUAN-HONGBANG"].member_of


@BOTH_STORES
async def test_groups_expand_to_their_members(
    sessions: Sessions,
) -> None:
    registry = read_registry(SHIPPED_REGISTRY.read_text(encoding="utf-8"))
    async with transaction(sessions) as session:
        result = await load_registry(session, registry=registry, now=NOW, actor="test")
    assert result.added == len(registry)
    async with sessions() as session:
        districts = await group_members(session, group_code="UBND-QUAN-HUYEN")
        everything = await list_agencies(session)
    codes = {a.code for a in districts}
    assert len(codes) == 15, sorted(codes)
    assert {"UBND-QUAN-HONGBANG", "UBND-HUYEN-THUYNGUYEN", "UBND-HUYEN-TIENLANG"} <= codes
    assert all(not a.is_group for a in districts)
    by_code = {a.code: a for a in everything}
    assert by_code["UBND-QUAN-HUYEN"].is_group and by_code["GRP-SBN"].is_group
    assert not by_code["STTTT"].is_group
    # A group listed twice, or a group and one of its members, gives each agency once.
    both = expand_groups(everything, ["UBND-QUAN-HUYEN", "UBND-QUAN-HONGBANG", "UBND-QUAN-HUYEN"])
    assert len(both) == 15
