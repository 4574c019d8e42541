"""Demo content for a first start in development: a platform that shows what it does.

With `conseils.load_demo` (development only), the first start adds, beside the demo directory,
a filled fiche for three of its councils, public news, an event next week, a public document
and a collaborative one, a working group, a forum rubrique with a topic and replies, and a demo
councillor. Every object made here carries `demo = True` (pages say « Données de
démonstration »); `remove_demo_content` (the `conseils-demo INI --remove` command) takes them
all away and gives the three fiches back as the directory made them: the councils stay."""
import datetime
import io
import secrets
from dataclasses import dataclass, field

from .resources.content import PARIS, Document, Event, NewsItem
from .resources.events import ObjectModified, notify
from .resources.files import Attachment
from .resources.forum import Category, Reply, Topic, ensure_group_forum
from .resources.groups import WorkingGroup, join_group, leave_group
from .resources.users import User

DEMO_EMAIL = "conseiller.demo@conseils-citoyens.localhost"
# Councils of the demo directory (data/demo-conseils.csv) whose fiche is filled, by code:
# (description, email, phone, website, social links).
EXAMPLE_FICHES = (
    ("DEMO0436",
     "Le conseil citoyen de la Cité des Peintres réunit une vingtaine d'habitants et "
     "d'associations du quartier. Nous nous retrouvons le premier mardi du mois à la maison de "
     "quartier pour parler du cadre de vie, des jardins partagés et de la fête de quartier.",
     "conseil.peintres@exemple.fr", "04 77 00 00 01", "https://cite-des-peintres.exemple.fr",
     (("facebook", "https://www.facebook.com/conseil.peintres.exemple"),)),
    ("DEMO1316",
     "Habitants de la Cité Nouvelle, nous suivons le renouvellement urbain du quartier et "
     "organisons chaque printemps une marche exploratoire avec les femmes du quartier.",
     "conseil.cite-nouvelle@exemple.fr", "01 48 00 00 02", "", ()),
    ("DEMO0640",
     "Le conseil citoyen des Oliviers travaille sur la propreté, la sécurité routière autour "
     "des écoles et l'accès aux droits. Rejoignez-nous : chacun peut venir à nos réunions.",
     "conseil.oliviers@exemple.fr", "", "https://les-oliviers.exemple.fr", ()),
)
EXAMPLE_CODES = tuple(spec[0] for spec in EXAMPLE_FICHES)
FICHE_FIELDS = ("description", "email", "phone", "website", "social_links")


@dataclass
class DemoSummary:
    """What was made or removed, counted by French label, for the console line."""

    counts: dict = field(default_factory=dict)

    def add(self, label, n=1):
        self.counts[label] = self.counts.get(label, 0) + n

    @property
    def total(self):
        return sum(self.counts.values())

    def __str__(self):
        return ", ".join(f"{n} {label}" for label, n in self.counts.items() if n) or "rien"


def mark(obj):
    obj.demo = True
    return obj


def has_demo_content(root):
    return _is_demo(root.users.find_by_email(DEMO_EMAIL))


def example_councils(root):
    """The councils of the directory that get a demo fiche (those the directory has)."""
    found = (root.territoires.council_by_code(code) for code in EXAMPLE_CODES)
    return [council for council in found if council is not None]


def create_demo_content(root, animator=None, out=None, password=None, pictures=True):
    """Add the demo content to a site (nothing when it is already there); prints the demo
    councillor's email and generated password once, like the animator's. `pictures`: the
    storage keeps blobs (an in-memory test database does not). Returns a DemoSummary."""
    from .security.passwords import hash_password

    summary = DemoSummary()
    if has_demo_content(root):
        return summary
    password = password or secrets.token_urlsafe(12)
    councils = example_councils(root)
    specs = {spec[0]: spec for spec in EXAMPLE_FICHES}
    for council in councils:
        _fill_fiche(council, specs[council.code], pictures)
    summary.add("fiche(s) de conseil remplie(s)", len(councils))
    councillor = mark(User(DEMO_EMAIL, "Camille", "Exemple", hash_password(password),
                           state="active", council_ids=[c.id for c in councils[:1]]))
    root.users.add_user(councillor)
    summary.add("compte(s) conseiller")
    if councils:
        _council_content(councils[0], councillor)
        summary.add("contenu(s) de conseil", 3)
    _news(root, animator)
    summary.add("actualité(s)", 2)
    _group(root, councils[:2])
    summary.add("groupe(s) de travail")
    _forum(root, councillor, animator)
    summary.add("rubrique(s) de forum")
    if out is not None:
        print(f"Contenus de démonstration créés : {summary}", file=out)
        print(f"Compte conseiller de démonstration : {DEMO_EMAIL} / mot de passe : {password}",
              file=out)
    return summary


def _fill_fiche(council, spec, pictures):
    """Fill a directory council's fiche; what the directory gave it is kept in `demo_fiche`
    and comes back when the demo is removed."""
    code, description, email, phone, website, social = spec
    council.demo_fiche = {name: getattr(council, name) for name in FICHE_FIELDS}
    council.description = f"<p>{description}</p>"
    council.email, council.phone, council.website = email, phone, website
    council.social_links = social
    if pictures:
        data, size = neighbourhood_picture(code)
        council.set_image(Attachment(f"{code.lower()}.png", data, "png"),
                          f"Dessin d'immeubles : illustration du {council.title[0].lower()}"
                          f"{council.title[1:]}", size)
    notify(ObjectModified(council))  # reindexed; the map and the open-data files follow


def _clear_fiche(council):
    for name, value in council.demo_fiche.items():
        setattr(council, name, value)
    council.remove_image()
    del council.demo_fiche
    notify(ObjectModified(council))


def neighbourhood_picture(seed, size=(800, 450)):
    """(PNG bytes, size) of a drawn skyline: a picture made here, never fetched from outside."""
    from PIL import Image, ImageDraw

    width, height = size
    image = Image.new("RGB", size, (214, 234, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height * 3 // 4, width, height), fill=(120, 170, 90))
    x, n = 20, sum(map(ord, seed))
    while x < width - 40:
        w, h = 60 + n % 50, 120 + (n * 7) % 160
        draw.rectangle((x, height * 3 // 4 - h, x + w, height * 3 // 4), fill=(180 - n % 60, 120, 100))
        for wy in range(height * 3 // 4 - h + 12, height * 3 // 4 - 20, 28):
            for wx in range(x + 10, x + w - 12, 20):
                draw.rectangle((wx, wy, wx + 8, wy + 12), fill=(250, 230, 150))
        x, n = x + w + 15, n * 31 % 997 + 13
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue(), size


def _council_content(council, author):
    public = mark(Document(
        "Compte rendu de la réunion de rentrée", council.id, author_id=author.id,
        visibility="public",
        description="<p>Ce que nous avons décidé pour l'année, à lire par tous.</p>",
        body="<p>Vingt-deux habitants étaient présents. Trois projets sont retenus : un jardin "
             "partagé au pied des tours, une fête de quartier en juin et une permanence "
             "mensuelle à la maison de quartier.</p>"))
    council.add(council.unique_name(public.title), public)
    shared = mark(Document(
        "Projet de charte du conseil (à écrire ensemble)", council.id, author_id=author.id,
        visibility="conseil", mode="collaboratif",
        description="<p>Écrivons ensemble la charte de fonctionnement du conseil.</p>",
        body="<h2>Notre charte</h2><p>Le conseil citoyen est ouvert à tous les habitants du "
             "quartier.</p><ul><li>Une réunion par mois</li><li>Des décisions prises "
             "ensemble</li></ul>"))
    council.add(council.unique_name(shared.title), shared)
    day = datetime.datetime.now(PARIS).date() + datetime.timedelta(days=7)
    start = datetime.datetime.combine(day, datetime.time(18, 30), PARIS)
    event = mark(Event(
        "Réunion publique : le jardin partagé", council.id, start,
        start + datetime.timedelta(hours=2), place="Maison de quartier, salle polyvalente",
        author_id=author.id, visibility="public",
        description="<p>Venez choisir avec nous l'emplacement du jardin partagé. Ouvert à "
                    "tous, entrée libre.</p>"))
    council.add(council.unique_name(event.title), event)


def _news(root, animator):
    folder = root["actualites"]
    author_id = animator.id if animator is not None else None
    for title, summary, text in (  # the welcome last: the newest, on top
        ("Rencontre nationale des conseils citoyens",
         "Une journée d'échanges entre conseillers de toute la France.",
         "<p>Les animateurs préparent une rencontre nationale. Dites-nous sur le forum les "
         "sujets dont vous voulez parler.</p>"),
        ("Bienvenue sur la plate-forme des conseils citoyens",
         "Un espace pour trouver les conseils, partager et s'entraider.",
         "<p>Cette plate-forme réunit les conseils citoyens de France : chacun y présente son "
         "conseil, publie ses documents et ses événements, et échange avec les autres sur le "
         "forum.</p>"),
    ):
        item = mark(NewsItem(title, summary, text, author_id=author_id))
        folder.add(folder.unique_name(title), item)


def _group(root, councils):
    groups = root.groups
    group = mark(WorkingGroup("Groupe exemple : jardins partagés", "libre",
                              description="Des conseils qui créent des jardins partagés échangent "
                                          "leurs conseils et leurs plans."))
    groups.add(groups.unique_name(group.title), group)
    ensure_group_forum(group)
    for council in councils:
        join_group(group, council)


def _forum(root, councillor, animator):
    from .forms.forum import message_html

    forum = root["forum"]
    order = max((c.order for c in forum.values()), default=0) + 10
    category = mark(Category("Rubrique de démonstration",
                             "Un exemple de rubrique, avec un sujet et ses réponses.", order))
    forum.add(forum.unique_name(category.title), category)
    source = ("Bonjour à tous ! Nous voulons créer un jardin partagé au pied de nos immeubles. "
              "Qui l'a déjà fait, et avec quels partenaires ?")
    topic = mark(Topic("Comment lancer un jardin partagé ?", message_html(source), source,
                       councillor.id))
    category.add_topic(topic)
    replies = [("Plusieurs conseils l'ont fait : le bailleur prête souvent le terrain. "
                "Regardez le groupe exemple « jardins partagés ».", animator),
               ("Merci ! Nous en parlerons à la réunion publique de la semaine prochaine.",
                councillor)]
    for text, author in replies:
        topic.add_reply(mark(Reply(message_html(text), text,
                                   author.id if author is not None else None)))


def _is_demo(obj):
    return obj is not None and getattr(obj, "demo", False) is True


def demo_objects(root):
    """[(label, object)] of the demo content still in the site: what removal takes away or
    (for a council's fiche) gives back as the directory made it."""
    found = []
    for group in root.groups.values():
        if _is_demo(group):
            found.append(("groupe(s) de travail", group))
    for category in root["forum"].values():
        if _is_demo(category):
            found.append(("rubrique(s) de forum", category))
    for item in root["actualites"].values():
        if _is_demo(item):
            found.append(("actualité(s)", item))
    user = root.users.find_by_email(DEMO_EMAIL)
    if _is_demo(user):
        found.append(("compte(s) conseiller", user))
    for council in example_councils(root):  # the councils themselves stay: the directory's
        found += [("contenu(s) de conseil", item) for item in council.values() if _is_demo(item)]
        if getattr(council, "demo_fiche", None) is not None:
            found.append(("fiche(s) de conseil vidée(s)", council))
    return found


def remove_demo_content(root, progress=None):
    """Remove every demo object (a rubrique goes with its topics) and empty the example fiches;
    running it again changes nothing. Returns a DemoSummary."""
    from .accounts import delete_account

    summary = DemoSummary()
    found = demo_objects(root)
    for n, (label, obj) in enumerate(found, 1):
        if label == "groupe(s) de travail":
            for council_id in list(obj.council_ids):
                council = root.catalog.by_id(council_id)
                if council is not None:
                    leave_group(obj, council)
            root.groups.remove(obj.__name__)
        elif label == "compte(s) conseiller":
            delete_account(root, obj)
        elif label == "fiche(s) de conseil vidée(s)":
            _clear_fiche(obj)
        else:
            obj.__parent__.remove(obj.__name__)
        summary.add(label)
        if progress:
            progress(n, len(found))
    return summary
