"""A small site with councils, a working group and accounts in every state, for page tests;
and the one home of the helpers that sign in (see docs/testing.md, « Helpers »)."""
import html
import re

import webtest

from conseils_site.importer import import_councils
from conseils_site.resources.groups import WorkingGroup, join_group
from conseils_site.resources.users import User
from conseils_site.scripts import open_registry_root
from conseils_site.security.passwords import hash_password

PASSWORD = "une phrase de passe solide"
COUNCILS = (
    "code,nom,commune,latitude,longitude\n"
    "A,Conseil des Tilleuls,42218,45.43,4.39\n"
    "B,Conseil de Montreynaud,42218,45.45,4.42\n"
    "C,Conseil des Francs-Moisins,93066,48.93,2.36\n"
)
PEOPLE = {
    # name: (state, council codes, roles)
    "animateur": ("active", "", ("animateur",)),
    "membre_a": ("active", "A", ()),
    "membre_b": ("active", "B", ()),
    "membre_c": ("active", "C", ()),
    "candidat_a": ("pending", "A", ()),
    "nouveau_a": ("unverified", "A", ()),
    "refuse_a": ("refused", "A", ()),
    "desactive_a": ("disabled", "A", ()),
}


def email_of(name):
    return f"{name.replace('_', '.')}@exemple.fr"


def build_site(wsgi):
    """Councils A, B (grouped together) and C, and one account per PEOPLE entry."""
    with open_registry_root(wsgi.registry) as (root, tm):
        import_councils(root, COUNCILS.encode())
        councils = {code: root.territoires.council_by_code(code) for code in "ABC"}
        group = root.groups.add("loire", WorkingGroup("Loire", "departement", "42", "Loire (42)"))
        join_group(group, councils["A"])
        join_group(group, councils["B"])
        password_hash = hash_password(PASSWORD)
        ids = {}
        for name, (state, codes, roles) in PEOPLE.items():
            first, _, last = name.partition("_")
            user = User(email_of(name), first.capitalize(), last.upper() or "X", password_hash,
                        roles=roles, state=state, council_ids=[councils[c].id for c in codes])
            root.users.add_user(user)
            ids[name] = user.id
        ids.update({f"council_{code}": c.id for code, c in councils.items()})
        ids.update({f"path_{code}": f"/territoires/{c.__parent__.__parent__.__name__}/"
                                    f"{c.__parent__.__name__}/{c.__name__}" for code, c in councils.items()})
        tm.commit()
    return ids


def address_of(who):
    """A PEOPLE name (« membre_a ») or an address, as an address."""
    return who if "@" in who else email_of(who)


def attempt_sign_in(app, who, password=PASSWORD, came_from=None, address="192.0.2.10"):
    """Submit « Connexion » once and return the answer, whatever it is: for the tests of
    sign-in itself (refusals, throttle, second step). It proves nothing by itself; a test that
    needs someone signed in calls `sign_in`. `came_from` is sent as given (quote it);
    `address` is the browser's IP, which the throttle counts."""
    environ = {"REMOTE_ADDR": address}
    url = "/connexion" + (f"?came_from={came_from}" if came_from is not None else "")
    form = app.get(url, extra_environ=environ).forms["connexion"]
    form["email"] = address_of(who)
    form["password"] = password
    return form.submit(status="*", extra_environ=environ)


def profile_email(app):
    """The address « Mon profil » shows this browser, or None when nobody is signed in."""
    page = app.get("/mon-profil", status="*")
    found = re.search(r"<dt>Adresse électronique</dt>\s*<dd>([^<]*)</dd>", page.text)
    return html.unescape(found.group(1)).strip() if page.status_int == 200 and found else None


def signed_in_as(app):
    """The name in the top bar, or None for a visitor."""
    text = app.get("/").text
    if "Connecté : " not in text:
        return None
    return html.unescape(text.split("Connecté : ", 1)[1].split("<", 1)[0]).strip()


def sign_in(app, who, password=PASSWORD):
    """Sign `who` in on this browser and return it, or fail the test right here: « Mon profil »
    must then show who's address. So a test expecting a refusal cannot pass because sign-in
    broke (a visitor is refused too), nor because someone else is signed in."""
    email = address_of(who)
    answer = attempt_sign_in(app, email, password)
    assert answer.status_int == 303, f"{email} could not sign in ({answer.status})"
    assert "/connexion/code" not in answer.location, (
        f"{email} has a second factor: sign in with attempt_sign_in, then the code step")
    shown = profile_email(app)
    assert shown is not None and shown.lower() == email.lower(), (
        f"signed in as {email}, but « Mon profil » shows {shown!r}")
    return app


def signed_in(wsgi, who=None, password=PASSWORD, **extra_environ):
    """A fresh browser on `wsgi`, signed in as `who` (checked, see `sign_in`), or a visitor."""
    app = webtest.TestApp(wsgi, extra_environ=extra_environ or None)
    return sign_in(app, who, password) if who else app


def set_state(wsgi, who, state):
    """Move an account to another state (« pending », « disabled »…) in its own transaction."""
    with open_registry_root(wsgi.registry) as (root, tm):
        root.users.find_by_email(address_of(who)).state = state
        tm.commit()


def csrf(app):
    """The CSRF token of the app's current session (any page with a form shows it)."""
    page = app.get("/connexion")
    form = next(f for f in page.forms.values() if "csrf_token" in f.fields)
    return form["csrf_token"].value
