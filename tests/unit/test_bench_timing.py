"""bench.timing.peak_memory measures the block's peak without running in the process it
measures (a sampling thread took the GIL from the work being timed)."""

import threading

from bench.timing import peak_memory

MIB = 2**20


def test_the_peak_counts_what_the_block_holds_and_no_thread_samples_it() -> None:
    threads = threading.active_count()
    with peak_memory() as memory:
        sampling_threads = threading.active_count() - threads
        held = bytearray(64 * MIB)
        held[::4096] = b"\x01" * len(held[::4096])  # touched: resident, not only reserved

    assert sampling_threads == 0
    assert memory.peak - memory.before >= 60 * MIB
    assert "peak resident memory, held:" in memory.line("held")
    del held
