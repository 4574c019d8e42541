"""First start: create the site, load the demo directory, create the first animator."""
import atexit
import logging
import secrets
import signal
import sys
import threading

import transaction
from pyramid.settings import asbool
from pyramid.threadlocal import manager
from transaction.interfaces import NoTransaction
from ZODB.interfaces import IBlobStorage

from ..geography import get_geography
from .root import create_site
from .users import User

log = logging.getLogger(__name__)


def ensure_site(registry, out=None):
    """Create the site in an empty database; a database that has one is left as it is."""
    out = out or sys.stderr
    from . import APP_KEY

    db = registry._zodb_databases[""]
    # FileStorage writes its index only on a clean close; without it the next start is slow.
    atexit.register(close_database, db)
    exit_cleanly_on_sigterm()
    settings = registry.settings
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    manager.push({"registry": registry, "request": None})
    try:
        tm.begin()
        zodb_root = conn.root()
        if APP_KEY in zodb_root:
            upgrade_site(zodb_root[APP_KEY], out)
            tm.commit()
            return
        root = create_site(get_geography())
        zodb_root[APP_KEY] = root
        from ..evolve import mark_all_done

        mark_all_done(root)  # created in the current shape: every evolve step counts as done
        if asbool(settings.get("conseils.load_demo", True)):
            from ..importer import import_demo_directory

            summary = import_demo_directory(root)
            print(f"Annuaire de démonstration chargé : {summary}", file=out)
        animator = create_first_animator(root, settings, out)
        if asbool(settings.get("conseils.load_demo", True)):
            from ..demo_content import create_demo_content

            create_demo_content(root, animator, out, pictures=IBlobStorage.providedBy(db.storage))
        tm.commit()
    finally:
        if in_transaction(tm):
            tm.abort()
        manager.pop()
        conn.close()


def exit_cleanly_on_sigterm():
    """A service manager stops us with SIGTERM, which by default skips atexit (and the index)."""
    if threading.current_thread() is threading.main_thread() \
            and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))


def in_transaction(tm):
    try:
        tm.get()
    except NoTransaction:
        return False
    return True


def close_database(db):
    """Close cleanly even when pooled connections use explicit transaction managers,
    which ZODB's close would otherwise trip over (it aborts a transaction that was never begun)."""
    def detach_idle_manager(conn):
        tm = conn.transaction_manager
        if tm is not None and getattr(tm, "explicit", False) and not in_transaction(tm):
            conn.transaction_manager = None

    if getattr(db, "storage", None) is None:
        return
    db._connectionMap(detach_idle_manager)
    db.close()


def upgrade_site(root, out):
    """Bring a site made by older code up to the current shape (indexes, top folders)."""
    from .groups import WorkingGroups

    if "groupes" not in root:
        root.add("groupes", WorkingGroups(), send_events=False)
    from .content import NewsFolder, ResourcesFolder
    for name, factory in (("actualites", NewsFolder), ("ressources", ResourcesFolder)):
        if name not in root:
            root.add(name, factory(), send_events=False)
    if "admin" not in root:
        from .admin import Admin
        root.add("admin", Admin(), send_events=False)
    from .forum import create_forum, ensure_group_forum
    if "forum" not in root:
        root.add("forum", create_forum(), send_events=False)
    for group in root.groups.values():
        ensure_group_forum(group)
    if not hasattr(root, "audit"):
        from ..security.audit import AuditLog
        root.audit = AuditLog()
    if "lettre" not in root:
        from .newsletter import Newsletters
        root.add("lettre", Newsletters(), send_events=False)
    if getattr(root, "alerts", None) is None:
        from ..notify.store import AlertCenter
        root.alerts = AlertCenter()
    added = root.catalog.ensure_indexes()
    if added:
        print(f"Index ajoutés au catalogue : {', '.join(added)}", file=out)


def create_first_animator(root, settings, out):
    from ..security.passwords import hash_password

    email = settings.get("conseils.admin_email") or "animateur@conseils-citoyens.localhost"
    password = settings.get("conseils.admin_password")
    generated = not password
    if generated:
        password = secrets.token_urlsafe(12)
    user = User(email, "Animateur", "Plate-forme", hash_password(password),
                roles=("animateur",), state="active")
    root.users.add_user(user)
    if generated:
        print(f"Compte animateur créé : {email} / mot de passe : {password}", file=out)
        print("(ce mot de passe ne sera plus affiché ; notez-le)", file=out)
    else:
        print(f"Compte animateur créé : {email} (mot de passe des réglages)", file=out)
    return user
