"""A server killed with SIGKILL in the middle of a stream of writes loses none it acknowledged.

The app runs as a real waitress process on the embedded FileStorage (production.ini, with only
the paths, the port and plain-HTTP cookies changed), councillors post documents with a file
through it, and the process is killed — no clean close, no index written — once some writes
were acknowledged and while others are in flight. The FileStorage then reopens (its index is
rebuilt from the file) with every acknowledged document and its file, and nothing half-written."""
import threading
import time

from tests.processes import (
    Workload,
    app_ini,
    check_kept,
    free_port,
    ini_uri,
    open_db,
    prepare_site,
    start_app,
    wait_until,
    warm_up,
)

WRITERS = 4
ACKNOWLEDGED_BEFORE_KILL = 12


def test_sigkill_during_writes_keeps_every_acknowledged_write(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    # production.ini as shipped, database included (only moved into var/ here).
    ini = app_ini("production.ini", tmp_path / "app.ini", free_port(), None, var)
    uri = ini_uri(ini)
    ids, emails = prepare_site(uri, tmp_path, members=WRITERS)
    index_before = (var / "Data.fs.index").stat().st_mtime  # written by the clean close above
    app = start_app(ini, tmp_path / "app.log")
    workload = Workload([app.url], ids["path_A"], emails, docs_each=200, registrants=0)
    writer = threading.Thread(target=workload.run, daemon=True)
    try:
        warm_up(app.url, ids["path_A"], emails[0])
        writer.start()
        wait_until(lambda: len(workload.acknowledged_docs()) >= ACKNOWLEDGED_BEFORE_KILL, 120,
                   "acknowledged writes", app)
        app.kill()  # SIGKILL, while the writers keep posting
    finally:
        workload.stop.set()
        app.kill()
        writer.join(timeout=60)
    acknowledged = workload.acknowledged_docs()
    unanswered = [d for d in workload.docs if d["status"] is None]
    assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL and unanswered, workload.statuses()
    # The kill left no fresh index: the reopening below must rebuild it from Data.fs.
    assert (var / "Data.fs.index").stat().st_mtime == index_before

    started = time.monotonic()
    db = open_db(uri)
    try:
        reopened_in = time.monotonic() - started
        report = check_kept(db, workload)
    finally:
        db.close()
    print(f"{len(acknowledged)} acknowledged, {len(unanswered)} in flight when killed; "
          f"reopened (index rebuilt) in {reopened_in:.2f} s; {report['documents']} documents in the "
          "council")
    assert not report["missing"] and not report["wrong_file"] and not report["not_indexed"], report
    assert not report["lost_blob"], (
        f"committed documents whose file is gone: {report['lost_blob']}. Not the kill: zodburi's "
        "file://…?blobstorage_dir= wraps FileStorage in ZODB's BlobStorage proxy, whose tpc_abort "
        "releases the commit lock and then deletes the blob files another thread has just "
        "stored; FileStorage(blob_dir=…) has no such race")
    assert not report["broken_items"], report  # a write in flight is there whole, or not at all
    assert report["council_length_ok"] and report["catalog_length_ok"], report
    assert report["documents"] >= len(acknowledged)
