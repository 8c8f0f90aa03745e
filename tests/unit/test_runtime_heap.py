"""The running service keeps its start-up objects out of the garbage collector's way."""

import gc
import sys

from bot.runtime import freeze_startup_objects, load_writers_in_background


def test_start_up_objects_are_frozen_and_the_collector_stays_on() -> None:
    enabled = gc.isenabled()
    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > 0
        assert gc.isenabled() == enabled
    finally:
        gc.unfreeze()


async def test_the_report_writers_load_in_the_background_and_are_frozen_with_the_rest() -> None:
    try:
        await load_writers_in_background()
        assert {"matplotlib.figure", "xlsxwriter"} <= set(sys.modules)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
