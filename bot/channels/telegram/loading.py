"""Importing aiogram without building all of its types' validators at once.

aiogram's types ask pydantic to defer building each model's validator until its first use
(`defer_build=True`), then `aiogram/types/__init__.py` defeats that by calling `model_rebuild`
on every one of its ~450 types to resolve their forward references. Building them all was
3.9 s of CPU on the 2-core CI machine (aiogram 3.31, pydantic 2.13), most of `dondoc run`'s
start-up, for types this bot never receives (stickers, payments, games, business accounts...).

`load_aiogram` imports aiogram with those calls recorded instead of run: each deferred type
keeps the namespace aiogram would have resolved it in, and pydantic builds it, with exactly
that namespace, the first time it validates (about 0.2 s for the first update, once). A
pydantic that no longer has the hooks this relies on gets the eager import, unchanged.
Call it before anything imports aiogram: the channel's package does, first thing.
"""

import importlib
import sys
from typing import Any, get_args

from pydantic import BaseModel

_NAMESPACE_ATTRIBUTE = "__pydantic_parent_namespace__"


def load_aiogram() -> None:
    """Import aiogram, leaving its types' validators to be built when first used."""
    if "aiogram" in sys.modules or not _supported():
        importlib.import_module("aiogram")  # already imported, or the eager way

        return
    original = BaseModel.__dict__["model_rebuild"]
    # aiogram passes every type the same namespace: its types module's names.
    namespace: dict[str, Any] | None = None

    def model_rebuild(cls: type[BaseModel], **arguments: Any) -> bool | None:
        nonlocal namespace
        types_namespace = arguments.get("_types_namespace")
        if _deferrable(cls) and types_namespace is not None and not arguments.get("force"):
            namespace = types_namespace
            return None
        return original.__func__(cls, **arguments)  # type: ignore[no-any-return]

    BaseModel.model_rebuild = classmethod(model_rebuild)  # type: ignore[method-assign,assignment,arg-type]
    try:
        importlib.import_module("aiogram")
    finally:
        BaseModel.model_rebuild = original  # type: ignore[method-assign]
    if namespace is not None:
        _give_namespace(BaseModel, namespace)


def build_models_in(annotation: object) -> None:
    """Build the aiogram models `annotation` holds (list[Update], Message | bool...), each on
    its own, before a model holding them is made.

    pydantic builds an unbuilt model met inside another model's schema as part of that schema
    and leaves it unbuilt: every class made around it later would build it again (250 ms for
    a Message, against 10 ms once it is built).
    """
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if not annotation.__pydantic_complete__:
            annotation.model_rebuild()
        return
    for argument in get_args(annotation):
        build_models_in(argument)


def _supported() -> bool:
    """Whether this pydantic resolves a deferred model's names from its parent namespace."""
    return hasattr(BaseModel, _NAMESPACE_ATTRIBUTE) and "model_rebuild" in BaseModel.__dict__


def _deferrable(cls: type[BaseModel]) -> bool:
    return cls.__module__.startswith("aiogram.") and bool(cls.model_config.get("defer_build"))


def _give_namespace(base: type[BaseModel], namespace: dict[str, Any]) -> None:
    """Every aiogram model resolves names where aiogram meant it to, when it is next built.

    Built ones too: a model holding an unbuilt one builds it within its own schema, from its
    own namespace, and the generic ones (`Response[...]`, made per call) pass theirs on to
    each class they make.
    """
    for cls in base.__subclasses__():
        if cls.__module__.startswith("aiogram."):
            setattr(cls, _NAMESPACE_ATTRIBUTE, namespace)
        _give_namespace(cls, namespace)
