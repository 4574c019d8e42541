"""The throttle's rules on their own: free failures, then a doubling wait up to a cap, per
account, per (address, account), per address with a far higher ceiling, per trusted device."""
import pytest
import transaction
import ZODB
from persistent import Persistent
from ZODB.FileStorage import FileStorage

from conseils_site.security import throttle
from conseils_site.security.throttle import RULES, delay, duration_fr


class Root:
    pass


def fail(root, times, login="a@exemple.fr", address="10.0.0.1", device=None, now=1000.0,
         step=throttle.PASSWORD):
    for _ in range(times):
        throttle.record_failure(root, login, address, device, now=now, step=step)


def test_the_wait_doubles_after_the_free_failures_up_to_the_cap():
    rule = RULES["account"]
    assert [delay(rule, n) for n in range(rule.free)] == [0] * rule.free
    assert [delay(rule, rule.free + n) for n in range(6)] == [60, 120, 240, 480, 900, 900]
    assert delay(rule, 10_000) == rule.cap == 15 * 60
    assert delay(RULES["pair"], 100) == 3600


def test_the_address_ceiling_is_far_higher_than_an_accounts():
    assert RULES["address"].free >= 20 * RULES["account"].free
    root = Root()
    for n in range(RULES["address"].free - 1):  # many people, one failure each
        fail(root, 1, login=f"voisin{n}@exemple.fr")
    assert throttle.wait_seconds(root, "autre@exemple.fr", "10.0.0.1", now=1000.0) == 0
    fail(root, 1, login="encore@exemple.fr")
    assert throttle.wait_seconds(root, "autre@exemple.fr", "10.0.0.1", now=1000.0) == 60
    assert throttle.wait_seconds(root, "autre@exemple.fr", "10.0.0.2", now=1000.0) == 0


def test_the_pair_waits_before_the_account():
    root = Root()
    fail(root, RULES["pair"].free)
    assert throttle.wait_seconds(root, "a@exemple.fr", "10.0.0.1", now=1001.0) == 59
    assert throttle.wait_seconds(root, "a@exemple.fr", "10.0.0.9", now=1001.0) == 0
    assert throttle.wait_seconds(root, "A@Exemple.fr ", "10.0.0.1", now=1001.0) == 59


def test_a_trusted_device_is_counted_alone():
    root = Root()
    fail(root, 50)  # the account waits for everybody else
    assert throttle.wait_seconds(root, "a@exemple.fr", "10.0.0.7", now=1001.0) > 0
    assert throttle.wait_seconds(root, "a@exemple.fr", "10.0.0.7", "appareil-1", now=1001.0) == 0
    fail(root, RULES["device"].free, device="appareil-1")
    assert throttle.wait_seconds(root, "a@exemple.fr", "10.0.0.7", "appareil-1", now=1001.0) == 59
    assert throttle.wait_seconds(root, "a@exemple.fr", "10.0.0.7", "appareil-2", now=1001.0) == 0


def test_codes_and_passwords_are_counted_apart():
    root = Root()
    fail(root, 10, login="u1", step=throttle.CODE)
    assert throttle.wait_seconds(root, "u1", "10.0.0.1", now=1001.0, step=throttle.CODE) > 0
    assert throttle.wait_seconds(root, "u1", "10.0.0.1", now=1001.0) == 0


def test_success_forgets_the_account_and_pair_not_the_address():
    root = Root()
    fail(root, 4)
    fail(root, 1, login="b@exemple.fr")
    throttle.clear_failures(root, "a@exemple.fr", "10.0.0.1")
    assert len(root.login_failures) == 3  # the address (5 failures), b's account and pair


def test_records_are_forgotten_after_their_keep_and_old_formats_are_ignored():
    root = Root()
    fail(root, 6)
    root.login_failures["email:a@exemple.fr"] = (1.0, 2.0, 3.0, 4.0, 5.0)  # before these rules
    assert throttle.wait_seconds(root, "a@exemple.fr", "10.0.0.1", now=1000.0 + 86400) == 0
    assert throttle.purge_failures(root, now=1000.0 + 86400) == 4
    assert len(root.login_failures) == 0


def test_keys_spread_and_name_nobody():
    root = Root()
    fail(root, 1, login="camille@exemple.fr", address="192.0.2.1")
    keys = list(root.login_failures)
    assert len(keys) == 3 and len({k[:2] for k in keys}) == 3
    assert not any("camille" in k or "192.0.2.1" in k for k in keys)


def test_one_mail_per_address_and_purpose_per_five_minutes():
    root = Root()
    assert throttle.may_send_mail(root, "reset", "a@exemple.fr", now=1000.0)
    assert not throttle.may_send_mail(root, "reset", "A@exemple.fr", now=1000.0 + 299)
    assert throttle.may_send_mail(root, "confirmation", "a@exemple.fr", now=1001.0)
    assert throttle.may_send_mail(root, "reset", "a@exemple.fr", now=1000.0 + 300)


@pytest.mark.parametrize("seconds, words", [
    (1, "1 seconde"), (45, "45 secondes"), (60, "1 minute"), (61, "2 minutes"),
    (900, "15 minutes"), (3600, "1 heure"), (3660, "1 heure 1 minute")])
def test_waiting_times_in_french(seconds, words):
    assert duration_fr(seconds) == words


class StoredRoot(Persistent):
    pass


def test_tries_on_different_accounts_from_different_addresses_do_not_conflict(tmp_path):
    """Two processes recording failures at once: their keys differ, so the BTree merges them
    (FileStorage resolves the bucket conflict), where one shared counter would refuse one."""
    db = ZODB.DB(FileStorage(str(tmp_path / "Data.fs")))
    try:
        with db.transaction() as conn:
            conn.root()["site"] = StoredRoot()
            throttle.record_failure(conn.root()["site"], "x@exemple.fr", "10.0.0.9", now=999.0)
        managers = [transaction.TransactionManager() for _ in range(2)]
        roots = [db.open(manager).root()["site"] for manager in managers]
        for n, (manager, root) in enumerate(zip(managers, roots, strict=True)):
            manager.begin()
            throttle.record_failure(root, f"personne{n}@exemple.fr", f"192.0.2.{n}", now=1000.0)
        for manager in managers:
            manager.commit()  # the second commit would raise ConflictError if keys collided
        with db.transaction() as conn:
            assert len(conn.root()["site"].login_failures) == 3 + 2 * 3
    finally:
        db.close()
