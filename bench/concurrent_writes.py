"""Writers released together against real servers: how many writes were kept, conflicts seen,
retries used and errors, on the embedded FileStorage (production.ini) and on ZEO with two
application processes (production-zeo.ini). Writes its section of bench/RESULTS.md.

    python -m bench.concurrent_writes [--documents 50 --replies 30 --registrations 30]

The crowd is the one of tests/functional/test_concurrent_writes.py (tests/processes.py): every
request is prepared — signed in, form token read — then all are released by one barrier:
documents with a file across 10 councils, replies to one forum topic, registrations."""
import argparse
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

from bench.run import write_results_section
from tests.processes import (
    Crowd,
    app_ini,
    conflict_classes,
    crowd_kept,
    free_port,
    ini_uri,
    open_db,
    prepare_crowd,
    retries_in,
    start_app,
    start_zeo,
    wait_for_app,
    warm_up,
)


def run_crowd(tmp, inis, uri, site, counts):
    apps = [start_app(ini, tmp / f"app{n}.log", wait=False) for n, ini in enumerate(inis)]
    try:
        for app in apps:
            wait_for_app(app)
            warm_up(app.url, site["council_paths"][0], site["emails"][0])
        crowd = Crowd([a.url for a in apps], site, *counts).run()
    finally:
        for app in apps:
            app.stop()
    logs = [app.log_text() for app in apps]
    db = open_db(uri)
    try:
        kept = crowd_kept(db, crowd)
    finally:
        db.close()
    classes = {}
    for log in logs:
        for name, count in conflict_classes(log).items():
            classes[name] = classes.get(name, 0) + count
    return {"writers": len(crowd.entries), "seconds": crowd.seconds,
            "acknowledged": sum(1 for e in crowd.entries if e["status"] == 303),
            "errors": len(crowd.failed()), "statuses": crowd.statuses(),
            "retries": sum(len(retries_in(log)) for log in logs),
            "exhausted": sum(c for name, c in classes.items() if name.startswith("exhausted")),
            "classes": classes, "missing": len(kept["missing"])}


def on_filestorage(tmp, counts):
    var = tmp / "var"
    var.mkdir()
    ini = app_ini("production.ini", tmp / "app.ini", free_port(), None, var)
    uri = ini_uri(ini)
    return run_crowd(tmp, [ini], uri, prepare_crowd(uri, tmp), counts)


def on_zeo(tmp, counts):
    zeo = start_zeo(tmp / "zeo-var", tmp / "zeo.log")
    uri = (f"zeo://127.0.0.1:{zeo.port}?blob_dir={tmp / 'zeo-var' / 'blobs'}&shared_blob_dir=1"
           "&connection_cache_size=20000")
    try:
        site = prepare_crowd(uri, tmp)
        inis = [app_ini("production-zeo.ini", tmp / f"app{n}.ini", free_port(), uri, tmp / f"var{n}")
                for n in (1, 2)]
        return run_crowd(tmp, inis, uri, site, counts)
    finally:
        zeo.stop()


def render(results, counts, info):
    documents, replies, registrations = counts
    lines = [
        "## Concurrent writes (`bench/concurrent_writes.py`)",
        "",
        f"{documents} documents with a file across 10 councils, {replies} replies to one forum "
        f"topic and {registrations} registrations, each its own thread, released together by "
        "a barrier against real servers (waitress, 4 threads per process). *Conflicts seen*: "
        "conflicts that pyramid_retry retried, plus requests that met one on their last attempt; "
        "*errors*: writes not acknowledged with the redirection that follows a success; "
        "*missing*: writes not found, whole and catalogued, in the database afterwards.",
        "",
        f"Machine: {info}",
        "",
        "| storage | writers | seconds | acknowledged | conflicts seen | retries used | errors "
        "| missing |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results.items():
        lines.append(f"| {name} | {r['writers']} | {r['seconds']:.1f} | {r['acknowledged']} | "
                     f"{r['retries'] + r['exhausted']} | {r['retries']} | {r['errors']} | "
                     f"{r['missing']} |")
    lines.append("")
    for name, r in results.items():
        where = ", ".join(f"{k} {v}" for k, v in sorted(r["classes"].items(), key=lambda kv: -kv[1]))
        lines.append(f"- {name}: answers {r['statuses']}; conflicts on {where or 'nothing'}.")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=50)
    parser.add_argument("--replies", type=int, default=30)
    parser.add_argument("--registrations", type=int, default=30)
    parser.add_argument("--storage", choices=("file", "zeo", "both"), default="both")
    args = parser.parse_args(argv)
    counts = (args.documents, args.replies, args.registrations)
    results = {}
    tmp = Path(tempfile.mkdtemp(prefix="conseils-bench-writes-"))
    try:
        if args.storage in ("file", "both"):
            (tmp / "file").mkdir()
            results["FileStorage, 1 process"] = on_filestorage(tmp / "file", counts)
        if args.storage in ("zeo", "both"):
            (tmp / "zeo").mkdir()
            results["ZEO, 2 processes"] = on_zeo(tmp / "zeo", counts)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    info = (f"{os.cpu_count()} cores, Python {platform.python_version()}, load average "
            f"{os.getloadavg()[0]:.1f} at the end (other work on the machine slows every request "
            "and widens the windows in which writers overlap)")
    section = render(results, counts, info)
    print(section)
    write_results_section("concurrent-writes", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
