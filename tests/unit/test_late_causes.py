import pytest

from domain.causes import read_cause


@pytest.mark.parametrize(
    ("text", "objective", "cause"),
    [
        ("khách quan: chờ hướng dẫn của Bộ", True, "chờ hướng dẫn của Bộ"),
        ("Khách quan - bão số 3 làm gián đoạn thi công", True, "bão số 3 làm gián đoạn thi công"),
        ("khach quan, cho Bo TTTT huong dan", True, "cho Bo TTTT huong dan"),
        ("KHÁCH QUAN: dự toán chưa được duyệt", True, "dự toán chưa được duyệt"),
        ("nguyên nhân khách quan do thiên tai", True, "nguyên nhân khách quan do thiên tai"),
        ("chủ quan: thiếu cán bộ chuyên trách", False, "thiếu cán bộ chuyên trách"),
        ("Chu quan, don vi cham trien khai", False, "don vi cham trien khai"),
        ("do chủ quan của đơn vị", False, "do chủ quan của đơn vị"),
        ("không khách quan, do đơn vị chậm", False, "không khách quan, do đơn vị chậm"),
        ("khong khach quan", False, "khong khach quan"),
        ("chờ ý kiến của Bộ", None, "chờ ý kiến của Bộ"),
        ("do thiếu kinh phí", None, "do thiếu kinh phí"),
        ("  khách   quan :   chờ   Sở Tài chính  ", True, "chờ Sở Tài chính"),
    ],
)
def test_a_late_cause_says_whether_it_was_outside_the_agencys_control(
    text: str, objective: bool | None, cause: str
) -> None:
    assert read_cause(text) == (objective, cause)
