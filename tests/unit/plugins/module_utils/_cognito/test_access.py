"""Who can sign in after a failover: account recovery, random passwords, the plan and the writes of confirmations."""

import string

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import access
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import diff
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import writer
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import RateLimiter

SCHEMA = diff.pool_schema(
    {
        "SchemaAttributes": [
            {"Name": name} for name in ("sub", "email", "email_verified", "phone_number", "phone_number_verified")
        ]
    }
)


def user(username, status=None, **attrs):
    entry = {
        "Username": username,
        "Enabled": True,
        "Attributes": [{"Name": name, "Value": value} for name, value in attrs.items()],
    }
    if status:
        entry["UserStatus"] = status
    return entry


@pytest.mark.parametrize(
    "setting, expected",
    [
        (None, ("verified_phone_number", "verified_email")),  # Cognito's legacy order
        (
            {
                "RecoveryMechanisms": [
                    {"Name": "verified_email", "Priority": 2},
                    {"Name": "verified_phone_number", "Priority": 1},
                ]
            },
            ("verified_phone_number", "verified_email"),
        ),
        ({"RecoveryMechanisms": [{"Name": "admin_only", "Priority": 1}]}, ("admin_only",)),
    ],
)
def test_recovery_mechanisms_follow_the_pool_setting(setting, expected):
    pool = {"AccountRecoverySetting": setting} if setting else {}
    assert access.recovery_mechanisms(pool) == expected


@pytest.mark.parametrize(
    "attributes, mechanisms, expected",
    [
        ({"email": "a@example.com", "email_verified": "true"}, access.LEGACY_MECHANISMS, True),
        ({"email": "a@example.com", "email_verified": "True"}, ("verified_email",), True),
        ({"email": "a@example.com", "email_verified": "false"}, access.LEGACY_MECHANISMS, False),
        ({"email": "a@example.com"}, access.LEGACY_MECHANISMS, False),
        ({"email": "a@example.com", "email_verified": "true"}, ("verified_phone_number",), False),
        ({"phone_number": "+8210", "phone_number_verified": "true"}, ("verified_phone_number",), True),
        ({"email": "a@example.com", "email_verified": "true"}, ("admin_only",), False),
    ],
)
def test_a_user_can_recover_only_through_a_verified_contact_the_pool_allows(attributes, mechanisms, expected):
    assert access.can_recover(attributes, mechanisms) is expected


@pytest.mark.parametrize("value, mode", [(True, "all"), (False, "none"), (None, "none"), ("created", "created")])
def test_confirm_modes(value, mode):
    assert access.confirm_mode(value) == mode


def test_random_passwords_meet_every_policy_and_differ():
    policy = {
        "MinimumLength": 40,
        "RequireUppercase": True,
        "RequireLowercase": True,
        "RequireNumbers": True,
        "RequireSymbols": True,
    }
    passwords = {access.random_password(policy) for _dummy in range(20)}
    assert len(passwords) == 20
    for password in passwords:
        assert len(password) == 40
        for chars in (string.ascii_uppercase, string.ascii_lowercase, string.digits, access._SYMBOLS):
            assert any(c in chars for c in password)
    assert len(access.random_password()) == access.PASSWORD_LENGTH


def test_new_and_force_change_password_users_with_a_verified_contact_are_confirmed_others_counted():
    source = [
        user("alice", email="a@example.com", email_verified="true"),
        user("bob", email="b@example.com", email_verified="true"),
        user("carol", email="c@example.com", email_verified="true"),
        user("dave", email="d@example.com"),
    ]
    dr = [
        user("bob", "FORCE_CHANGE_PASSWORD", email="b@example.com", email_verified="true"),
        user("carol", "CONFIRMED", email="c@example.com", email_verified="true"),
        user("dave", "FORCE_CHANGE_PASSWORD", email="d@example.com"),
    ]
    plan = diff.plan_users(source, dr, SCHEMA, "username", confirm_users=True, mechanisms=access.LEGACY_MECHANISMS)
    assert plan.confirm_created == {"alice"} and plan.confirm == [("bob", "bob")]
    assert plan.needs_admin_reset == 1 and plan.unchanged == 2  # carol, and dave (who is counted apart)
    # failback into a primary pool: only the users created now; its FORCE_CHANGE_PASSWORD users keep their invitation
    created = diff.plan_users(source, dr, SCHEMA, "username", confirm_users="created")
    assert created.confirm_created == {"alice"} and created.confirm == [] and created.needs_admin_reset == 0
    off = diff.plan_users(source, dr, SCHEMA, "username")
    assert off.confirm == [] and off.confirm_created == set() and off.needs_admin_reset == 0 and off.unchanged == 3
    # an excluded verified flag is not copied, so that user could not recover in DR
    excluded = diff.plan_users(source[:1], [], SCHEMA, "username", exclude=["email_verified"], confirm_users=True)
    assert excluded.confirm_created == set() and excluded.needs_admin_reset == 1


class Recorder:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        def call(**request):
            self.calls.append((name, request))
            return {"User": {"Username": request.get("Username")}}

        return call


def test_confirmations_set_a_hidden_permanent_password_after_creation():
    data = {
        "source users": [user("alice", email="a@example.com", email_verified="true")],
        "DR users": [user("bob", "FORCE_CHANGE_PASSWORD", email="b@example.com", email_verified="true")],
    }
    data["source users"].append(user("bob", email="b@example.com", email_verified="true"))
    plan = diff.plan_sync(data, SCHEMA, "username", sync_groups=False, confirm_users=True)
    client, hidden = Recorder(), []
    cognito = writer.Writer(client, "dr-id", RateLimiter(None), workers=2, hide=hidden.append)
    done = writer.apply_plan(
        cognito,
        plan,
        {"SchemaAttributes": [{"Name": n} for n in SCHEMA], "Policies": {"PasswordPolicy": {"MinimumLength": 50}}},
        "username",
    )
    sets = [request for name, request in client.calls if name == "admin_set_user_password"]
    assert sorted(request["Username"] for request in sets) == ["alice", "bob"]
    assert all(request["Permanent"] is True and len(request["Password"]) == 50 for request in sets)
    assert sorted(hidden) == sorted(request["Password"] for request in sets)  # every password is no_log
    names = [name for name, _dummy in client.calls]
    assert names.index("admin_create_user") < names.index("admin_set_user_password")
    counts, keys = diff.plan_counts(plan, done)
    assert counts["confirmed"] == 2 and keys["confirmed"] == ["alice", "bob"]


def test_a_failed_confirmation_never_shows_the_password():
    class Refusing(Recorder):
        def admin_set_user_password(self, **request):
            from botocore.exceptions import ClientError

            raise ClientError(
                {
                    "Error": {
                        "Code": "InvalidPasswordException",
                        "Message": f"Password {request['Password']} does not conform",
                    }
                },
                "x",
            )

    cognito = writer.Writer(Refusing(), "dr-id", RateLimiter(None), workers=1)
    cognito.run([("confirm_user", "alice", {"alice", "Secret-123!"}, ("alice", "Secret-123!"))])
    assert cognito.failures == [("confirm_user", "alice", "InvalidPasswordException", "Password *** does not conform")]
