"""Whether two codecs read the same bytes alike: the yardstick of the encoding evaluation and its tests."""
from __future__ import annotations


def decodes_alike(data: bytes, codec: str, reference: str) -> bool:
    """Whether ``codec`` reads ``data`` as ``reference`` does, up to a handful of code points.

    Sibling codecs (GB2312/GBK/GB18030, Big5/Big5-HKSCS, Shift_JIS/CP932) map a few byte pairs to
    different characters (U+30FB or U+00B7 for GB2312's A1A4, say) and differ on junk bytes (one
    U+FFFD and an ASCII character against one private-use character); a wrong codec differs on most
    non-ASCII characters. Both sides decode with ``errors="replace"`` so that dirty pages compare too.
    """
    ours = data.decode(codec, "replace")
    theirs = data.decode(reference, "replace")
    if ours == theirs:
        return True
    non_ascii = len(theirs) - sum(1 for _ in filter(str.isascii, theirs))
    allowed = max(_ALIKE_MIN, int(_ALIKE_SHARE * non_ascii))
    return _differences(ours, theirs, allowed) <= allowed


_ALIKE_MIN = 8          # differing code points always tolerated between sibling codecs
_ALIKE_SHARE = 0.01     # ... or this share of the non-ASCII characters, if more
_RESYNC = 4             # characters either side may skip to get back in step after a difference
_IN_STEP = 8            # equal characters that count as back in step


def _differences(a: str, b: str, limit: int) -> int:
    """Characters in which ``a`` and ``b`` differ, counted greedily; stops counting past ``limit``."""
    i = j = count = 0
    while count <= limit:
        step = 4096
        while step:  # skip the equal run, in halving steps
            if i + step <= len(a) and j + step <= len(b) and a[i:i + step] == b[j:j + step]:
                i, j = i + step, j + step
            else:
                step //= 2
        if i >= len(a) or j >= len(b):
            return count + max(len(a) - i, len(b) - j)
        shifts = sorted(((da, db) for da in range(1, _RESYNC + 1) for db in range(1, _RESYNC + 1)),
                        key=lambda s: (max(s), s))
        for da, db in shifts:
            if a[i + da:i + da + _IN_STEP] == b[j + db:j + db + _IN_STEP]:
                break
        else:
            da = db = 1
        count += max(da, db)
        i, j = i + da, j + db
    return count
