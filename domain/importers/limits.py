"""How much a plan file may hold, checked before anything big is built from it.

A 4.7 KB workbook can declare one merged range over all 17 billion cells of a sheet, a 4.5 MB
Word file can unpack to 1.5 GB, and a 2.4 MB workbook can hold 20 million cells: each was enough
to exhaust the memory of `dondoc import`. So the zip directory's entry count and unpacked sizes
are read before a .docx or .xlsx is opened, worksheets are streamed with row, column, cell and
merge limits, and text is capped. Every limit is far above what a real plan needs (the largest
seed, a 200-task appendix, is 0.3 MB of text); reading stays within a few hundred megabytes.
"""

import io
import zipfile

from domain.importers.blocks import PlanImportError
from domain.problems import Problem, Value
from locales import N_

MIB = 1024 * 1024
# Any file: the Bot API lets bots download 20 MB, and no plan comes near it.
MAX_FILE_BYTES = 20 * MIB
MAX_TEXT_BYTES = 4 * MIB
MAX_ENTRIES = 2_000
MAX_UNPACKED_BYTES = 64 * MIB
# One part of a .docx or .xlsx: Word's document.xml and Excel's shared strings are read whole.
MAX_PART_BYTES = 24 * MIB
# Tags in one part read whole (Word's document.xml, Excel's workbook and styles): python-docx
# holds the whole tree, some 360 bytes a tag, so 23 MB of short paragraphs took 690 MB.
MAX_XML_TAGS = 500_000
# Worksheets (domain.importers.sheet) and shared strings (openpyxl) are streamed.
_STREAMED = ("xl/worksheets/", "xl/sharedStrings.xml")
MAX_ROWS = 20_000
MAX_COLUMNS = 256
MAX_CELLS = 200_000
MAX_MERGES = 20_000

_CENTRAL_HEADER = b"PK\x01\x02"
# A DTD is how an XML file defines entities ("billion laughs"); Word and Excel never write one.
_DTD_MARKS = tuple(
    mark.encode(encoding)
    for mark in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("ascii", "utf-16-le", "utf-16-be")
)
_CHUNK = 1 * MIB


def too_large(name: str, what: Problem, limit: Value) -> PlanImportError:
    """The one-line refusal of a file over a limit: what it holds, and the limit."""
    return PlanImportError(
        Problem.of(
            N_("Tệp quá lớn: «{name}» {what}, giới hạn là {limit}. Hãy tách tệp rồi gửi lại."),
            name=name,
            what=what,
            limit=limit,
        )
    )


def megabytes(size: int) -> str:
    """A size as people write it: "1,5 GB", "64 MB", "2,4 MB", "128 KB"."""
    if size >= 1024 * MIB:
        return f"{size / (1024 * MIB):.1f} GB".replace(".", ",")
    if size < MIB:
        return f"{size // 1024} KB"
    return f"{size / MIB:.1f} MB".replace(".", ",").replace(",0 ", " ")


def check_size(size: int, *, name: str, limit: int = MAX_FILE_BYTES) -> None:
    """Refuse a file of more than `limit` bytes before it is read."""
    if size > limit:
        raise too_large(name, Problem.of(N_("dài {size}"), size=megabytes(size)), megabytes(limit))


def check_archive(data: bytes, *, name: str) -> None:
    """Refuse a .docx/.xlsx whose zip directory lists too many parts or unpacks to too much,
    or whose XML defines entities; a zip that is not readable is left to its reader."""
    # Counted on the bytes: zipfile builds an object per entry while reading the directory.
    entries = data.count(_CENTRAL_HEADER)
    if entries > MAX_ENTRIES:
        raise too_large(name, Problem.of(N_("chứa {count} tệp con"), count=entries), MAX_ENTRIES)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            total = sum(info.file_size for info in infos)
            if total > MAX_UNPACKED_BYTES:
                raise too_large(
                    name,
                    Problem.of(N_("giải nén ra {size}"), size=megabytes(total)),
                    megabytes(MAX_UNPACKED_BYTES),
                )
            for info in infos:
                if info.file_size > MAX_PART_BYTES:
                    raise too_large(
                        name,
                        Problem.of(
                            N_("có phần {part} giải nén ra {size}"),
                            part=info.filename,
                            size=megabytes(info.file_size),
                        ),
                        megabytes(MAX_PART_BYTES),
                    )
            for info in infos:
                if not info.filename.endswith((".xml", ".rels")):
                    continue
                dtd, tags = _scan(archive, info)
                if tags > MAX_XML_TAGS and not info.filename.startswith(_STREAMED):
                    raise too_large(
                        name,
                        Problem.of(
                            N_("có phần {part} gồm {count} thẻ XML"),
                            part=info.filename,
                            count=tags,
                        ),
                        MAX_XML_TAGS,
                    )
                if dtd:
                    raise PlanImportError(
                        Problem.of(
                            N_(
                                "«{name}» bị từ chối: phần {part} khai báo DOCTYPE/ENTITY, điều "
                                "Word và Excel không bao giờ làm. Hãy mở tệp bằng Word hoặc "
                                "Excel, lưu lại rồi gửi lại."
                            ),
                            name=name,
                            part=info.filename,
                        )
                    )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError):
        return


def _scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[bool, int]:
    """Whether an XML part holds a DTD, and about how many tags it has (its "<"); read in
    chunks, never whole."""
    tail = b""
    dtd = False
    tags = 0
    with archive.open(info) as part:
        while chunk := part.read(_CHUNK):
            window = tail + chunk
            dtd = dtd or any(mark in window for mark in _DTD_MARKS)
            tags += chunk.count(b"<")
            tail = window[-32:]
    return dtd, tags
