"""Nothing is lost when many people press « Envoyer » at the same instant (issue 21, item 1).

Real servers (waitress in its own process on 127.0.0.1), real storages (the embedded FileStorage
of production.ini; ZEO with two application processes of production-zeo.ini), and a crowd whose
requests are all prepared — signed in, form token read — and then released together by a
barrier: 50 documents created across 10 councils, 30 replies to one forum topic and 30
registrations. Every one must be acknowledged (303), none may meet an error page, and every
write must be found afterwards, whole and in the catalog, the replies numbered 1 to 30."""
from tests.processes import (
    Crowd,
    app_ini,
    conflict_classes,
    conflict_oids,
    crowd_kept,
    free_port,
    ini_uri,
    open_db,
    owners_of,
    prepare_crowd,
    retries_in,
    start_app,
    start_zeo,
    unexpected_errors,
    wait_for_app,
    warm_up,
)

DOCUMENTS, REPLIES, REGISTRATIONS = 50, 30, 30


def crowd_on(tmp_path, apps_ini, check_uri, site):
    """Start one app per ini, warm them, release the crowd, stop them; what happened."""
    apps = [start_app(ini, tmp_path / f"app{n}.log", wait=False) for n, ini in enumerate(apps_ini)]
    try:
        for app in apps:
            wait_for_app(app)
            warm_up(app.url, site["council_paths"][0], site["emails"][0])
        crowd = Crowd([a.url for a in apps], site, DOCUMENTS, REPLIES, REGISTRATIONS).run()
    finally:
        for app in apps:
            app.stop()
    logs = [app.log_text() for app in apps]
    db = open_db(check_uri)
    try:
        kept = crowd_kept(db, crowd)
        oids = [oid for log in logs for oid in conflict_oids(log)]
        owners = owners_of(db, oids)
        kept["conflicts_on"] = {}
        for oid in oids:
            kept["conflicts_on"][owners[oid]] = kept["conflicts_on"].get(owners[oid], 0) + 1
    finally:
        db.close()
    return crowd, kept, logs


def assert_nothing_lost(crowd, kept, logs):
    retries = sum(len(retries_in(log)) for log in logs)
    classes = {}
    for log in logs:
        for name, count in conflict_classes(log).items():
            classes[name] = classes.get(name, 0) + count
    summary = (f"{len(crowd.entries)} writes in {crowd.seconds:.1f} s: statuses "
               f"{crowd.statuses()}; {retries} retries; conflicts on {classes}; "
               f"where: {kept['conflicts_on']}; missing {kept['missing']}")
    print(summary)
    failed = crowd.failed()
    assert not failed, summary + "; first failure: " + str(
        {k: (v[:400] if isinstance(v, str) else v) for k, v in failed[0].items()})
    assert not kept["missing"], summary
    assert kept["reply_numbers"] == list(range(1, REPLIES + 1)), summary
    assert not kept["stale_topics"], summary
    for log in logs:
        assert not unexpected_errors(log), unexpected_errors(log)


def test_crowd_on_the_embedded_filestorage_loses_nothing(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    ini = app_ini("production.ini", tmp_path / "app.ini", free_port(), None, var)
    uri = ini_uri(ini)
    site = prepare_crowd(uri, tmp_path)
    assert_nothing_lost(*crowd_on(tmp_path, [ini], uri, site))


def test_crowd_on_zeo_with_two_processes_loses_nothing(tmp_path):
    zeo = start_zeo(tmp_path / "zeo-var", tmp_path / "zeo.log")
    blobs = tmp_path / "zeo-var" / "blobs"
    uri = (f"zeo://127.0.0.1:{zeo.port}?blob_dir={blobs}&shared_blob_dir=1"
           "&connection_cache_size=20000")
    try:
        site = prepare_crowd(uri, tmp_path)
        inis = [app_ini("production-zeo.ini", tmp_path / f"app{n}.ini", free_port(), uri,
                        tmp_path / f"var{n}") for n in (1, 2)]
        outcome = crowd_on(tmp_path, inis, uri, site)
    finally:
        zeo.stop()
    assert_nothing_lost(*outcome)
