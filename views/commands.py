"""The command catalogue: every slash command once, with its names, who it is offered to,
its menu line and its help line. The conversation's routing, the Telegram menus and /help
are all generated from it, so a command cannot be answered under one name and offered
under another.
"""

from dataclasses import dataclass

from domain.access import Role
from domain.text import fold
from locales import N_, Translate

EVERYONE = frozenset(Role)
READERS = frozenset({Role.COORDINATOR, Role.LEADER, Role.ADMIN})
MANAGERS = frozenset({Role.COORDINATOR, Role.ADMIN})


@dataclass(frozen=True)
class CommandSpec:
    """One slash command.

    `command` is its English name; `vi_alias` its Vietnamese name, shown in Vietnamese menus;
    `aliases` more names it answers to (all written without diacritics: "/quáhạn" is read as
    "quahan"). `registered`: only registered people may use it. `roles`: whose /help offers it,
    and whose menu unless `menu_roles` says otherwise (the services decide what each role may
    actually do). `description` is its menu line ("": not in the menu) and `help` its /help
    line.
    """

    command: str
    vi_alias: str
    aliases: tuple[str, ...] = ()
    registered: bool = True
    roles: frozenset[Role] = EVERYONE
    description: str = ""
    help: str = ""
    menu_roles: frozenset[Role] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """Every name it answers to."""
        return (self.command, self.vi_alias, *self.aliases)


CATALOGUE: tuple[CommandSpec, ...] = (
    CommandSpec("start", "start", registered=False),
    CommandSpec("register", "dangky", registered=False),
    CommandSpec(
        "tasks",
        "viec",
        ("nhiemvu",),
        description=N_("Việc của cơ quan tôi"),
        help=N_("/viec — việc đang mở của cơ quan bạn"),
    ),
    CommandSpec(
        "task",
        "chitiet",
        ("xem",),
        description=N_("Chi tiết một việc: /task 57"),
        help=N_("/chitiet 57 — chi tiết và lịch sử một việc"),
    ),
    CommandSpec(
        "upcoming",
        "sapden",
        ("saptoi",),
        description=N_("Việc sắp đến hạn"),
        help=N_("/sapden 14 — việc đến hạn trong 14 ngày tới"),
    ),
    CommandSpec(
        "overdue",
        "quahan",
        description=N_("Việc quá hạn theo cơ quan"),
        menu_roles=READERS,
        help=N_("/quahan — việc quá hạn"),
    ),
    CommandSpec(
        "statistics",
        "thongke",
        description=N_("Thống kê kết quả theo quý, 6 tháng, năm"),
        menu_roles=READERS,
        help=N_("/thongke quý — kết quả thực hiện nhiệm vụ: đúng hạn, quá hạn, xếp hạng cơ quan"),
    ),
    CommandSpec(
        "indicators",
        "chitieu",
        ("ct", "chitieuso"),
        description=N_("Chỉ tiêu và số liệu"),
        help=N_(
            "/chitieu — chỉ tiêu và số liệu kỳ này; /chitieu PL3.7 — lịch sử một chỉ tiêu; "
            "/chitieu PL3.7 3.700 — báo số liệu"
        ),
    ),
    CommandSpec(
        "extensions",
        "giahan",
        ("denghigiahan",),
        description=N_("Đề nghị gia hạn đang chờ"),
        menu_roles=READERS,
        help=N_("«gia hạn #57 đến 30/9: lý do» — xin gia hạn; /giahan — đề nghị gia hạn đang chờ"),
    ),
    CommandSpec(
        "undo",
        "hoantac",
        description=N_("Hoàn tác cập nhật vừa gửi"),
        help=N_("/hoantac — hoàn tác cập nhật vừa gửi (trong 10 phút)"),
    ),
    CommandSpec("cancel", "huy", help=N_("/huy — bỏ câu hỏi đang chờ")),
    CommandSpec(
        "whoami",
        "toila",
        description=N_("Tôi là ai, thuộc cơ quan nào"),
        help=N_("/toila — thông tin của bạn"),
    ),
    CommandSpec(
        "lang",
        "ngonngu",
        description=N_("Đổi ngôn ngữ: /lang en"),
        help=N_("/ngonngu en — đổi ngôn ngữ"),
    ),
    CommandSpec(
        "help",
        "trogiup",
        ("huongdan",),
        registered=False,
        description=N_("Hướng dẫn sử dụng"),
    ),
    CommandSpec(
        "summary",
        "baocao",
        ("tonghop",),
        roles=READERS,
        description=N_("Báo cáo tổng hợp"),
        help=N_("/baocao — báo cáo tổng hợp tuần đến lúc này"),
    ),
    CommandSpec(
        "people",
        "canbo",
        roles=MANAGERS,
        description=N_("Cán bộ đã đăng ký"),
        help=N_("/canbo — danh sách người đăng ký"),
    ),
    CommandSpec("revoke", "thuhoi", roles=MANAGERS, help=N_("/thuhoi 12 — thu hồi quyền của #12")),
    CommandSpec(
        "import",
        "nhap",
        ("nhapkehoach",),
        roles=MANAGERS,
        description=N_("Nhập kế hoạch từ tệp"),
        help=N_("/nhap — gửi tệp kế hoạch (.docx, .xlsx, .csv, .txt) để xem trước rồi nhập"),
    ),
    CommandSpec("done", "xong"),
    CommandSpec("progress", "tiendo"),
    CommandSpec("blocked", "vuong", ("vuongmac",)),
    CommandSpec("snooze", "nhaclai"),
)

# typed name → command; every command is also its own alias.
ALIASES: dict[str, str] = {name: spec.command for spec in CATALOGUE for name in spec.names}
SPECS: dict[str, CommandSpec] = {spec.command: spec for spec in CATALOGUE}


@dataclass(frozen=True)
class Command:
    """A slash command as typed: its canonical name (None if unknown) and its arguments."""

    name: str | None
    typed: str
    args: str


def parse_command(text: str) -> Command | None:
    """Read "/quahan STTTT", "/tasks@DonDocBot", "/quáhạn"; None when text is no command."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    head, _, args = stripped[1:].partition(" ")
    # Telegram appends the bot's name in groups: /tasks@DonDocBot
    typed = head.split("@", 1)[0]
    key = fold(typed).replace("_", "").replace("-", "")
    return Command(name=ALIASES.get(key), typed=typed, args=" ".join(args.split()))


MENU: tuple[CommandSpec, ...] = tuple(spec for spec in CATALOGUE if spec.description)


def menu(role: Role, locale: str, _: Translate) -> list[tuple[str, str]]:
    """The (command, description) pairs of a role's menu, named in the reader's language."""
    return [
        (spec.vi_alias if locale == "vi" else spec.command, _(spec.description))
        for spec in MENU
        if role in (spec.menu_roles or spec.roles)
    ]


_REPLY_FORMS = N_(
    "Trả lời lời nhắc bằng tin ngắn: «xong», «đang làm 60%», «vướng: chưa có kinh phí», "
    "«nhắc lại sau 3 ngày»; nhiều việc: «1 xong, 2 60%».\n"
    "Nêu số hiệu việc: «#57 xong», /xong 57, /tiendo 57 60, /vuong 57 lý do, /nhaclai 57 3."
)
_STRANGER_HELP = N_(
    "Đôn Đốc nhắc việc theo kế hoạch của UBND thành phố. Để bắt đầu, gửi /start kèm mã "
    "mời mà điều phối viên đã cấp cho bạn."
)
_SCOPED_OVERDUE = N_("/quahan STTTT hoặc /quahan 40/KH-UBND — lọc theo cơ quan hoặc kế hoạch")
_SCOPED_INDICATORS = N_(
    "/chitieu STTTT, /chitieu PL3 — lọc chỉ tiêu; /chitieu PL1.12 3,4 — nhập số liệu thay cơ quan"
)


def help_text(role: Role | None, _: Translate) -> str:
    """/help for someone of this role (None: not registered), from the catalogue."""
    if role is None:
        return _(_STRANGER_HELP)
    lines = [_(_REPLY_FORMS)]
    lines.extend(_(spec.help) for spec in CATALOGUE if spec.help and role in spec.roles)
    if role in READERS:
        lines.append(_(_SCOPED_OVERDUE))
        lines.append(_(_SCOPED_INDICATORS))
    return "\n".join(lines)
