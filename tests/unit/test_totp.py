"""The second factor's rules: one step either side, each step once, recovery codes once, and
one argon2 check at most per typed recovery code."""
import pyotp

from conseils_site.security import totp

NOW = 1_900_000_005.0


class Account:
    pass


def enrolled():
    user = Account()
    secret = totp.start_enrolment(user)
    codes = totp.confirm_enrolment(user, pyotp.TOTP(secret).at(NOW), NOW)
    return user, secret, codes


def test_enrolment_needs_the_current_code_of_the_pending_secret():
    user = Account()
    secret = totp.start_enrolment(user)
    assert totp.confirm_enrolment(user, pyotp.TOTP(secret).at(NOW - 120), NOW) is None
    assert not totp.is_enrolled(user)
    codes = totp.confirm_enrolment(user, pyotp.TOTP(secret).at(NOW), NOW)
    assert totp.is_enrolled(user) and totp.pending_secret(user) is None
    assert len(set(codes)) == 10 and all(len(c) == 11 and c[5] == "-" for c in codes)
    assert not set("01ilo") & set("".join(codes))


def test_a_code_is_taken_one_step_either_side_and_each_step_once():
    user, secret, _ = enrolled()
    later = NOW + 300
    assert totp.check_code(user, pyotp.TOTP(secret).at(later - 30), later) == totp.TOTP
    assert totp.check_code(user, pyotp.TOTP(secret).at(later - 30), later) is None  # replayed
    assert totp.check_code(user, pyotp.TOTP(secret).at(later - 60), later) is None  # too old
    assert totp.check_code(user, pyotp.TOTP(secret).at(later + 30), later) == totp.TOTP
    assert totp.check_code(user, pyotp.TOTP(secret).at(later), later) is None  # before the last


def test_recovery_codes_work_once_with_one_slow_check_at_most(monkeypatch):
    user, _, codes = enrolled()
    checks = []
    real = totp.check_password
    monkeypatch.setattr(totp, "check_password", lambda h, c: checks.append(c) or real(h, c))
    assert totp.check_code(user, "zzzzz-zzzzz", NOW) is None
    assert len(checks) <= 1
    checks.clear()
    assert totp.check_code(user, codes[7].upper(), NOW) == totp.RECOVERY
    assert len(checks) == 1
    assert totp.check_code(user, codes[7], NOW) is None
    assert totp.recovery_left(user) == 9
    new = totp.new_recovery_codes(user)
    assert totp.check_code(user, codes[0], NOW) is None
    assert totp.check_code(user, new[0], NOW) == totp.RECOVERY


def test_the_qr_code_is_inline_svg():
    svg = totp.qr_svg(totp.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "a@exemple.fr", "Conseils"),
                      "QR code")
    assert svg.startswith("<svg") and "<title>QR code</title>" in svg and "<script" not in svg
