"""Readiness checks of dr_identity: "DR user pool" and "user counts" (pass, fail, not checked)."""

import copy

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import identity
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.components import COMPONENTS
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

DR, PRIMARY = "ap-northeast-1", "ap-northeast-2"
OPTIONS = {
    "source_user_pool_name": "app-user-pool",
    "source_user_pool_id": "",
    "user_pool_name": "app-dr-user-pool",
    "sync_users": True,
    "sync_groups": True,
    "match_by": "auto",
    "attributes_exclude": [],
    "max_concurrency": 4,
    "max_rps": 1000,
}
SCHEMA = [
    {"Name": "sub", "Mutable": False, "Required": True},
    {"Name": "email", "Mutable": True},
    {"Name": "email_verified", "Mutable": True},
    {"Name": "nickname", "Mutable": True},
]


def user(username, email, enabled=True, status="FORCE_CHANGE_PASSWORD", **attrs):
    attributes = dict(email=email, **attrs)
    return {
        "Username": username,
        "Enabled": enabled,
        "UserStatus": status,
        "Attributes": [{"Name": name, "Value": value} for name, value in attributes.items()],
    }


def pool(pool_id, name, users, groups=None, clients=()):
    return {
        "pool": {"Id": pool_id, "Name": name, "UsernameAttributes": ["email"], "SchemaAttributes": SCHEMA},
        "users": users,
        "groups": groups or {},
        "clients": [{"ClientName": c, "ClientId": f"id-{c}"} for c in clients],
    }


def in_step():
    """Both pools with the same three users and one group: nothing to sync."""
    people = [("alice@example.com", "alice"), ("bob@example.com", "bob"), ("carol@example.com", "carol")]
    primary = pool(
        "ap-northeast-2_src",
        "app-user-pool",
        [user(f"p-{nick}", email, nickname=nick) for email, nick in people],
        {"admins": ["alice@example.com"]},
        ["web"],
    )
    dr = pool(
        "ap-northeast-1_dr",
        "app-dr-user-pool",
        [user(f"d-{nick}", email, nickname=nick) for email, nick in people],
        {"admins": ["alice@example.com"]},
        ["web"],
    )
    return {PRIMARY: {"app-user-pool": primary}, DR: {"app-dr-user-pool": dr}}


class FakeCognito:
    """The list and describe calls the checks make, one page each; ``fail`` maps an operation to an error code."""

    def __init__(self, region, pools, fail=None):
        self.region = region
        self.pools = pools
        self.fail = fail or {}
        self.calls = []
        self.meta = type("Meta", (), {"region_name": region})()

    def _call(self, operation):
        self.calls.append(operation)
        if operation in self.fail:
            raise ClientError({"Error": {"Code": self.fail[operation], "Message": "no"}}, operation)

    def _pool(self, pool_id):
        return next(p for p in self.pools.values() if p["pool"]["Id"] == pool_id)

    def list_user_pools(self, **request):
        self._call("list_user_pools")
        return {"UserPools": [{"Id": p["pool"]["Id"], "Name": p["pool"]["Name"]} for p in self.pools.values()]}

    def describe_user_pool(self, UserPoolId, **request):
        self._call("describe_user_pool")
        return {"UserPool": self._pool(UserPoolId)["pool"]}

    def list_users(self, UserPoolId, **request):
        self._call("list_users")
        return {"Users": self._pool(UserPoolId)["users"]}

    def list_groups(self, UserPoolId, **request):
        self._call("list_groups")
        return {"Groups": [{"GroupName": name} for name in self._pool(UserPoolId)["groups"]]}

    def list_users_in_group(self, UserPoolId, GroupName, **request):
        self._call("list_users_in_group")
        found = self._pool(UserPoolId)
        members = found["groups"][GroupName]
        return {"Users": [u for u in found["users"] if any(a["Value"] in members for a in u["Attributes"])]}

    def list_user_pool_replicas(self, UserPoolId, **request):
        self._call("list_user_pool_replicas")
        return {"UserPoolReplicas": self._pool(UserPoolId).get("replicas", [])}

    def list_user_pool_clients(self, UserPoolId, **request):
        self._call("list_user_pool_clients")
        return {"UserPoolClients": self._pool(UserPoolId)["clients"]}


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def run(world=None, options=None, primary_reachable=True, fail=None):
    """The checks' results by name, and the fake clients by region."""
    world = world or in_step()
    clients = {region: FakeCognito(region, world.get(region, {}), (fail or {}).get(region)) for region in (DR, PRIMARY)}
    spec = {
        "name": "identity",
        "region": DR,
        "primary_region": PRIMARY,
        "primary_reachable": primary_reachable,
        "options": dict(OPTIONS, **(options or {})),
    }
    results = COMPONENTS["identity"](ReadinessContext(lambda service, region: clients[region], spec))
    assert [r["check"] for r in results] == [identity.POOL, identity.USERS]
    assert all(r["component"] == "dr_identity" for r in results)
    return {r["check"]: r for r in results}, clients


def test_in_step_pools_pass_both_checks():
    results, _dummy = run()
    pool_check, users = results[identity.POOL], results[identity.USERS]
    assert pool_check["status"] == "pass" and pool_check["side"] == "dr"
    assert pool_check["reason"] == (
        "DR user pool ap-northeast-1_dr in ap-northeast-1 with 1 app client(s); no completed user sync recorded on it"
    )
    assert pool_check["evidence"]["last_sync_at"] is None and pool_check["evidence"]["replication_mode"] == "sync"
    assert pool_check["evidence"]["app_clients"] == ["web"]
    assert users["status"] == "pass" and users["passed"] and users["side"] == "primary"
    assert users["reason"] == "3 users in the primary pool, 3 in the DR pool, 0 change(s) to sync"
    assert users["evidence"]["source_users"] == 3 and users["evidence"]["pending_changes"] == 0


def test_a_missing_dr_pool_fails_and_leaves_the_users_not_checked():
    world = in_step()
    del world[DR]["app-dr-user-pool"]
    results, _dummy = run(world)
    assert results[identity.POOL]["status"] == "fail"
    assert "does not exist in ap-northeast-1" in results[identity.POOL]["reason"]
    assert "dr_identity_create_user_pool" in results[identity.POOL]["fix"]
    assert results[identity.USERS]["status"] == "not_checked" and results[identity.USERS]["side"] == "primary"


def test_two_dr_pools_with_the_name_fail_as_ambiguous():
    world = in_step()
    world[DR]["copy"] = dict(world[DR]["app-dr-user-pool"], pool={"Id": "ap-northeast-1_b", "Name": "app-dr-user-pool"})
    results, _dummy = run(world)
    assert results[identity.POOL]["status"] == "fail" and "2 user pools are named" in results[identity.POOL]["reason"]
    assert results[identity.USERS]["status"] == "not_checked"


@pytest.mark.parametrize(
    "operation, code",
    [("list_user_pools", "TooManyRequestsException"), ("list_user_pool_clients", "AccessDeniedException")],
)
def test_a_failed_dr_read_is_not_checked_never_absent(operation, code):
    results, _dummy = run(fail={DR: {operation: code}})
    assert results[identity.POOL]["status"] == "not_checked"
    assert code in results[identity.POOL]["reason"] and "could not read" in results[identity.POOL]["reason"]
    assert results[identity.USERS]["status"] == "not_checked"


def test_a_missing_user_is_a_fail_with_the_fix():
    world = in_step()
    world[DR]["app-dr-user-pool"]["users"].pop()
    results, _dummy = run(world)
    users = results[identity.USERS]
    assert users["status"] == "fail" and users["side"] == "primary"
    assert users["reason"] == "3 users in the primary pool, 2 in the DR pool, 1 change(s) to sync"
    assert "dr_identity role" in users["fix"] and users["evidence"]["changes"] == {"created": 1}


def test_a_changed_attribute_or_membership_is_a_change_to_sync():
    world = in_step()
    world[PRIMARY]["app-user-pool"]["users"][1] = user("p-bob", "bob@example.com", nickname="bobby")
    world[PRIMARY]["app-user-pool"]["groups"]["admins"].append("carol@example.com")
    results, _dummy = run(world)
    users = results[identity.USERS]
    assert users["status"] == "fail" and "2 change(s) to sync" in users["reason"]
    assert users["evidence"]["changes"] == {"updated": 1, "memberships_added": 1}


def test_federated_primary_users_are_not_expected_in_the_dr_pool():
    world = in_step()
    world[PRIMARY]["app-user-pool"]["users"].append(user("Google_1", "g@example.com", status="EXTERNAL_PROVIDER"))
    results, _dummy = run(world)
    users = results[identity.USERS]
    assert users["status"] == "pass" and "1 federated user(s)" in users["reason"]


def test_an_unreachable_primary_is_never_called_and_the_users_not_checked():
    results, clients = run(primary_reachable=False)
    assert results[identity.POOL]["status"] == "pass"
    users = results[identity.USERS]
    assert users["status"] == "not_checked" and users["side"] == "primary" and not users["passed"]
    assert "not compared" in users["reason"]
    assert clients[PRIMARY].calls == []


def test_users_not_synced_are_not_compared():
    results, clients = run(options={"sync_users": False})
    assert (
        results[identity.USERS]["status"] == "not_checked"
        and "sync_users is false" in results[identity.USERS]["reason"]
    )
    assert clients[PRIMARY].calls == []


@pytest.mark.parametrize(
    "operation, code",
    [
        ("list_user_pools", "TooManyRequestsException"),
        ("list_users", "InternalErrorException"),
        ("list_users_in_group", "AccessDeniedException"),
    ],
)
def test_a_failed_primary_read_is_not_checked(operation, code):
    results, _dummy = run(fail={PRIMARY: {operation: code}})
    assert results[identity.POOL]["status"] == "pass"
    users = results[identity.USERS]
    assert users["status"] == "not_checked" and users["side"] == "primary" and code in users["reason"]


def test_a_missing_or_unnamed_primary_pool_fails_with_the_fix():
    results, _dummy = run(options={"source_user_pool_name": "nope"})
    users = results[identity.USERS]
    assert users["status"] == "fail" and users["reason"] == "primary user pool nope not found in ap-northeast-2"
    assert "dr_identity_source_user_pool_name" in users["fix"]
    results, _dummy = run(options={"source_user_pool_name": ""})
    assert results[identity.USERS]["status"] == "fail"
    assert "dr_identity_source_user_pool_name" in results[identity.USERS]["fix"]


def test_pools_that_sign_in_differently_fail_with_the_fix():
    world = copy.deepcopy(in_step())
    world[DR]["app-dr-user-pool"]["pool"]["UsernameAttributes"] = ["phone_number"]
    results, _dummy = run(world)
    users = results[identity.USERS]
    assert users["status"] == "fail" and "signs users in with phone_number" in users["reason"]
    assert "dr_identity_match_by" in users["fix"]


def test_groups_are_not_read_when_not_synced():
    world = in_step()
    world[PRIMARY]["app-user-pool"]["groups"]["admins"].append("carol@example.com")
    results, clients = run(world, options={"sync_groups": False})
    assert results[identity.USERS]["status"] == "pass"
    assert "list_groups" not in clients[PRIMARY].calls


def test_the_age_of_the_last_sync_is_evidence():
    import datetime

    world = in_step()
    world[DR]["app-dr-user-pool"]["pool"]["UserPoolTags"] = {
        "pilotlight:last-user-sync": "2026-12-05T21:00:00Z",
        "pilotlight:last-user-sync-users": "3",
    }
    clients = {region: FakeCognito(region, world.get(region, {})) for region in (DR, PRIMARY)}
    spec = {
        "name": "identity",
        "region": DR,
        "primary_region": PRIMARY,
        "primary_reachable": False,
        "options": dict(OPTIONS),
    }
    now = datetime.datetime(2026, 12, 6, 0, 30, tzinfo=datetime.timezone.utc)
    results = COMPONENTS["identity"](ReadinessContext(lambda service, region: clients[region], spec, now=lambda: now))
    evidence = results[0]["evidence"]
    assert (evidence["last_sync_at"], evidence["last_sync_users"], evidence["last_sync_age_seconds"]) == (
        "2026-12-05T21:00:00Z",
        3,
        12600,
    )
    assert "last user sync 2026-12-05T21:00:00Z (3 h ago, 3 users)" in results[0]["reason"]


def test_a_native_replica_passes_without_calling_the_primary():
    world = in_step()
    replica = world[DR].pop("app-dr-user-pool")
    replica["pool"] = dict(replica["pool"], Id="ap-northeast-2_src", Name="app-user-pool", EstimatedNumberOfUsers=3)
    world[DR]["app-user-pool"] = replica
    replica["replicas"] = [
        {"RegionName": PRIMARY, "Role": "PRIMARY", "Status": "ACTIVE"},
        {"RegionName": DR, "Role": "SECONDARY", "Status": "ACTIVE"},
    ]
    results, clients = run(world, options={"replication_mode": "auto"})
    assert results[identity.POOL]["status"] == "pass" and results[identity.POOL]["evidence"]["replication_mode"] == (
        "native"
    )
    assert results[identity.USERS]["status"] == "pass" and "native replica" in results[identity.USERS]["reason"]
    assert clients[PRIMARY].calls == []
    replica["replicas"][1]["Status"] = "INACTIVE"  # created, but not serving sign-ins
    results, _dummy = run(world, options={"replication_mode": "native"})
    assert results[identity.USERS]["status"] == "fail" and "--status ACTIVE" in results[identity.USERS]["fix"]
    results, _dummy = run(
        world,
        options={"replication_mode": "native"},
        fail={DR: {"list_user_pool_replicas": "TooManyRequestsException"}},
    )
    assert results[identity.USERS]["status"] == "not_checked"
    # in sync mode the same world is a missing DR pool
    results, _dummy = run(world, options={"replication_mode": "sync"})
    assert results[identity.POOL]["status"] == "fail"


def test_users_without_a_random_password_are_pending():
    world = in_step()
    for entry in world[DR]["app-dr-user-pool"]["users"] + world[PRIMARY]["app-user-pool"]["users"]:
        entry["Attributes"].append({"Name": "email_verified", "Value": "true"})
    results, _dummy = run(world)
    assert results[identity.USERS]["status"] == "fail"
    assert results[identity.USERS]["evidence"]["changes"] == {"confirmed": 3}
    results, _dummy = run(world, options={"confirm_users": False})
    assert results[identity.USERS]["status"] == "pass"
