"""Fill a site to national size for `make bench`: `python -m bench.populate INI`.

Adds, to a site holding the 1,514 demo councils: working groups (300), accounts (30,000), council
items over the four levels (200,000, by bench.generate), collaborative documents, and forum
messages (50,000: topics and replies, in the rubriques and in the groups' forums). Deterministic
(fixed seeds) and resumable: each stage counts what it already added (recorded on the root) and
adds only the rest, committing every 5,000 objects, with progress on stderr; the database is
packed at the end. Events fire as in the site, so the catalog indexes everything."""
import argparse
import json
import random
import sys
import time
from pathlib import Path

from persistent.mapping import PersistentMapping

from bench.generate import MEMBER_EMAIL, generate, phrase
from conseils_site.resources.content import Document
from conseils_site.resources.forum import Reply, Topic, ensure_group_forum
from conseils_site.resources.groups import WorkingGroup, join_group
from conseils_site.resources.users import User
from conseils_site.scripts import Progress, open_site
from conseils_site.security.passwords import hash_password

BATCH = 5_000
PASSWORD = "bench-only-member-password"  # every bench account's (bench.generate's member too)
DEFAULTS = {"groups": 300, "accounts": 30_000, "items": 200_000, "collab": 300, "forum": 50_000}
REPLIES_PER_TOPIC = 9


def progress_record(root):
    record = getattr(root, "bench_populated", None)
    if record is None:
        record = root.bench_populated = PersistentMapping()
    return record


def stage(root, tm, name, target, make_one, out):
    """Add objects number done … target-1 with `make_one(number)`, committing in batches."""
    record = progress_record(root)
    done = record.get(name, 0)
    if done >= target:
        print(f"{name}: {done:,} déjà là", file=out)
        return 0
    started = time.time()
    progress = Progress(name, out)
    for number in range(done, target):
        make_one(number)
        if (number + 1) % BATCH == 0:
            record[name] = number + 1
            tm.commit()
            tm.begin()
        progress(number + 1 - done, target - done)
    record[name] = target
    tm.commit()
    tm.begin()
    print(f"{name}: {target - done:,} ajoutés en {time.time() - started:.0f} s", file=out)
    return target - done


def councils_by_departement(root):
    found = {}
    for council in sorted(root.territoires._councils.values(), key=lambda c: c.code):
        found.setdefault(council.departement_code, []).append(council)
    return found


def populate(root, tm, counts, out=sys.stderr):
    from conseils_site.resources.bootstrap import upgrade_site

    upgrade_site(root, out)  # the forum and the other folders of the current code
    rng = random.Random(11)
    by_departement = councils_by_departement(root)
    departements = sorted(by_departement)
    councils = [c for code in departements for c in by_departement[code]]

    def add_group(number):
        code = departements[number % len(departements)]
        members = by_departement[code]
        group = WorkingGroup(f"Groupe {number + 1} ({code})", "departement", code,
                             f"Département {code}")
        root.groups.add(f"groupe-{number + 1}", group)
        ensure_group_forum(group)
        for council in rng.sample(members, min(len(members), rng.randint(3, 8))):
            join_group(group, council)

    stage(root, tm, "groupes", counts["groups"], add_group, out)

    password_hash = hash_password(PASSWORD)

    def add_account(number):
        council = councils[rng.randrange(len(councils))]
        user = User(f"conseiller{number}@bench.localhost", "Conseiller", f"N°{number}",
                    password_hash, state="active", council_ids=[council.id])
        user.newsletter = number % 3 == 0
        root.users.add_user(user)

    stage(root, tm, "comptes", counts["accounts"], add_account, out)

    print("contenus (bench.generate)…", file=out, flush=True)
    generate(root, tm, counts["items"], Progress("contenus", out))
    tm.begin()
    member = root.users.find_by_email(MEMBER_EMAIL)
    busiest = root.territoires.council_by_code(min(c.code for c in councils))

    def add_collab(number):
        council = busiest if number % 10 == 0 else councils[rng.randrange(len(councils))]
        level = ("conseil", "groupes", "membres", "public")[number % 4]
        text = "".join(f"<p>{phrase(rng, 30).capitalize()}.</p>" for _ in range(8))
        council.add(f"collab-{number}", Document(f"Texte commun n° {number}", council.id,
                                                 member.id if council is busiest else None,
                                                 level, mode="collaboratif", body=text))

    stage(root, tm, "collaboratifs", counts["collab"], add_collab, out)

    sections = list(root["forum"].categories())
    group_forums = [ensure_group_forum(g) for g in root.groups.values()]
    users = [u.id for u in root.users.values()][:5_000]
    state = {"topic": None}

    def add_message(number):
        if number % (REPLIES_PER_TOPIC + 1) == 0:
            in_group = (number // (REPLIES_PER_TOPIC + 1)) % 5 == 0  # one topic in five
            section = rng.choice(group_forums if in_group and group_forums else sections)
            topic = Topic(f"{phrase(rng, 3).capitalize()} ? n° {number}",
                          f"<p>{phrase(rng, 25).capitalize()}.</p>", phrase(rng, 25),
                          rng.choice(users))
            section.add_topic(topic)
            state["topic"] = topic
        else:
            topic = state["topic"]
            if topic is None:  # resumed in the middle of a topic: start a new one next time
                topic = next(iter(rng.choice(sections).values()), None)
            if topic is None:
                return
            topic.add_reply(Reply(f"<p>{phrase(rng, 20).capitalize()}.</p>", phrase(rng, 20),
                                  rng.choice(users)))

    stage(root, tm, "forum", counts["forum"], add_message, out)
    return known_paths(root, busiest)


def known_paths(root, busiest):
    """Addresses the benchmark measures, found here once rather than by crawling pages."""
    from pyramid.traversal import resource_path

    topic = max((t for c in root["forum"].categories() for t in c.values()
                 if getattr(t, "kind", "") == "forum_topic"),
                key=lambda t: (t.reply_count, t.id), default=None)
    group = next(iter(root.groups.values()), None)
    return {
        "council": resource_path(busiest),
        "collab": resource_path(busiest["collab-0"]) if "collab-0" in busiest else None,
        "topic": resource_path(topic) if topic is not None else None,
        "group": resource_path(group) if group is not None else None,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.populate", description=__doc__.splitlines()[0])
    parser.add_argument("ini_file")
    for name, default in DEFAULTS.items():
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args(argv)
    counts = {name: getattr(args, name) for name in DEFAULTS}
    started = time.time()
    with open_site(args.ini_file) as (root, tm):
        paths = populate(root, tm, counts)
        Path(args.ini_file).with_name("paths.json").write_text(json.dumps(paths, indent=1))
        print("compactage de la base…", file=sys.stderr, flush=True)
        db = root._p_jar.db()
        db.pack()
        old = getattr(db.storage, "_file_name", "") + ".old"  # the copy pack leaves behind
        if old != ".old":
            Path(old).unlink(missing_ok=True)
    print(f"base nationale prête en {time.time() - started:.0f} s : "
          + ", ".join(f"{name} {count:,}" for name, count in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
