"""Content coding: which coding a client takes, read once, and gzip.

:func:`takes_gzip` is the one reading of ``Accept-Encoding`` in the service (RFC 9110 §12.5.3):
names are case-insensitive, a coding named explicitly outranks ``*``, and ``q=0`` means "not
acceptable". gzip is chosen when it is acceptable and not ranked below ``identity`` (which is
always acceptable, but unranked unless named).
"""

import gzip
import zlib

COMPRESSIBLE = frozenset(
    {
        "application/json",
        "application/problem+json",
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "text/plain",
        "text/csv",
        "application/x-ndjson",
    }
)
LEVEL = 6
MAX_CODINGS = 32  # entries of Accept-Encoding read; a longer header is read that far


def qualities(header):
    """``{coding: q}`` of an ``Accept-Encoding`` value; malformed entries are skipped."""
    found = {}
    for entry in header.split(",", MAX_CODINGS)[:MAX_CODINGS]:
        name, _, parameters = entry.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for parameter in parameters.split(";"):
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
                if not 0.0 <= q <= 1.0:
                    q = -1.0  # an unreadable weight: the entry is skipped
        if q >= 0.0:
            found.setdefault(name, q)
    return found


def takes_gzip(header):
    """True when a client sending ``Accept-Encoding: header`` should get gzip."""
    if not header:
        return False
    q = qualities(header)
    gzip_q = q.get("gzip", q.get("x-gzip", q.get("*", 0.0)))
    identity_q = q.get("identity", q.get("*", 0.0))  # unranked unless named (or "*")
    return gzip_q > 0.0 and gzip_q >= identity_q


def is_compressible(content_type, size, min_size):
    return size >= min_size and content_type.split(";", 1)[0].strip().lower() in COMPRESSIBLE


def compress(body):
    """gzip bytes, the same for the same input (no timestamp)."""
    return gzip.compress(body, LEVEL, mtime=0)


class GzipStream:
    """The gzip stream of ``chunks``, a piece for each chunk (flushed, so that each reaches the
    client as it is made); closing it closes ``chunks``, read or not."""

    def __init__(self, chunks):
        self.chunks = chunks
        self.pieces = self.compressed(iter(chunks))

    @staticmethod
    def compressed(chunks):
        compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, 31)  # 31: the gzip container
        for chunk in chunks:
            piece = compressor.compress(chunk) + compressor.flush(zlib.Z_SYNC_FLUSH)
            if piece:
                yield piece
        yield compressor.flush()

    def __iter__(self):
        return self.pieces

    def close(self):
        if hasattr(self.chunks, "close"):
            self.chunks.close()
