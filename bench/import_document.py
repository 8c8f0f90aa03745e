"""How long importing a long plan takes: a 60-page prose plan with its appendix tables.

The document is made here, the same each run (seeded): a 2026 plan of the city with a
"Nội dung nhiệm vụ" part whose points assign dated and undated duties to departments,
communes and groups, a "Tổ chức thực hiện" part with one heading per agency, and two
appendix tables of tasks, some 3,000 characters a page. It is imported as text and as a
Word file through the same entry point as `dondoc import` and the chat upload, against the
shipped registry; start-up (imports, reading the registry) is timed apart.

Run: python -m bench.import_document [--pages 60] [--runs 3]   (prints figures; nothing is
asserted; the target is under 2 s of CPU per import)
"""

import argparse
import io
import random
import statistics
import time
from collections.abc import Callable
from datetime import date

CHARS_PER_PAGE = 3_000
TODAY = date(2026, 3, 2)

AGENCIES = [
    "Sở Nội vụ",
    "Sở Tài chính",
    "Sở Xây dựng",
    "Sở Khoa học và Công nghệ",
    "Sở Nông nghiệp và Môi trường",
    "Sở Công Thương",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Tư pháp",
    "Sở Ngoại vụ",
    "Công an thành phố",
    "Ban Quản lý Khu kinh tế Hải Phòng",
    "Thanh tra thành phố",
    "Văn phòng Ủy ban nhân dân thành phố",
    "Ủy ban nhân dân các xã, phường, đặc khu",
]
GROUPS = ["Các sở, ban, ngành", "các cơ quan, tổ chức, đơn vị có liên quan"]
ACTIONS = [
    "Rà soát, hoàn thiện quy trình nội bộ giải quyết thủ tục hành chính thuộc lĩnh vực quản lý",
    "Xây dựng cơ sở dữ liệu chuyên ngành, kết nối với nền tảng tích hợp, chia sẻ dữ liệu",
    "Tổ chức kiểm tra việc chấp hành quy định về bảo vệ môi trường tại các cơ sở sản xuất",
    "Tham mưu Ủy ban nhân dân thành phố ban hành quy định phân cấp quản lý sau sắp xếp",
    "Triển khai đánh giá mức độ hài lòng của người dân, doanh nghiệp đối với dịch vụ công",
    "Đào tạo, bồi dưỡng kỹ năng số cho cán bộ, công chức, viên chức của cơ quan, đơn vị",
    "Hoàn thiện hồ sơ đề xuất chủ trương đầu tư các dự án trọng điểm của thành phố",
    "Cập nhật quy hoạch sử dụng đất, kế hoạch sử dụng đất hằng năm cấp xã sau sắp xếp",
    "Tổng hợp, đề xuất danh mục nhiệm vụ khoa học và công nghệ cấp thành phố năm 2027",
    "Rà soát, sắp xếp lại các đơn vị sự nghiệp công lập trực thuộc theo quy định",
]
DEADLINES = [
    "trước ngày {d}/{m}/2026",
    "hoàn thành trong tháng {m}/2026",
    "chậm nhất là ngày {d}/{m}/2026",
    "hoàn thành trong quý {q}/2026",
    "trong tháng {m}, tháng {m2} năm 2026",
]
CELL_DEADLINES = [
    "Quý {q}",
    "Tháng {m}",
    "tháng {m}, tháng {m2}",
    "Trước ngày {d}/{m}",
    "Năm 2026",
]
FILLER = (
    "Việc triển khai phải bảo đảm đúng quy định của pháp luật, phù hợp với điều kiện thực tế "
    "của thành phố sau khi sắp xếp đơn vị hành chính và tổ chức chính quyền địa phương hai "
    "cấp; gắn trách nhiệm của người đứng đầu với kết quả thực hiện nhiệm vụ được giao, thực "
    "hiện theo Nghị định số 137/2025/NĐ-CP ngày 12/6/2025 của Chính phủ. "
)
ROMAN = ("I", "II", "III", "IV")


def document(pages: int, *, seed: int = 14) -> str:
    """A plan of about `pages` pages, as the text converter writes one (tables tab-separated)."""
    rng = random.Random(seed)
    lines = [
        "ỦY BAN NHÂN DÂN",
        "THÀNH PHỐ HẢI PHÒNG",
        "",
        "Số: 88/KH-UBND",
        "",
        "Hải Phòng, ngày 20 tháng 01 năm 2026",
        "",
        "KẾ HOẠCH",
        "Thực hiện nhiệm vụ phát triển kinh tế - xã hội và cải cách hành chính năm 2026",
        "",
        "I. MỤC ĐÍCH, YÊU CẦU",
        FILLER * 3,
        "",
        "II. NỘI DUNG NHIỆM VỤ",
    ]
    target = pages * CHARS_PER_PAGE
    budget = int(target * 0.55)
    section = 0
    while sum(len(line) + 1 for line in lines) < budget:
        section += 1
        lines.append(f"{section}. Lĩnh vực {section}")
        lines.append(FILLER)
        for letter in "abcdeg":
            lines.append(f"{letter}) {_duty(rng)}")
        lines.append("")
    lines.append("III. TỔ CHỨC THỰC HIỆN")
    for number, agency in enumerate(AGENCIES, start=1):
        lines.append(f"{number}. {agency}:")
        for _ in range(3):
            lines.append(f"- {_duty(rng, own=False)}")
        lines.append("- Thường xuyên theo dõi, đôn đốc việc thực hiện các nhiệm vụ được giao.")
    lines += ["", "Nơi nhận:", "- Như mục III;", "- Lưu: VT.", "", "TM. ỦY BAN NHÂN DÂN"]
    table = 0
    while sum(len(line) + 1 for line in lines) < target:
        table += 1
        lines += [
            "",
            f"PHỤ LỤC {table}",
            f"DANH MỤC NHIỆM VỤ NĂM 2026 (BẢNG {table})",
            "(Kèm theo Kế hoạch số 88/KH-UBND ngày 20/01/2026 của Ủy ban nhân dân thành phố)",
            "",
            "STT\tNội dung nhiệm vụ\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian (Năm 2026)"
            "\tSản phẩm",
        ]
        for group in range(4):
            lines.append(f"<b>{ROMAN[group]}</b>\t<b>Nhóm nhiệm vụ {group + 1}</b>\t\t\t\t")
            for number in range(1, 26):
                lines.append(
                    "\t".join(
                        [
                            str(number),
                            f"{rng.choice(ACTIONS)} (nhiệm vụ {table}.{group + 1}.{number})",
                            _leads(rng),
                            rng.choice(GROUPS + AGENCIES),
                            _when(rng, CELL_DEADLINES),
                            "Báo cáo, quyết định",
                        ]
                    )
                )
    return "\n".join(lines) + "\n"


def _leads(rng: random.Random) -> str:
    picked = rng.sample(AGENCIES, rng.choice((1, 1, 1, 2)))
    return "; ".join(picked)


def _when(rng: random.Random, shapes: list[str]) -> str:
    month = rng.randint(1, 10)
    return rng.choice(shapes).format(
        d=rng.randint(1, 28), m=month, m2=month + 2, q=ROMAN[rng.randint(0, 3)]
    )


def _duty(rng: random.Random, *, own: bool = True) -> str:
    action = rng.choice(ACTIONS)
    if rng.random() < 0.25:
        # An undated duty: counted, listed, not a task.
        return f"Giao {rng.choice(AGENCIES)} {action[0].lower()}{action[1:]}."
    deadline = _when(rng, DEADLINES)
    if own:
        lead, partner = rng.sample(AGENCIES, 2)
        return (
            f"Giao {lead} chủ trì, phối hợp với {partner}: {action[0].lower()}{action[1:]}, "
            f"{deadline}."
        )
    return f"{action}, {deadline}."


def word_file(text: str) -> bytes:
    """The same document as a Word file: paragraphs, and each appendix as a real table."""
    import docx

    made = docx.Document()
    rows: list[list[str]] = []

    def flush() -> None:
        if not rows:
            return
        table = made.add_table(rows=len(rows), cols=len(rows[0]))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                bold = value.startswith("<b>")
                run = (
                    table.cell(r, c)
                    .paragraphs[0]
                    .add_run(value.replace("<b>", "").replace("</b>", ""))
                )
                run.bold = bold
        rows.clear()

    for line in text.splitlines():
        if "\t" in line:
            rows.append(line.split("\t"))
            continue
        flush()
        made.add_paragraph(line)
    flush()
    buffer = io.BytesIO()
    made.save(buffer)
    return buffer.getvalue()


def _timed(work: Callable[[], object], runs: int) -> tuple[object, list[float], list[float]]:
    """The result of the last run, and the CPU and wall seconds of each of `runs` runs."""
    cpu: list[float] = []
    wall: list[float] = []
    result: object = None
    for _ in range(runs):
        started, began = time.perf_counter(), time.process_time()
        result = work()
        cpu.append(time.process_time() - began)
        wall.append(time.perf_counter() - started)
    return result, cpu, wall


def main(argv: list[str] | None = None) -> None:
    """Print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    started, began = time.perf_counter(), time.process_time()
    from domain.importers import import_bytes
    from services.agencies import SHIPPED_REGISTRY, read_registry

    registry = read_registry(SHIPPED_REGISTRY.read_text(encoding="utf-8"))
    startup = (time.process_time() - began, time.perf_counter() - started)
    text = document(args.pages)
    data = text.encode()
    word = word_file(text)
    print(
        f"document: {len(text):,} characters (~{len(text) / CHARS_PER_PAGE:.0f} pages of "
        f"{CHARS_PER_PAGE:,}), .txt {len(data) / 1024:.0f} KB, .docx {len(word) / 1024:.0f} KB"
    )
    print(f"start-up (imports, shipped registry): {startup[0]:.2f} s CPU, {startup[1]:.2f} s wall")
    for name, content in (("ke-hoach-88.txt", data), ("ke-hoach-88.docx", word)):

        def work(content: bytes = content, name: str = name) -> object:
            return import_bytes(content, name=name, registry=registry, today=TODAY)

        draft, cpu, wall = _timed(work, args.runs)
        tasks = len(getattr(draft, "tasks", []))
        duties = getattr(draft, "duties_found", 0)
        # The first import of a process folds every word afresh (dondoc import); later ones
        # find most words folded already (the running bot).
        print(
            f"import {name:<17} first {cpu[0]:5.2f} s CPU {wall[0]:5.2f} s wall; "
            f"median of {len(cpu)} {statistics.median(cpu):5.2f} s CPU "
            f"{statistics.median(wall):5.2f} s wall ({duties} duties, {tasks} tasks); "
            "target < 2 s CPU"
        )


if __name__ == "__main__":
    main()
