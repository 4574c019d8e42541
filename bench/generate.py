"""Fill a site with council content for benchmarks: `python -m bench.generate INI --items N`.

Items are spread over the councils (a few big ones get many), the four visibility levels and the
three kinds, with French-looking titles and texts; one member account is created in the busiest
council so that benchmarks can measure a member's listing. Deterministic (fixed seed) and
resumable: it counts what is there and adds only the missing items, committing every 10,000
(each commit rewrites the catalog buckets it touched: fewer, larger commits keep the file small),
then packs the database."""
import argparse
import datetime
import random
import sys
import time

from conseils_site.resources.content import PARIS, ActionReport, Document, Event
from conseils_site.resources.users import User
from conseils_site.scripts import Progress, open_site
from conseils_site.security.passwords import hash_password

MEMBER_EMAIL = "membre@bench.localhost"
MEMBER_PASSWORD = "bench-only-member-password"
LEVELS = ("conseil", "groupes", "membres", "public")
WORDS = ("jardin partagé", "fête de quartier", "réunion publique", "diagnostic en marchant",
         "aide aux devoirs", "permanence", "bailleur social", "propreté", "transports",
         "sécurité routière", "maison de quartier", "budget participatif", "rénovation urbaine",
         "jeunesse", "santé", "emploi", "culture", "sport", "marché", "école", "éclairage",
         "stationnement", "espaces verts", "logement", "mobilité", "commerces", "associations")
KINDS = ("document", "action_report", "event")


def phrase(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def make_item(rng, council, number, author_id):
    kind = KINDS[number % 3]
    level = LEVELS[rng.randrange(4)]
    title = f"{phrase(rng, 2).capitalize()} n° {number}"
    description = f"<p>{phrase(rng, 12).capitalize()}.</p>"
    if kind == "document":
        return Document(title, council.id, author_id, level, description)
    day = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randrange(1000))
    if kind == "action_report":
        return ActionReport(title, council.id, day, author_id, level, description,
                            text=f"<p>{phrase(rng, 40)}</p>")
    start = datetime.datetime.combine(day, datetime.time(18), PARIS)
    return Event(title, council.id, start, start + datetime.timedelta(hours=2),
                 place=f"Salle {rng.randrange(1, 40)}", author_id=author_id,
                 visibility=level, description=description)


def generate(root, tm, items, progress=None, seed=7):
    rng = random.Random(seed)
    councils = sorted(root.territoires._councils.values(), key=lambda c: c.code)
    busiest = councils[0]
    member = root.users.find_by_email(MEMBER_EMAIL)
    if member is None:
        member = User(MEMBER_EMAIL, "Membre", "Banc d'essai", hash_password(MEMBER_PASSWORD),
                      state="active", council_ids=[busiest.id])
        root.users.add_user(member)
    # Weights: the busiest council gets 2 % of everything, the others share the rest.
    weights = [len(councils) * 0.02] + [1.0] * (len(councils) - 1)
    have = sum(len(c) for c in councils)
    started = time.time()
    for number in range(have, items):
        council = busiest if number % 50 == 0 else rng.choices(councils, weights)[0]
        item = make_item(rng, council, number, member.id if council is busiest else None)
        council.add(f"item-{number}", item)
        if (number + 1) % 10_000 == 0:
            tm.commit()
            tm.begin()
        if progress:
            progress(number + 1 - have, items - have)
    tm.commit()
    return items - have, time.time() - started, busiest


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.generate")
    parser.add_argument("ini_file")
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args(argv)
    with open_site(args.ini_file) as (root, tm):
        added, seconds, busiest = generate(root, tm, args.items, Progress("Contenus", sys.stderr))
        path = "/".join(["", "territoires", busiest.__parent__.__parent__.__name__,
                         busiest.__parent__.__name__, busiest.__name__])
        root._p_jar.db().pack()  # drop the superseded bucket revisions of the batches
    print(f"{added} contenus ajoutés en {seconds:.0f} s ; conseil le plus actif : {path} ; "
          f"membre : {MEMBER_EMAIL}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
