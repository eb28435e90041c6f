# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Users who can sign in after a failover (pure): who can recover their account, and the random password.

A user created with MessageAction=SUPPRESS and no password is FORCE_CHANGE_PASSWORD with a temporary
password nobody knows (it expires after TemporaryPasswordValidityDays), and Cognito refuses
ForgotPassword in that state. Given a permanent random password (AdminSetUserPassword Permanent=True,
never shown), the user is CONFIRMED and the app's own "forgot password" flow works: Cognito sends a
code to a verified email or phone number that the pool's AccountRecoverySetting allows. A user without
one needs an administrator to reset the password; those are counted, not confirmed.
"""

import secrets
import string

FORCE_CHANGE_PASSWORD = "FORCE_CHANGE_PASSWORD"
ADMIN_ONLY = "admin_only"
# Without an AccountRecoverySetting Cognito uses its legacy order: verified phone, then verified email.
LEGACY_MECHANISMS = ("verified_phone_number", "verified_email")
_CONTACTS = {
    "verified_email": ("email", "email_verified"),
    "verified_phone_number": ("phone_number", "phone_number_verified"),
}
# Cognito's password special characters; a subset without quotes or backslashes.
_SYMBOLS = "!@#$%^&*()-_=+[]{}?.,"
PASSWORD_LENGTH = 32
# all: new users and FORCE_CHANGE_PASSWORD ones (a DR pool: nobody knows their temporary password);
# created: only the users this sync creates (failback into the primary pool, whose FORCE_CHANGE_PASSWORD
# users may hold a real invitation); none.
CONFIRM_CHOICES = ("all", "created", "none")


def confirm_mode(value):
    """``confirm_users`` as one of CONFIRM_CHOICES (true and false read as all and none)."""
    if value is True:
        return "all"
    if value in (False, None, ""):
        return "none"
    return value


def needs_random_password(mode, existing):
    """Whether a user (``existing`` DR user, None when it is created now) is to be given a random password."""
    if existing is None:
        return mode in ("all", "created")
    return mode == "all" and existing.get("UserStatus") == FORCE_CHANGE_PASSWORD


def recovery_mechanisms(pool):
    """The ForgotPassword delivery mechanisms of a DescribeUserPool ``UserPool``, in priority order."""
    entries = (pool.get("AccountRecoverySetting") or {}).get("RecoveryMechanisms") or []
    if not entries:
        return LEGACY_MECHANISMS
    return tuple(entry["Name"] for entry in sorted(entries, key=lambda entry: entry.get("Priority", 0)))


def can_recover(attributes, mechanisms):
    """Whether ForgotPassword can send a code to a user with ``attributes`` ({name: value}).

    ``admin_only`` (alone in AccountRecoverySetting) means that only an administrator can reset passwords.
    """
    for mechanism in mechanisms:
        contact, flag = _CONTACTS.get(mechanism, (None, None))
        if contact and attributes.get(contact) and str(attributes.get(flag, "")).lower() == "true":
            return True
    return False


def random_password(policy=None, length=PASSWORD_LENGTH):
    """A password that meets the pool's PasswordPolicy (every character class), from ``secrets``.

    Nobody ever sees it: it only moves the user out of FORCE_CHANGE_PASSWORD, and the user replaces it
    through "forgot password".
    """
    policy = policy or {}
    length = max(length, int(policy.get("MinimumLength") or 0))
    classes = [string.ascii_uppercase, string.ascii_lowercase, string.digits, _SYMBOLS]
    chars = [secrets.choice(chars) for chars in classes]
    alphabet = "".join(classes)
    chars += [secrets.choice(alphabet) for _dummy in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)
