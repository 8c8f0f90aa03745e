"""The running service keeps its start-up objects out of the garbage collector's way."""

import gc

from bot.runtime import freeze_startup_objects


def test_start_up_objects_are_frozen_and_the_collector_stays_on() -> None:
    enabled = gc.isenabled()
    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > 0
        assert gc.isenabled() == enabled
    finally:
        gc.unfreeze()
