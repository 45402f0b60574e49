"""Content coding: one reading of Accept-Encoding (api/compression.py)."""

import gzip

import pytest

from api.compression import compress, is_compressible, qualities, takes_gzip


@pytest.mark.parametrize(
    "header, expected",
    [
        (None, False),
        ("", False),
        ("gzip", True),
        ("GZip", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip; q=0.001", True),
        ("gzip;q=0, *", False),  # named outranks *
        ("*;q=0", False),
        ("deflate, br", False),
        ("gzip;q=0.5, identity;q=0.5", True),
        ("gzip;q=0.4, identity;q=0.5", False),
        ("identity;q=0, gzip", True),
        ("gzip;q=2", False),  # a weight out of range: the entry is skipped
        ("gzip;q=", False),
        (",,,gzip,,,", True),
        ("br," * 1000 + "gzip", False),  # past the entries read
    ],
)
def test_takes_gzip(header, expected):
    assert takes_gzip(header) is expected


def test_qualities_first_mention_wins():
    assert qualities("gzip;q=0.3, gzip;q=1, *;q=0.1") == {"gzip": 0.3, "*": 0.1}


def test_compressible_by_type_and_size():
    assert is_compressible("application/json", 2000, 1024)
    assert is_compressible("application/problem+json; charset=utf-8", 2000, 1024)
    assert not is_compressible("application/json", 1000, 1024)
    assert not is_compressible("image/png", 2000, 1024)


def test_compress_is_repeatable():
    body = b'{"a": 1}' * 500
    assert compress(body) == compress(body) and gzip.decompress(compress(body)) == body
