"""A small site with councils, a working group and accounts in every state, for page tests."""
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


def login(app, name_or_email, password=PASSWORD):
    email = name_or_email if "@" in name_or_email else email_of(name_or_email)
    page = app.get("/connexion")
    form = next(f for f in page.forms.values() if "password" in f.fields)
    form["email"] = email
    form["password"] = password
    return form.submit()


def csrf(app):
    """The CSRF token of the app's current session (any page with a form shows it)."""
    page = app.get("/connexion")
    form = next(f for f in page.forms.values() if "csrf_token" in f.fields)
    return form["csrf_token"].value
