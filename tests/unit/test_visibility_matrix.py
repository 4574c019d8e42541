"""Every visibility level against every kind of visitor: the ACL and the catalog agree."""
import pytest
from hypatia.query import Eq
from pyramid.authorization import ACLHelper

from conseils_site.catalog.queries import allowed_query
from conseils_site.importer import import_councils
from conseils_site.resources.content import CouncilItem
from conseils_site.resources.groups import WorkingGroup, join_group, leave_group
from conseils_site.resources.users import User
from conseils_site.scripts import open_registry_root
from conseils_site.security.principals import compute_principals
from conseils_site.security.roles import grant_role, revoke_role
from conseils_site.security.visibility import LEVELS
from tests.conftest import make_app

VISITORS = ("anonyme", "non_valide", "autre_conseil", "groupe_partage", "membre", "referent", "animateur")
EXPECTED = {  # level -> the visitors who may view
    "conseil": {"membre", "referent", "animateur"},
    "groupes": {"groupe_partage", "membre", "referent", "animateur"},
    "membres": {"autre_conseil", "groupe_partage", "membre", "referent", "animateur"},
    "public": set(VISITORS),
}


class Request:
    def __init__(self, principals):
        self.principals = principals


@pytest.fixture(scope="module")
def site():
    app = make_app()
    with open_registry_root(app.registry) as (root, tm):
        import_councils(root, (
            b"code,nom,commune,latitude,longitude\n"
            b"A,Conseil A,42218,45.43,4.39\n"
            b"B,Conseil B,42218,45.44,4.38\n"
            b"C,Conseil C,93066,48.93,2.36\n"))
        a, b, c = (root.territoires.council_by_code(code) for code in "ABC")
        group = root.groups.add("loire", WorkingGroup("Loire", "departement", "42", "Loire"))
        join_group(group, a)
        join_group(group, b)
        users = {
            "non_valide": User("p@x.fr", "P", "P", "h", state="pending", council_ids=[a.id]),
            "autre_conseil": User("c@x.fr", "C", "C", "h", state="active", council_ids=[c.id]),
            "groupe_partage": User("b@x.fr", "B", "B", "h", state="active", council_ids=[b.id]),
            "membre": User("a@x.fr", "A", "A", "h", state="active", council_ids=[a.id]),
            "referent": User("r@x.fr", "R", "R", "h", state="active", council_ids=[c.id]),
            "animateur": User("n@x.fr", "N", "N", "h", state="active", roles=["animateur"]),
        }
        for user in users.values():
            root.users.add_user(user)
        grant_role(a, users["referent"], "referent", actor="test", audit=root.audit)
        for level in LEVELS:
            a.add(f"item-{level}", CouncilItem(f"Item {level}", a.id, visibility=level))
        tm.commit()
        ids = {name: user.id for name, user in users.items()}
    yield app, ids


def principals_of(root, ids, visitor):
    user = root.users.get(ids[visitor]) if visitor in ids else None
    return compute_principals(user, root.catalog)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("visitor", VISITORS)
def test_acl_and_catalog_agree_with_the_matrix(site, level, visitor):
    app, ids = site
    with open_registry_root(app.registry) as (root, tm):
        principals = principals_of(root, ids, visitor)
        item = root.territoires.council_by_code("A")[f"item-{level}"]
        expected = visitor in EXPECTED[level]
        assert bool(ACLHelper().permits(item, principals, "view")) is expected
        catalog = root.catalog
        found = allowed_query(catalog, Request(principals), Eq(catalog.indexes["id"], item.id)).execute()
        assert (len(found) == 1) is expected


def test_only_author_referent_and_animators_edit(site):
    """The référent moderates the council's content; other members only read it."""
    app, ids = site
    with open_registry_root(app.registry) as (root, tm):
        a = root.territoires.council_by_code("A")
        item = a.add("mine", CouncilItem("Mine", a.id, author_id=ids["membre"], visibility="membres"))
        for visitor in VISITORS:
            principals = principals_of(root, ids, visitor)
            allowed = bool(ACLHelper().permits(item, principals, "edit"))
            assert allowed is (visitor in ("membre", "referent", "animateur")), visitor
        tm.abort()


def test_leaving_a_group_loses_access_at_once(site):
    app, ids = site
    with open_registry_root(app.registry) as (root, tm):
        a, b = root.territoires.council_by_code("A"), root.territoires.council_by_code("B")
        group = root.groups["loire"]
        item = a["item-groupes"]
        assert ACLHelper().permits(item, principals_of(root, ids, "groupe_partage"), "view")
        leave_group(group, b)
        assert not ACLHelper().permits(item, principals_of(root, ids, "groupe_partage"), "view")
        tm.abort()


def test_revoking_a_local_role_reindexes_what_it_touched(site):
    app, ids = site
    with open_registry_root(app.registry) as (root, tm):
        a = root.territoires.council_by_code("A")
        referent = root.users[ids["referent"]]
        item = a["item-conseil"]
        catalog = root.catalog
        query = Eq(catalog.indexes["id"], item.id)
        request = Request(principals_of(root, ids, "referent"))
        assert len(allowed_query(catalog, request, query).execute()) == 1
        assert revoke_role(a, referent.id, "referent", actor="test", audit=root.audit)
        assert len(allowed_query(catalog, request, query).execute()) == 0
        assert not ACLHelper().permits(item, request.principals, "view")
        assert root.audit.newest(1)[0]["action"] == "retrait"
        tm.abort()


@pytest.mark.parametrize("state", ["unverified", "pending", "refused", "disabled"])
def test_accounts_not_active_have_no_councillor_principal(site, state):
    app, ids = site
    with open_registry_root(app.registry) as (root, tm):
        user = root.users[ids["membre"]]
        user.state = state
        principals = compute_principals(user, root.catalog)
        assert not any(p.startswith(("role:", "council:", "group:", "groupmate:")) for p in principals)
        tm.abort()


COWRITERS = {"membre", "referent", "animateur"}  # of council A's collaborative documents
EDITORS = {"referent", "animateur"}  # the author (here nobody of VISITORS) besides


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("visitor", VISITORS)
def test_members_cowrite_a_collaborative_document_but_do_not_edit_it(site, level, visitor):
    """Co-writing (the text) and editing (title, visibility, files, mode, deleting) are two
    permissions: a member of the council writes the text, only the author, the référents and
    animators change the rest (issue #14, item 3)."""
    from conseils_site.resources.content import Document

    app, ids = site
    with open_registry_root(app.registry) as (root, tm):
        a = root.territoires.council_by_code("A")
        doc = a.add("collab", Document("Collab", a.id, author_id="someone-else", visibility=level,
                                       mode="collaboratif"))
        principals = principals_of(root, ids, visitor)
        acl = ACLHelper()
        assert bool(acl.permits(doc, principals, "cowrite")) is (visitor in COWRITERS)
        assert bool(acl.permits(doc, principals, "edit")) is (visitor in EDITORS)
        assert bool(acl.permits(doc, principals, "delete")) is (visitor in EDITORS)
        tm.abort()


def test_the_author_edits_and_cowrites_and_a_classic_document_has_no_cowriters(site):
    from conseils_site.resources.content import Document

    app, ids = site
    with open_registry_root(app.registry) as (root, tm):
        a = root.territoires.council_by_code("A")
        doc = a.add("collab", Document("Collab", a.id, author_id=ids["membre"], visibility="conseil",
                                       mode="collaboratif"))
        author = principals_of(root, ids, "membre")
        for permission in ("view", "cowrite", "edit", "delete"):
            assert ACLHelper().permits(doc, author, permission), permission
        classic = a.add("classique", Document("Classique", a.id, author_id="someone-else",
                                              visibility="conseil"))
        assert ACLHelper().permits(classic, author, "view")
        assert not ACLHelper().permits(classic, author, "cowrite")
        assert ACLHelper().permits(classic, principals_of(root, ids, "referent"), "cowrite")
        tm.abort()
