"""One run at a time for the notification scripts: a file lock beside the mail queue.

The kernel releases it when the process ends, even killed, so a crashed run never blocks the
next one."""
import contextlib
import fcntl
import os


@contextlib.contextmanager
def held(path):
    """Yields True when this process now holds the lock file `path`, False when another one
    does; closing the file releases it."""
    with open(path, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
        else:
            yield True


@contextlib.contextmanager
def exclusive(settings, name):
    """Yields True when this process holds the lock `name`, False when another one does."""
    from .mail import MailSettings, ensure_queue

    queue = MailSettings.from_settings(settings).queue_path
    ensure_queue(queue)
    with held(os.path.join(queue, f".{name}.lock")) as locked:
        yield locked
