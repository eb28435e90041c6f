"""Writing a plan to the DR pool: every write tried, failures collected without user data."""

from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import diff
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import writer
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import RateLimiter


def test_scrub_removes_user_data_from_messages():
    message = "User alice@example.com with name Alice Kim already exists"
    assert writer.scrub(message, {"alice@example.com", "Alice Kim", "a"}) == "User *** with name *** already exists"


class FakeCognito:
    """Records writes; AdminCreateUser of ``refuse`` fails with a message that names the user."""

    def __init__(self, refuse=()):
        self.refuse = set(refuse)
        self.calls = []

    def __getattr__(self, name):
        def call(**request):
            self.calls.append((name, request.get("Username") or request.get("GroupName")))
            if name == "admin_create_user" and request["Username"] in self.refuse:
                raise ClientError(
                    {
                        "Error": {
                            "Code": "InvalidParameterException",
                            "Message": f"{request['Username']} lacks a required attribute",
                        }
                    },
                    name,
                )
            return {"User": {"Username": request.get("Username")}}

        return call


def user(username, enabled=True, **attrs):
    return {
        "Username": username,
        "Enabled": enabled,
        "Attributes": [{"Name": name, "Value": value} for name, value in attrs.items()],
    }


def test_a_plan_is_written_groups_and_users_first_and_failures_hide_the_user():
    schema = diff.pool_schema({"SchemaAttributes": [{"Name": "email"}]})
    data = {
        "source users": [user("alice", email="a@example.com"), user("bobby", enabled=False, email="b@example.com")],
        "DR users": [],
        "source groups": [{"GroupName": "admins"}],
        "DR groups": [],
        "source members of admins": [user("alice", email="a@example.com")],
    }
    plan = diff.plan_sync(data, schema, "username")
    client = FakeCognito(refuse={"alice"})
    cognito = writer.Writer(client, "dr-id", RateLimiter(None), workers=2)
    done = writer.apply_plan(cognito, plan, {"SchemaAttributes": [{"Name": "email"}]}, "username")
    assert set(done) == {("create_group", "admins"), ("create_user", "bobby"), ("disable_user", "bobby")}
    assert client.calls[0] == ("create_group", "admins")
    assert ("admin_add_user_to_group", "alice") not in client.calls  # its user was not created
    assert cognito.failures == [("create_user", "alice", "InvalidParameterException", "*** lacks a required attribute")]
    counts, keys = diff.plan_counts(plan, done, cognito.failures)
    # a user created disabled counts as created, not as disabled
    assert (counts["created"], counts["disabled"], counts["groups_created"], counts["failed"]) == (1, 0, 1, 1)
    assert keys["created"] == ["bobby"]


def test_the_failure_message_groups_by_action_and_shows_keys_only_when_asked():
    failures = [
        ("create_user", "a@example.com", "InvalidParameterException", "*** lacks nickname"),
        ("create_user", "b@example.com", "InvalidParameterException", "*** lacks nickname"),
    ]
    hidden = writer.failure_message(failures, show_users=False)
    assert "create_user failed for 2 item(s): InvalidParameterException: *** lacks nickname" in hidden
    assert "example.com" not in hidden and "run again" in hidden
    assert "(first: a@example.com)" in writer.failure_message(failures, show_users=True)
