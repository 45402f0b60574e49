import threading
import time

import pytest
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from api.ratelimit import RateLimiter, WorkerCounters


class Clock:
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


def test_a_fixed_window_counts_up_to_its_limit_then_starts_again(clock):
    limiter = FixedWindowRateLimiter(WorkerCounters(clock=clock))
    item = parse("3/minute")
    assert [limiter.hit(item, "ns", "a") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(item, "ns", "b")  # another client counts alone
    assert limiter.get_window_stats(item, "ns", "a") == (clock.now + 60, 0)
    clock.now += 60
    assert limiter.get_window_stats(item, "ns", "a") == (clock.now, 3)  # the window has ended
    assert limiter.hit(item, "ns", "a")
    assert limiter.get_window_stats(item, "ns", "a") == (clock.now + 60, 2)


def test_a_full_table_drops_the_ended_windows_first(clock):
    counters = WorkerCounters(max_counters=10, clock=clock)
    for client in range(5):
        counters.incr(f"old-{client}", 10)
    clock.now += 5
    for client in range(5):
        counters.incr(f"new-{client}", 10)
    clock.now += 6  # the old windows have ended, the new ones not
    counters.incr("latest", 10)
    assert sorted(counters.counters) == sorted(["latest", *(f"new-{client}" for client in range(5))])


def test_a_table_full_of_live_windows_drops_its_oldest_tenth(clock):
    counters = WorkerCounters(max_counters=10, clock=clock)
    for client in range(10):
        counters.incr(f"client-{client}", 60)
        clock.now += 1
    counters.incr("one-more", 60)
    assert len(counters.counters) == 10
    assert "client-0" not in counters.counters and counters.get("client-1") == 1 and counters.get("one-more") == 1


def test_a_day_s_windows_outlive_a_minute_s_when_the_table_is_full(clock):
    counters = WorkerCounters(max_counters=4, clock=clock)
    for key, expiry in (("day-a", 86400), ("minute-a", 60), ("day-b", 86400), ("minute-b", 60)):
        counters.incr(key, expiry)
    counters.incr("day-c", 86400)  # full of live windows: one ending soonest goes
    assert set(counters.counters) == {"minute-b", "day-a", "day-b", "day-c"}


def test_threads_counting_one_client_lose_no_hit():
    counters = WorkerCounters()
    threads = [threading.Thread(target=lambda: [counters.incr("client", 60) for _ in range(2000)]) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counters.get("client") == 16000


def test_counting_starts_no_thread(monkeypatch):
    limiter = RateLimiter("1000/minute")
    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda thread: started.append(thread))
    for _ in range(5):
        limiter.hit("192.0.2.1")
        time.sleep(0.02)  # longer than limits' MemoryStorage waits before it starts its timer again
    assert started == []


@pytest.mark.parametrize("strategy", ["fixed-window", "moving-window", "sliding-window-counter"])
def test_every_strategy_counts_in_memory(strategy):
    limiter = RateLimiter("2/minute", strategy=strategy)
    decisions = [limiter.hit("192.0.2.1") for _ in range(3)]
    assert [decision.allowed for decision in decisions] == [True, True, False]
    assert [decision.remaining for decision in decisions] == [1, 0, 0]
    assert limiter.hit("192.0.2.2").allowed


def test_a_storage_that_does_not_answer_leaves_the_counting_to_this_worker(caplog):
    limiter = RateLimiter("2/minute", storage_url="redis://127.0.0.1:9")  # the discard port: nothing answers
    decisions = [limiter.hit("192.0.2.1") for _ in range(3)]
    assert [decision.allowed for decision in decisions] == [True, True, False]
    assert isinstance(limiter.local.storage, WorkerCounters)
    (warning,) = [record.getMessage() for record in caplog.records if record.name == "api.ratelimit"]  # once
    assert warning.startswith("rate-limit storage unavailable (") and warning.endswith("counting in memory for 5 s")
