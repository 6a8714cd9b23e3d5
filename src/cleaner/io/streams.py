"""Byte streams over input files: plain, or gzip/zstd decompressed member by member, with a bounded
``readline`` and the offset of every byte handed out (the ``source`` of a record)."""
from __future__ import annotations

import zlib

import zstandard

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
LZ4_MAGIC = b"\x04\x22\x4d\x18"

CHUNK = 1 << 16
# zstd has no output bound per call, so compressed input goes in small pieces to bound each step's output.
ZSTD_INPUT_PIECE = 1 << 12

class InputError(Exception):
    """Reading a file broke off; ``doc_id`` and ``where`` name the record it broke off in, when known."""

    doc_id: str | None = None
    where: str | None = None

    def at(self, doc_id: str, where: str) -> "InputError":
        self.doc_id, self.where = doc_id, where
        return self


class TruncatedInput(InputError):
    """The file ends inside a compressed member or a record."""


class CorruptInput(InputError):
    """Compressed data that does not decompress."""


class Stream:
    """Buffered reading with a bounded ``readline`` and the position of every byte handed out."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pos = 0        # decompressed bytes handed out so far
        self._eof = False

    def _fill(self) -> bool:
        """Append more bytes to the buffer; False at the end of the input."""
        raise NotImplementedError

    def location(self) -> str:
        """Where the next unread byte lies in the file (see the module notes)."""
        raise NotImplementedError

    def at_end(self) -> bool:
        while not self._buf:
            if self._eof or not self._fill():
                self._eof = True
                return True
        return False

    def peek(self, n: int) -> bytes:
        """The next ``n`` bytes (fewer at the end of the input), left unread."""
        while len(self._buf) < n and not self._eof:
            if not self._fill():
                self._eof = True
        return bytes(self._buf[:n])

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes; fewer only at the end of the input."""
        while len(self._buf) < n and not self._eof:
            if not self._fill():
                self._eof = True
        with memoryview(self._buf) as view:
            out = bytes(view[:n])  # one copy, not two
        del self._buf[:n]
        self._pos += len(out)
        return out

    def readline(self, limit: int) -> bytes:
        """One line with its ``\\n``, or the first ``limit`` bytes of a longer one."""
        start = 0
        while True:
            end = self._buf.find(b"\n", start, limit)
            if end >= 0:
                return self.read(end + 1)
            if len(self._buf) >= limit or self._eof:
                return self.read(limit)
            start = len(self._buf)
            if not self._fill():
                self._eof = True

    def skip(self, n: int) -> int:
        """Discard up to ``n`` bytes without holding them; returns how many there were."""
        done = 0
        while done < n:
            got = len(self.read(min(CHUNK, n - done)))
            if not got:
                break
            done += got
        return done

    def skip_line(self) -> None:
        """Discard the rest of the current line, however long."""
        while True:
            part = self.readline(CHUNK)
            if not part or part.endswith(b"\n"):
                return


class PlainStream(Stream):
    def __init__(self, raw) -> None:
        super().__init__()
        self._raw = raw

    def _fill(self) -> bool:
        data = self._raw.read(CHUNK)
        self._buf += data
        return bool(data)

    def location(self) -> str:
        return str(self._pos)


class MemberStream(Stream):
    """A gzip or zstd file decompressed member by member (frame by frame), remembering where each member
    starts in the compressed file, so that a record can be located as Common Crawl's index does."""

    def __init__(self, raw, codec: str) -> None:
        super().__init__()
        self._raw = raw
        self._codec = codec
        self._magic = GZIP_MAGIC if codec == "gzip" else ZSTD_MAGIC
        self._pending = b""      # compressed bytes read but not yet given to a decompressor
        self._offset = 0         # compressed offset of the first byte in _pending
        self._decoder = None
        # (decompressed position, compressed offset) where each member still in reach starts
        self._starts: list[tuple[int, int]] = []

    def _more_input(self) -> bool:
        data = self._raw.read(CHUNK)
        self._pending += data
        return bool(data)

    def _fill(self) -> bool:
        while True:
            if self._decoder is None:
                while len(self._pending) < len(self._magic) and self._more_input():
                    pass
                if not self._pending or not self._pending.strip(b"\0"):
                    return False  # clean end (NUL padding after the last member is tolerated)
                if not self._pending.startswith(self._magic):
                    raise CorruptInput(f"data at compressed offset {self._offset} is not {self._codec}")
                self._decoder = (zlib.decompressobj(31) if self._codec == "gzip"
                                 else zstandard.ZstdDecompressor().decompressobj())
                while len(self._starts) > 1 and self._starts[1][0] <= self._pos:
                    del self._starts[0]
                self._starts.append((self._pos + len(self._buf), self._offset))
            if not self._pending and not self._more_input():
                raise TruncatedInput(f"{self._codec} stream ends inside the member that starts at compressed "
                                     f"offset {self._starts[-1][1]}")
            piece = self._pending if self._codec == "gzip" else self._pending[:ZSTD_INPUT_PIECE]
            try:
                if self._codec == "gzip":
                    out = self._decoder.decompress(piece, CHUNK)
                    left = self._decoder.unconsumed_tail if not self._decoder.eof else self._decoder.unused_data
                else:
                    out = self._decoder.decompress(piece)
                    left = (self._decoder.unused_data if self._decoder.eof else b"") + self._pending[len(piece):]
            except (zlib.error, zstandard.ZstdError) as e:
                raise CorruptInput(f"corrupt {self._codec} data in the member that starts at compressed offset "
                                   f"{self._starts[-1][1]}: {e}") from None
            self._offset += len(self._pending) - len(left)
            self._pending = left
            if self._decoder.eof:
                self._decoder = None
            if out:
                self._buf += out
                return True

    def location(self) -> str:
        pos = self._pos
        while len(self._starts) > 1 and self._starts[1][0] <= pos:
            del self._starts[0]
        if not self._starts:  # nothing read yet
            return "0"
        start, offset = self._starts[0]
        return str(offset) if pos == start else f"{offset}+{pos - start}"
