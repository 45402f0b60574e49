"""Stop signals are the main thread's: every other thread of a worker blocks them.

Python runs a signal's handler in the main thread only, but the kernel gives a signal sent to a
process to any of its threads that does not block it. granian's WSGI worker waits for its stop
in its main thread (``threading.Event.wait()``, no timeout), and only a signal that interrupts
that wait runs the handler. A SIGTERM taken by another thread marks the handler as due and leaves
it there: the main thread never runs Python again, the worker ignores its stop, and the server
kills it after ``workers_kill_timeout`` (api/server.py). A thread that sets its signal mask, as
each new one does, takes a signal waiting for the process; and while requests are counted,
``limits``' memory storage (the rate limiter's) starts a timer thread every 10 ms. So 1 stop in 6
under load hung, 1 in 25 just after one (bench/stop.py; none with the rate limiter off).

So each thread that runs the app (granian's, our own) blocks SIGINT and SIGTERM once, before
anything else; the threads it starts inherit its mask. The main thread never blocks them. Two
threads of granian's own per worker never run the app and still may take a signal; they seldom
set a mask: no stop hung in 210 rounds (bench/stop.py).
"""

import signal
import threading

STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})
_blocked = threading.local()


def leave_stop_signals_to_main_thread():
    """Block SIGINT and SIGTERM in the calling thread, unless it is the main thread (once per thread)."""
    if getattr(_blocked, "done", False):
        return
    _blocked.done = True
    if threading.get_ident() != threading.main_thread().ident and hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
