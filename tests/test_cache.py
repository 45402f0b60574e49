"""Kept answers in memory (api/cache.py): bounded, least recently used first; what a worker
keeps per data version."""

from api.cache import Kept, KeptAnswers, PerVersion, normalized_url


def kept(size, key="k"):
    return Kept("v1", 200, [("Content-Type", "application/json")], b"x" * size, None, key)


def test_memory_is_bounded_least_recently_used_first():
    cost = 1000 + 1 + 512  # body, key, bookkeeping
    cache = KeptAnswers(max_bytes=8 * cost)
    for name in "abcdefgh":
        cache.put(name, kept(1000, name))
    assert len(cache.entries) == 8 and cache.size == cache.max_bytes
    cache.get("a")  # used: now the most recent
    cache.put("i", kept(1000, "i"))
    assert "b" not in cache.entries and "a" in cache.entries and cache.size <= cache.max_bytes
    cache.put("j", kept(2000, "j"))  # more than an eighth of the memory: never kept
    assert "j" not in cache.entries


def test_gzip_bytes_count_too():
    entry = Kept("v1", 200, [], b"x" * 1000, b"z" * 100, "key")
    assert entry.cost == 1000 + 100 + 3 + 512


def test_replacing_an_entry_keeps_the_count_right():
    cache = KeptAnswers(max_bytes=100_000)
    cache.put("a", kept(1000, "a"))
    cache.put("a", kept(3000, "a"))
    assert cache.size == 3000 + 1 + 512 and len(cache.entries) == 1


def test_normalized_url_sorts_parameters_and_keeps_repeats_in_order():
    assert normalized_url("/v1/trends", "page=2&keyword=b&keyword=a") == "/v1/trends?keyword=b&keyword=a&page=2"
    assert normalized_url("/v1/trends", "page=2") == "/v1/trends?page=2"


def test_what_is_kept_per_version_is_made_once_a_version():
    made = []
    kept = PerVersion(lambda: made.append(len(made)) or f"value {len(made)}")
    assert kept.at("v1") == "value 1" and kept.at("v1") == "value 1" and len(made) == 1
    assert kept.at("v2") == "value 2" and len(made) == 2  # a re-seed: made again
    assert kept.at("v1") == "value 3"  # versions are not ordered: any change is one
