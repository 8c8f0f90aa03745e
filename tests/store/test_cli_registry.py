"""`dondoc agencies load FILE`: another province's registry with its history columns."""

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from tests.conftest import BOTH_STORES

runner = CliRunner()
HEADER = (
    "canonical_name,short_code,kind,aliases,member_of,successor,successor_scopes,valid_from,"
    "valid_to,source\n"
)
PROVINCE = HEADER + (
    "Sở Thông tin và Truyền thông,STTTT,so,Sở TTTT,GRP-SBN,SKHCN,,,2025-02-28,45/2025/NĐ-CP\n"
    "Sở Khoa học và Công nghệ,SKHCN,so,Sở KH&CN,GRP-SBN,,,,,\n"
    '"Các Sở, ban, ngành (nhóm)",GRP-SBN,other,"Các Sở, ban, ngành",,,,,,\n'
    "Sở Nông nghiệp và Môi trường,SNNMT,so,,GRP-SBN,,,2025-03-01,,45/2025/NĐ-CP\n"
)


def dondoc(url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"DONDOC_DATABASE_URL": url})
    return result.exit_code, result.output


@BOTH_STORES
def test_a_province_loads_its_own_registry_with_dates_and_successors(
    db_url: str, tmp_path: Path
) -> None:
    registry = tmp_path / "tinh.csv"
    registry.write_text(PROVINCE, encoding="utf-8")

    code, out = dondoc(db_url, "agencies", "load", str(registry))
    listed = dondoc(db_url, "agencies", "list")[1]

    assert code == 0, out
    assert out == "Đã nạp 4 cơ quan (4 mới, 0 cập nhật, 1 nhóm).\n"
    [stttt] = [line for line in listed.splitlines() if line.startswith("STTTT")]
    assert "đến 28/02/2025 → SKHCN" in stttt
    [snnmt] = [line for line in listed.splitlines() if line.startswith("SNNMT")]
    assert "từ 01/03/2025" in snnmt


@BOTH_STORES
def test_a_registry_row_with_a_bad_history_is_refused_with_its_line(
    db_url: str, tmp_path: Path
) -> None:
    cases = {
        "a date": PROVINCE.replace("2025-02-28", "28/02/2025"),
        "a successor": PROVINCE.replace(",SKHCN,,,2025", ",SKHCNN,,,2025"),
        "a scope": PROVINCE.replace(",SKHCN,,,2025", ",SKHCN,SYT: y tế,,2025"),
        "an end before the start": PROVINCE.replace(",,2025-03-01,,", ",,2025-03-01,2025-01-01,"),
    }
    answers = {}
    for name, text in cases.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        answers[name] = dondoc(db_url, "agencies", "load", str(path))

    assert {name: code for name, (code, _) in answers.items()} == dict.fromkeys(cases, 1)
    assert answers["a date"][1] == (
        "Tệp danh mục cơ quan không hợp lệ: line 2: STTTT: valid_to «28/02/2025» is not a "
        "date written YYYY-MM-DD\n"
    )
    assert "STTTT: successor SKHCNN is not in the registry" in answers["a successor"][1]
    assert "line 2: STTTT: successor_scopes names SYT, not a successor" in answers["a scope"][1]
    assert (
        "line 5: SNNMT: valid_to 2025-01-01 is before valid_from 2025-03-01"
        in answers["an end before the start"][1]
    )
    # Nothing was loaded by any of them.
    assert dondoc(db_url, "agencies", "list") == (
        1,
        "Chưa có cơ quan nào. Hãy chạy: dondoc agencies load\n",
    )
