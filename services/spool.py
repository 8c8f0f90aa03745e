"""Sorted runs of records kept in an anonymous temporary file and read back merged.

What a summary of the whole nation lists row by row (137,500 items for the spreadsheet) need
not stay in memory while it waits to be written, once for each language: each chunk, sorted,
goes to the file as one run of pickled blocks, and reading merges the runs (heapq.merge) with
one block of each run in memory at a time. Each record is stored with its sort key, so
reading does not work the keys out again.

The file has no name (tempfile.TemporaryFile: nothing is left behind if the process dies)
and is closed when the spool is garbage-collected. It is only ever read back by the process
that wrote it, so pickle is safe here.
"""

import heapq
import os
import pickle
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import itemgetter
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# Records pickled together: small enough that one block of each of a few dozen runs is a
# few MiB, large enough that pickle's per-call cost does not show.
BLOCK = 256


class SortedSpool(Generic[T]):
    """Records added in sorted runs, read back as one sorted stream, as often as needed.

    `encode` turns a record into plain data pickle handles quickly (tuples of built-in
    types), `decode` turns it back.
    """

    def __init__(
        self,
        *,
        encode: Callable[[T], Any],
        decode: Callable[[Any], T],
        block: int = BLOCK,
    ) -> None:
        self._encode, self._decode, self._block = encode, decode, block
        # Open for the spool's life, not a block's: closed by the finalizer below.
        self._file = tempfile.TemporaryFile()  # noqa: SIM115
        weakref.finalize(self, self._file.close)
        self._end = 0
        self._runs: list[list[tuple[int, int]]] = []
        self._count = 0

    def add_run(self, keyed: Sequence[tuple[Any, T]]) -> None:
        """Store records already sorted by their keys: (key, record) pairs."""
        if not keyed:
            return
        blocks = []
        for start in range(0, len(keyed), self._block):
            data = pickle.dumps(
                [
                    (key, self._encode(record))
                    for key, record in keyed[start : start + self._block]
                ],
                protocol=pickle.HIGHEST_PROTOCOL,
            )
            self._file.write(data)
            blocks.append((self._end, len(data)))
            self._end += len(data)
        self._runs.append(blocks)
        self._count += len(keyed)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[T]:
        self._file.flush()
        runs = [self._read(blocks) for blocks in self._runs]
        decode = self._decode
        for _key, data in heapq.merge(*runs, key=itemgetter(0)):
            yield decode(data)

    def _read(self, blocks: Iterable[tuple[int, int]]) -> Iterator[tuple[Any, Any]]:
        # pread leaves the file's position alone: readers in other threads do not disturb
        # each other or the writer.
        descriptor = self._file.fileno()
        for offset, size in blocks:
            yield from pickle.loads(os.pread(descriptor, size, offset))
