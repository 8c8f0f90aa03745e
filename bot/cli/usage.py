"""Usage errors (an unknown option, a missing argument, a value out of range) in the reader's
language: Typer words them in English, so `dondoc` reads them itself (`main`)."""

import re
from collections.abc import Sequence
from typing import Any

from bot.settings import PYDANTIC_MESSAGES
from locales import N_, Translate

_NOT_ONE_OF = re.compile(r"'(?P<value>.*)' is not one of (?P<choices>.*?)\.?$")
_NO_COMMAND = re.compile(r"No such command '(?P<name>.*)'")
_NEEDS_VALUE = re.compile(r"Option '(?P<option>.*)' requires an argument")
_EXTRA = re.compile(r"unexpected extra argument(?:\(s\)|s)? \((?P<args>.*)\)")


def usage_problem(error: Any, _: Translate) -> str:
    """What was wrong with the command line, and where to read how it is used."""
    context = getattr(error, "ctx", None)
    command = getattr(context, "command_path", None) or "dondoc"
    return f"{_problem(error, _)}\n" + _("Xem: {command} --help").format(command=command)


def _problem(error: Any, _: Translate) -> str:
    kind = type(error).__name__
    message = str(getattr(error, "message", "") or "")
    param = getattr(error, "param", None)
    if kind == "NoSuchOption":
        return _("Không có tùy chọn {option}.").format(option=error.option_name)
    if param is not None:
        name = _name(param)
        if kind == "MissingParameter":
            return _("Thiếu {name}.").format(name=name)
        return f"{name}: {_value_problem(error, _)}"
    if match := _NO_COMMAND.search(message):
        return _("Không có lệnh «{name}».").format(name=match["name"])
    if match := _NEEDS_VALUE.search(message):
        return _("Thiếu giá trị cho {option}.").format(option=match["option"])
    if match := _EXTRA.search(message):
        return _("Thừa đối số: {args}.").format(args=match["args"])
    return _("Lệnh chưa đúng cách dùng ({detail}).").format(detail=message)


def _name(param: Any) -> str:
    opts: Sequence[str] = getattr(param, "opts", ()) or ()
    if getattr(param, "param_type_name", "") == "argument":
        return str(param.name).upper()
    return max(opts, key=len) if opts else str(param.name)


def _value_problem(error: Any, _: Translate) -> str:
    cause = error.__cause__
    details = cause.errors() if cause is not None and hasattr(cause, "errors") else []
    for detail in details:
        wrapped = (detail.get("ctx") or {}).get("error")
        if wrapped is not None and (match := _NOT_ONE_OF.search(str(wrapped))):
            return _("phải là một trong: {choices}; không nhận «{value}».").format(
                choices=match["choices"].replace("'", ""), value=match["value"]
            )
        known = PYDANTIC_MESSAGES.get(detail.get("type", ""))
        if known is not None:
            context = {k: str(v) for k, v in (detail.get("ctx") or {}).items()}
            return _(known).format(**context)
    return _(N_("giá trị không hợp lệ ({detail})")).format(detail=getattr(error, "message", ""))
