"""How fast one editor may send changes: a token bucket per account, in the process's memory.

A browser sends at most about three rounds a second while someone types (collab.js); a script
sending far more is slowed down with 429 and a delay to wait, which the page honours. The
buckets live as long as they matter (a full bucket is the same as none) in a bounded map, so
memory does not grow with the number of people."""
import math
import threading
import time

from cachetools import TTLCache

DEFAULT_UPDATES_PER_SECOND = 10.0
DEFAULT_UPDATE_BURST = 30
MAX_TRACKED = 10_000  # editors tracked at once per process


class RateLimit:
    def __init__(self, rate=DEFAULT_UPDATES_PER_SECOND, burst=DEFAULT_UPDATE_BURST,
                 clock=time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        refill = burst / rate if rate > 0 else 1
        self.buckets = TTLCache(maxsize=MAX_TRACKED, ttl=refill, timer=clock)
        self.lock = threading.Lock()

    def wait(self, key):
        """0 when `key` may go on now (a token is taken), else the seconds to wait."""
        if self.rate <= 0:
            return 0
        with self.lock:
            now = self.clock()
            tokens, last = self.buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self.buckets[key] = (tokens - 1, now)
                return 0
            self.buckets[key] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self.rate))
