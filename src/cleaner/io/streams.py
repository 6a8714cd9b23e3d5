"""Byte streams over input files: plain, or gzip/zstd decompressed member by member, with a bounded
``readline`` and the offset of every byte handed out (the ``source`` of a record).

A compressed member that does not decompress (bad data, bad CRC) raises :class:`CorruptInput` once and
leaves the stream at the next member that does, so a reader can reject the record it was in and go on:
Common Crawl writes one member per record for exactly this. A member's output is held back until its
checksum is verified (up to :data:`HOLD_BYTES`), so a record from a member with a bad CRC never reaches a
reader. Bytes after the last member that are not one are counted in ``trailing_garbage`` (gzip -d does
the same: "trailing garbage ignored").
"""
from __future__ import annotations

import hashlib
import re
import zlib

import zstandard

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
LZ4_MAGIC = b"\x04\x22\x4d\x18"

CHUNK = 1 << 16
# zstd has no output bound per call, so compressed input goes in small pieces to bound each step's output.
ZSTD_INPUT_PIECE = 1 << 12
# Output of a member held back until its checksum is verified; a longer member is handed out unverified.
HOLD_BYTES = 32 << 20
# Compressed bytes a candidate member must decompress without error to count as the place to resynchronise.
RESYNC_PROBE = 1 << 12
_BLANK = re.compile(rb"[ \t\r\n]*")

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
    """Buffered reading with a bounded ``readline`` and the position of every byte handed out.

    Bytes before ``_start`` in ``_buf`` are already handed out; they are dropped in bulk, because deleting
    the front of a bytearray on every read made a file of blank lines cost seconds per megabyte."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._start = 0      # first unread byte in _buf
        self._pos = 0        # decompressed bytes handed out so far
        self._eof = False
        self._damage: CorruptInput | None = None
        self.trailing_garbage = 0  # bytes after the last compressed member that are not one

    def _fill(self) -> bool:
        """Append more bytes to the buffer; False at the end of the input."""
        raise NotImplementedError

    def location(self) -> str:
        """Where the next unread byte lies in the file (see the module notes)."""
        raise NotImplementedError

    def _available(self) -> int:
        return len(self._buf) - self._start

    def _more(self) -> bool:
        """Fill once, compacting the buffer first; False at the end of the input. A damaged member met
        while bytes before it are still unread is reported once those are read: a reader looking ahead
        past a record sees the end of the input there, not the damage."""
        if self._damage is not None:
            if self._available():
                return False
            damage, self._damage = self._damage, None
            raise damage
        if self._eof:
            return False
        if self._start:
            del self._buf[:self._start]
            self._start = 0
        try:
            if not self._fill():
                self._eof = True
                return False
        except CorruptInput as e:
            if not self._available():
                raise
            self._damage = e
            return False
        return True

    def _consume(self, n: int) -> bytes:
        with memoryview(self._buf) as view:
            out = bytes(view[self._start:self._start + n])  # one copy, not two
        self._start += len(out)
        self._pos += len(out)
        return out

    def at_end(self) -> bool:
        while not self._available():
            if not self._more():
                return True
        return False

    def peek(self, n: int) -> bytes:
        """The next ``n`` bytes (fewer at the end of the input), left unread."""
        while self._available() < n and self._more():
            pass
        with memoryview(self._buf) as view:
            return bytes(view[self._start:self._start + n])

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes; fewer only at the end of the input."""
        while self._available() < n and self._more():
            pass
        return self._consume(n)

    def readline(self, limit: int) -> bytes:
        """One line with its ``\\n``, or the first ``limit`` bytes of a longer one."""
        searched = 0
        while True:
            end = self._buf.find(b"\n", self._start + searched, self._start + limit)
            if end >= 0:
                return self._consume(end + 1 - self._start)
            searched = self._available()
            if searched >= limit or not self._more():
                return self._consume(limit)

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

    def skip_blank(self) -> int:
        """Discard spaces, tabs, CRs and LFs in bulk, up to the next other byte or the end; returns how
        many line ends were passed (the spaces that start the next line go too)."""
        lines = 0
        while self._available() or self._more():
            end = _BLANK.match(self._buf, self._start).end()
            lines += self._buf.count(b"\n", self._start, end)
            self._pos += end - self._start
            self._start = end
            if end < len(self._buf):
                break
        return lines

    def skip_to(self, pattern: re.Pattern[bytes], longest: int) -> None:
        """Discard bytes up to the next match of ``pattern`` (at most ``longest`` bytes long) or the end."""
        while self._available() or self._more():
            found = pattern.search(self._buf, self._start)
            if found:
                self._pos += found.start() - self._start
                self._start = found.start()
                return
            keep = max(self._start, len(self._buf) - longest)  # a match may start in the last bytes
            self._pos += keep - self._start
            self._start = keep
            if not self._more():
                break
        self._pos += self._available()
        self._start = len(self._buf)


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
        self._magic = GZIP_MAGIC + b"\x08" if codec == "gzip" else ZSTD_MAGIC  # gzip: deflate, the only method
        self._pending = b""      # compressed bytes read but not yet given to a decompressor
        self._offset = 0         # compressed offset of the first byte in _pending
        self._decoder = None
        self._held = bytearray()  # output of the current member, not yet verified
        # compressed bytes of the current member given to the decoder (None past HOLD_BYTES): after damage
        # the next member is searched from the damaged one's start, since bad data may have made the
        # decoder read into the next member
        self._member_in: bytearray | None = bytearray()
        # (decompressed position, compressed offset) where each member still in reach starts
        self._starts: list[tuple[int, int]] = []

    def _more_input(self) -> bool:
        data = self._raw.read(CHUNK)
        self._pending += data
        return bool(data)

    def _new_decoder(self):
        return zlib.decompressobj(31) if self._codec == "gzip" else zstandard.ZstdDecompressor().decompressobj()

    def _step(self, decoder, piece: bytes) -> tuple[bytes, bytes]:
        """(output, compressed bytes of _pending left over) of feeding ``piece``; raises on bad data."""
        if self._codec == "gzip":
            out = decoder.decompress(piece, CHUNK)
            return out, decoder.unconsumed_tail if not decoder.eof else decoder.unused_data
        out = decoder.decompress(piece)
        return out, (decoder.unused_data if decoder.eof else b"") + self._pending[len(piece):]

    def _release(self) -> bool:
        if not self._held:
            return False
        self._buf += self._held
        self._held = bytearray()
        return True

    def _fill(self) -> bool:
        while True:
            if self._decoder is None:
                while len(self._pending) < len(self._magic) and self._more_input():
                    pass
                if not self._pending or not self._pending.strip(b"\0"):
                    return False  # clean end (NUL padding after the last member is tolerated)
                if not self._pending.startswith(self._magic):
                    if not self._starts:  # not this codec at all: nothing of the file is readable
                        start = self._offset
                        self._resync(len(self._pending))  # drops everything, so the next call ends cleanly
                        raise CorruptInput(f"data at compressed offset {start} is not {self._codec}")
                    start = self._offset
                    if not self._resync(1):
                        self.trailing_garbage += self._offset - start
                        return False
                    raise CorruptInput(f"{self._offset - start} bytes at compressed offset {start} are not "
                                       f"{self._codec}; reading goes on at offset {self._offset}")
                self._decoder = self._new_decoder()
                self._member_in = bytearray()
                while len(self._starts) > 1 and self._starts[1][0] <= self._pos:
                    del self._starts[0]
                self._starts.append((self._pos + self._available() + len(self._held), self._offset))
            if not self._pending and not self._more_input():
                if self._member_in and self._member_in.find(self._magic, 1) >= 0:
                    # the "member" ran over the start of another: damage that decoded without an error
                    raise self._after_damage("it runs on into the next member")
                if self._release():  # what decompressed before the cut is sound; the cut is reported next
                    return True
                self._decoder = None
                raise TruncatedInput(f"{self._codec} stream ends inside the member that starts at compressed "
                                     f"offset {self._starts[-1][1]}")
            piece = self._pending if self._codec == "gzip" else self._pending[:ZSTD_INPUT_PIECE]
            try:
                out, left = self._step(self._decoder, piece)
            except (zlib.error, zstandard.ZstdError) as e:
                raise self._after_damage(str(e)) from None
            used = len(self._pending) - len(left)
            if self._member_in is not None:
                self._member_in += self._pending[:used]
                if len(self._member_in) > HOLD_BYTES:
                    self._member_in = None
            self._offset += used
            self._pending = left
            self._held += out
            if self._decoder.eof:
                self._decoder = None
                if self._release():
                    return True
            elif len(self._held) >= HOLD_BYTES:
                return self._release()

    def _after_damage(self, why: str) -> CorruptInput:
        """Drop the current member's output and go on at the next member start found after its first byte;
        the error to raise, saying where reading goes on."""
        member = self._starts[-1][1]
        self._decoder = None
        self._held = bytearray()
        if self._member_in:  # search again from just after the damaged member's start
            self._pending = bytes(self._member_in[1:]) + self._pending
            self._offset = member + 1
            resumed = self._resync(0)
        else:  # nothing of it consumed (_pending starts there), or too much kept to go back
            resumed = self._resync(1)
        self._member_in = bytearray()
        self._starts[-1] = (self._pos + self._available(), member)  # the damaged member gave nothing
        where = f"reading goes on at offset {self._offset}" if resumed else "nothing readable after it"
        return CorruptInput(f"corrupt {self._codec} data in the member that starts at compressed offset "
                            f"{member}: {why}; {where}")

    def _resync(self, skip: int) -> bool:
        """Drop compressed bytes up to the next member start (after the first ``skip``) that decompresses
        without error; False (everything dropped) when there is none."""
        while True:
            found = self._pending.find(self._magic, skip)
            if found < 0:
                keep = max(skip, len(self._pending) - len(self._magic) + 1)
                self._offset += keep
                self._pending = self._pending[keep:]
                skip = 0
                if not self._more_input():
                    self._offset += len(self._pending)
                    self._pending = b""
                    return False
                continue
            self._offset += found
            self._pending = self._pending[found:]
            while len(self._pending) < RESYNC_PROBE and self._more_input():
                pass
            try:
                self._step(self._new_decoder(), self._pending[:RESYNC_PROBE])
                return True
            except (zlib.error, zstandard.ZstdError):
                skip = 1

    def location(self) -> str:
        pos = self._pos
        while len(self._starts) > 1 and self._starts[1][0] <= pos:
            del self._starts[0]
        if not self._starts:  # nothing read yet
            return "0"
        start, offset = self._starts[0]
        return str(offset) if pos == start else f"{offset}+{pos - start}"


class DigestReader:
    """A binary file whose bytes, as they are read, go into a SHA-256 (``--resume`` compares input
    content by it); ``finish()`` reads the rest so the digest covers the whole file."""

    def __init__(self, raw) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self.digest.update(data)
        self.size += len(data)
        return data

    def finish(self) -> None:
        while self.read(CHUNK):
            pass

    def state(self) -> list:
        """[bytes read, hex digest of them]."""
        return [self.size, self.digest.hexdigest()]
