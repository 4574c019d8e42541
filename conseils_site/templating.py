"""Chameleon compiles a template the first time it renders. On CPython 3.11 (seen on 3.11.7),
two threads compiling at once can fail in the AST constructor ("SystemError: AST constructor
recursion depth mismatch"): a cold server's first concurrent requests then got a 500. Compiling
happens once per template per process, so serialising it costs nothing afterwards."""
import functools
import threading

from chameleon.template import BaseTemplate

_compiling = threading.RLock()


def _serialised(cook):
    @functools.wraps(cook)
    def cook_one_at_a_time(self, body):
        with _compiling:
            return cook(self, body)
    cook_one_at_a_time.serialised = True
    return cook_one_at_a_time


def includeme(config):
    if not getattr(BaseTemplate.cook, "serialised", False):
        BaseTemplate.cook = _serialised(BaseTemplate.cook)
