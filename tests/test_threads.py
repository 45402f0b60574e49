"""Stop signals stay the main thread's (api/threads.py): a thread that runs the app blocks them,
and so do the threads it starts; the main thread never does."""

import signal
import threading

from api.threads import STOP_SIGNALS


def blocked():
    """The stop signals the calling thread blocks."""
    return STOP_SIGNALS & signal.pthread_sigmask(signal.SIG_BLOCK, [])


def test_a_thread_that_answers_a_request_blocks_the_stop_signals_and_so_do_the_threads_it_starts(client):
    seen = {}

    def answer():
        seen["before"] = blocked()
        seen["status"] = client.get("/v1/trends?page_size=1").status_code
        seen["after"] = blocked()
        child = threading.Thread(target=lambda: seen.setdefault("started by it", blocked()))
        child.start()
        child.join()

    thread = threading.Thread(target=answer)
    thread.start()
    thread.join()
    assert seen == {"before": set(), "status": 200, "after": STOP_SIGNALS, "started by it": STOP_SIGNALS}


def test_the_main_thread_keeps_the_stop_signals(client):
    assert client.get("/v1/trends?page_size=1").status_code == 200
    assert blocked() == set()
