"""From bytes or a binary file to decoded text, streamed in chunks of about a megabyte.

Chunks are cut at a line break (or, for OFX, after a '>'), so a multi-byte character never
straddles two chunks and the byte offset of an undecodable byte is exact.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import BinaryIO

from finsight.ingestion.records import StatementError

CHUNK_SIZE = 1 << 20
HEAD_SIZE = 8192
# A "line" longer than this is not a bank statement; stop before buffering a whole file.
_MAX_PENDING = 16 << 20


class ByteSource:
    """The first HEAD_SIZE bytes (for detection) and then every chunk of the file, head first."""

    def __init__(self, data: bytes | BinaryIO) -> None:
        if isinstance(data, bytes | bytearray | memoryview):
            payload = bytes(data)
            self.head = payload[:HEAD_SIZE]
            self._rest: Iterator[bytes] = _slices(payload, HEAD_SIZE)
        else:
            self.head = _read_at_least(data, HEAD_SIZE)
            self._rest = iter(lambda: data.read(CHUNK_SIZE), b"")
        self._taken = False

    def chunks(self) -> Iterator[bytes]:
        if self._taken:
            raise RuntimeError("a ByteSource is read once")
        self._taken = True
        return chain((self.head,), self._rest)


def _slices(payload: bytes, start: int) -> Iterator[bytes]:
    view = memoryview(payload)
    for offset in range(start, len(payload), CHUNK_SIZE):
        yield bytes(view[offset : offset + CHUNK_SIZE])


def _read_at_least(stream: BinaryIO, size: int) -> bytes:
    # A raw or socket-like stream may return short reads; detection wants a full head.
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        part = stream.read(remaining)
        if isinstance(part, str):
            raise TypeError("parse_statement reads bytes or a binary file, not text")
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def cut_after_line(buffer: bytes) -> int:
    """Length of the longest prefix that ends a line (0 when there is none yet)."""
    cut = buffer.rfind(b"\n") + 1
    if cut == 0:
        # Old Mac files end lines with a lone CR; never cut between a CR and its LF.
        cut = buffer.rfind(b"\r", 0, len(buffer) - 1) + 1
    return cut


def cut_after_tag(buffer: bytes) -> int:
    return max(buffer.rfind(b">") + 1, cut_after_line(buffer))


def decoded(
    chunks: Iterable[bytes],
    encoding: str,
    *,
    cut: Callable[[bytes], int] = cut_after_line,
    declared: str | None = None,
) -> Iterator[str]:
    """Decoded text pieces, each ending where `cut` says; a leading BOM is dropped."""
    offset = 0
    pending = b""
    first = True
    for chunk in chunks:
        buffer = pending + chunk if pending else chunk
        end = cut(buffer)
        if end == 0:
            if len(buffer) > _MAX_PENDING:
                raise StatementError(
                    f"no line break in the first {_MAX_PENDING >> 20} MB after byte offset "
                    f"{offset}: this is not a statement export"
                )
            pending = buffer
            continue
        text = _decode(buffer[:end], encoding, offset, declared)
        if first:
            text, first = text.removeprefix("\ufeff"), False
        pending = buffer[end:]
        offset += end
        yield text
    if pending:
        text = _decode(pending, encoding, offset, declared)
        yield text.removeprefix("\ufeff") if first else text


def lines(chunks: Iterable[bytes], encoding: str = "utf-8") -> Iterator[str]:
    """Physical lines with their endings (\\r\\n, \\n or \\r), as csv.reader wants them."""
    # StringIO with newline="" splits like open(..., newline="") and runs in C per line.
    return chain.from_iterable(io.StringIO(text, newline="") for text in decoded(chunks, encoding))


def _decode(data: bytes, encoding: str, offset: int, declared: str | None) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        where = f"byte 0x{data[error.start]:02x} at offset {offset + error.start}"
        if declared:
            raise StatementError(
                f"file is not {declared} text as its header declares ({where})"
            ) from None
        raise StatementError(
            f"file is not UTF-8 text ({where}); re-export as UTF-8 or CSV"
        ) from None
