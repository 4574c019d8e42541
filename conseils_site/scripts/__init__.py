"""Console scripts share one way to open the site and report progress."""
import contextlib
import sys

import transaction
from pyramid.paster import get_app, setup_logging
from pyramid.threadlocal import manager

from ..resources.bootstrap import close_database, in_transaction


@contextlib.contextmanager
def open_site(ini_file):
    """Yield (root, transaction manager) for a script; the caller commits what it wants kept."""
    setup_logging(ini_file)
    # The app itself (not pyramid's bootstrap, whose request-less root lookup would read the
    # database outside any transaction): creating it runs the first-start setup.
    app = get_app(ini_file)
    try:
        with open_registry_root(app.registry) as opened:
            yield opened
    finally:
        close_database(app.registry._zodb_databases[""])


@contextlib.contextmanager
def open_registry_root(registry):
    """The site root on a fresh connection of the app's database, with the registry current."""
    from ..resources import APP_KEY

    db = registry._zodb_databases[""]
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    manager.push({"registry": registry, "request": None})
    try:
        tm.begin()
        yield conn.root()[APP_KEY], tm
    finally:
        if in_transaction(tm):
            tm.abort()
        manager.pop()
        conn.close()


class Progress:
    """A text progress bar on stderr, redrawn at most once per percent."""

    def __init__(self, label, out=None, width=30):
        self.label, self.out, self.width, self.last = label, out or sys.stderr, width, -1

    def __call__(self, done, total):
        percent = done * 100 // total if total else 100
        if percent == self.last and done != total:
            return
        self.last = percent
        filled = self.width * percent // 100
        bar = "#" * filled + "-" * (self.width - filled)
        end = "\n" if done >= total else ""
        self.out.write(f"\r{self.label} [{bar}] {percent:3d} % ({done}/{total}){end}")
        self.out.flush()
