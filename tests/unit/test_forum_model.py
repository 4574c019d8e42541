"""The forum's rules on their own: who may do what (the messages' ACL and what the catalog
indexes of it), numbering, order, reading positions, reports."""
from pyramid.authorization import ACLHelper, Everyone

from conseils_site.catalog import discriminators as d
from conseils_site.resources.folder import Folder
from conseils_site.resources.forum import (
    Category,
    Forum,
    GroupForum,
    Reply,
    Report,
    Topic,
    create_forum,
    move_topic,
)
from conseils_site.resources.groups import WorkingGroup
from conseils_site.resources.root import SiteRoot

ACL = ACLHelper()
COUNCILLOR = [Everyone, "system.Authenticated", "user:u1", "role:conseiller", "council:c1"]
AUTHOR = [Everyone, "system.Authenticated", "user:author", "role:conseiller", "council:c2"]
FORMER_AUTHOR = [Everyone, "system.Authenticated", "user:author"]  # no longer validated
ANIMATOR = [Everyone, "system.Authenticated", "user:anim", "role:conseiller", "role:animateur"]


def tree():
    root = SiteRoot()
    root.add("forum", create_forum(), send_events=False)
    root.add("groupes", Folder(), send_events=False)
    group = root["groupes"].add("loire", WorkingGroup("Loire"), send_events=False)
    group.add("forum", GroupForum(group.id), send_events=False)
    category = root["forum"]["questions-et-entraide"]
    topic = category.add_topic(Topic("Un sujet", "<p>Texte</p>", "Texte", "author"))
    reply = topic.add_reply(Reply("<p>Réponse</p>", "Réponse", "author"))
    group_topic = group["forum"].add_topic(Topic("Sujet du groupe", "<p>x</p>", "x", "author"))
    return root, topic, reply, group_topic, group


def viewers(obj):
    return set(ACL.principals_allowed_by_permission(obj, "view"))


def test_readers_of_the_general_forum_and_of_a_group_forum():
    root, topic, reply, group_topic, group = tree()
    assert viewers(topic) == viewers(reply) == {"role:animateur", "role:conseiller"}
    assert viewers(group_topic) == {"role:animateur", f"group:{group.id}"}
    assert d.allowed(group_topic, None) == sorted({"role:animateur", f"group:{group.id}"})
    assert not ACL.permits(root["forum"], [Everyone], "view")
    assert not ACL.permits(group["forum"], COUNCILLOR, "view")
    assert ACL.permits(group["forum"], COUNCILLOR + [f"group:{group.id}"], "create")
    # The reply's own ACL decides, down to its final Deny.
    assert reply.__acl__[-1][0] == "Deny"


def test_authors_edit_and_delete_while_open_and_visible_only():
    root, topic, reply, group_topic, group = tree()
    for message in (topic, reply):
        assert ACL.permits(message, AUTHOR, "edit") and ACL.permits(message, AUTHOR, "delete")
        assert not ACL.permits(message, COUNCILLOR, "edit")
        assert ACL.permits(message, ANIMATOR, "moderate")
        assert not ACL.permits(message, AUTHOR, "moderate")
        # The user principal alone reads nothing: validation is what opens the forum.
        assert not ACL.permits(message, FORMER_AUTHOR, "view")
    assert ACL.permits(topic, COUNCILLOR, "reply") and not ACL.permits(reply, COUNCILLOR, "reply")
    reply.hidden = True
    assert not ACL.permits(reply, AUTHOR, "edit")
    topic.closed = True
    assert not ACL.permits(topic, COUNCILLOR, "reply") and not ACL.permits(topic, AUTHOR, "edit")
    assert ACL.permits(topic, COUNCILLOR, "view") and ACL.permits(topic, COUNCILLOR, "report")
    assert ACL.permits(topic, ANIMATOR, "reply")


def test_numbering_followers_and_order():
    root, topic, reply, group_topic, group = tree()
    second = topic.add_reply(Reply("<p>2</p>", "2", "other"))
    assert (reply.number, second.number, topic.last_number) == (1, 2, 2)
    assert topic.reply(2) is second and topic.message(0) is topic and topic.reply(3) is None
    assert set(topic.followers) == {"author", "other"}
    assert topic.last_activity == second.created
    assert d.forum(reply, None) == [f"topic:{topic.id}"]
    assert d.forum(topic, None) == [f"section:{topic.section_id}"]
    older = topic.__parent__.add_topic(Topic("Plus ancien", "<p>x</p>", "x", "a"))
    older.last_activity = topic.last_activity.replace(year=2020)
    assert d.forum_order(topic, None) < d.forum_order(older, None)
    older.pinned = True
    assert d.forum_order(older, None) < d.forum_order(topic, None)
    assert (reply.group_id, group_topic.group_id) == (None, group.id)


def test_hidden_and_deleted_words_leave_the_index():
    root, topic, reply, group_topic, group = tree()
    assert "Réponse" in d.text(reply, None)
    reply.hidden = True
    assert d.text(reply, None) is None
    topic.erase()
    assert d.text(topic, None) == "Un sujet" and topic.text == topic.source == ""


def test_reading_positions_only_move_forward_and_are_forgotten():
    forum = Forum()
    topic = Topic("Sujet", "", "", "a")
    assert forum.last_read("u1", topic) is None
    assert forum.mark_read("u1", topic, 3) and not forum.mark_read("u1", topic, 2)
    assert forum.last_read("u1", topic) == 3
    forum.mark_read("u2", topic, 1)
    forum.forget_user("u1")
    assert forum.last_read("u1", topic) is None and forum.last_read("u2", topic) == 1


def test_reports_queue_oldest_first_and_resolved_together():
    root, topic, reply, group_topic, group = tree()
    forum = root["forum"]
    first = forum.add_report(Report(reply, "u1", "insulte"))
    second = forum.add_report(Report(reply, "u2", "pas bien"))
    other = forum.add_report(Report(topic, "u3", "hors sujet"))
    assert forum.pending() == [first, second, other] and forum.pending_count() == 3
    assert forum.resolve_reports(reply, "hidden", "anim") == [first, second]
    assert forum.pending() == [other] and forum.pending_count() == 1
    assert first.state == "hidden" and first.decided_by == "anim" and first.state_label == "message masqué"


def test_moving_keeps_identity_and_changes_section():
    root, topic, reply, group_topic, group = tree()
    target = root["forum"]["partage-d-experiences"]
    assert isinstance(target, Category)
    move_topic(topic, target)
    assert topic.__parent__ is target and topic.section_id == target.id
    assert reply.topic is topic and topic.__name__ not in root["forum"]["questions-et-entraide"]
