# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Cognito DR diff (pure): which users, groups and memberships the DR pool needs to match the source.

Passwords cannot be read, so the DR pool gets the same users (each with a random password nobody
knows, so that "forgot password" works after a failover: ``access``), attributes, enabled state,
groups and group memberships. Users of the two pools are matched by a key: the username, or, in pools where
people sign in with their email or phone number (the username is then a generated id, different in
each pool), that attribute.

``plan_sync`` turns what was read from both pools into a plan; ``plan_counts`` counts it (what would
change, or what was done). Nothing here logs or formats user data; callers decide what to show
(``show_users``).
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.access import LEGACY_MECHANISMS
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.access import can_recover
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.access import confirm_mode
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.access import needs_random_password

READ_ONLY = frozenset(["sub"])
EXTERNAL_PROVIDER = "EXTERNAL_PROVIDER"  # UserStatus of federated users (Google, SAML...): the IdP creates them
VERIFIED = {"email": "email_verified", "phone_number": "phone_number_verified"}
PURGE_CHOICES = ("none", "disable", "delete")


class SchemaAttribute:
    __slots__ = ("name", "mutable", "required")

    def __init__(self, name, mutable=True, required=False):
        self.name = name
        self.mutable = mutable
        self.required = required


def pool_schema(pool):
    """{name: SchemaAttribute} from a DescribeUserPool ``UserPool``."""
    return {
        entry["Name"]: SchemaAttribute(entry["Name"], entry.get("Mutable", True), entry.get("Required", False))
        for entry in pool.get("SchemaAttributes") or []
    }


def user_attributes(user):
    """A ListUsers/ListUsersInGroup user's attributes as a dict."""
    entries = user.get("Attributes") or user.get("UserAttributes") or []
    return {entry["Name"]: entry.get("Value", "") for entry in entries}


def resolve_match_by(match_by, source_pool):
    """``auto`` means the first sign-in attribute of the source pool (email, phone_number) or the username."""
    if match_by != "auto":
        return match_by
    username_attributes = source_pool.get("UsernameAttributes") or []
    return username_attributes[0] if username_attributes else "username"


def user_key(user, match_by):
    """The key that identifies ``user`` in both pools, or None when the user has no value for it."""
    if match_by == "username":
        return user.get("Username")
    return user_attributes(user).get(match_by) or None


def copied_names(schema, exclude):
    """Attributes the DR pool can hold and the sync copies (never ``sub`` or excluded ones)."""
    return {name for name in schema if name not in READ_ONLY and name not in exclude}


def creation_attributes(source_attrs, schema, exclude):
    """The attributes to give AdminCreateUser (immutable ones can only be set now)."""
    names = copied_names(schema, exclude)
    return {name: value for name, value in source_attrs.items() if name in names}


class AttributeDiff:
    __slots__ = ("set", "delete", "immutable")

    def __init__(self):
        self.set = {}
        self.delete = []
        self.immutable = []

    @property
    def changes(self):
        return bool(self.set or self.delete)


def diff_attributes(source_attrs, dr_attrs, schema, exclude):
    """What AdminUpdateUserAttributes / AdminDeleteUserAttributes must do to make the DR user match.

    Differences in immutable attributes cannot be fixed (only at creation) and are reported apart.
    When email or phone number change, their ``*_verified`` flag is sent too: AWS would otherwise
    mark the new address unverified and the next run would see a difference again.
    """
    diff = AttributeDiff()
    names = copied_names(schema, exclude)
    for name in sorted(names):
        wanted, have = source_attrs.get(name), dr_attrs.get(name)
        if wanted == have:
            continue
        attribute = schema[name]
        if wanted is None:
            if attribute.mutable and not attribute.required:
                diff.delete.append(name)
            else:
                diff.immutable.append(name)
        elif attribute.mutable:
            diff.set[name] = wanted
        else:
            diff.immutable.append(name)
    for name, flag in VERIFIED.items():
        if name in diff.set and flag in names and schema[flag].mutable and flag in source_attrs:
            diff.set[flag] = source_attrs[flag]
    return diff


class UserPlan:
    """The user changes that make the DR pool match the source pool."""

    def __init__(self):
        self.create = []  # [(key, source user)]
        self.update = []  # [(key, dr username, AttributeDiff)]
        self.enable = []  # [(key, dr username)]
        self.disable = []  # [(key, dr username)] mirror of a disabled source user
        self.purge_disable = []  # [(key, dr username)] users gone from the source
        self.delete = []  # [(key, dr username)]
        self.unchanged = 0
        self.immutable = []  # [(key, [attribute names])]
        self.source_without_key = 0
        self.dr_without_key = 0
        self.duplicate_keys = 0
        self.skipped_external = 0  # federated source users (EXTERNAL_PROVIDER): never created as local users
        self.external_keys = set()  # their keys: not synced, not purged, no memberships
        self.dr_usernames = {}  # key -> DR username of users that exist already
        self.confirm = []  # [(key, dr username)] FORCE_CHANGE_PASSWORD DR users given a random password
        self.confirm_created = set()  # keys of created users to give a random password
        self.needs_admin_reset = 0  # users who cannot use "forgot password" (no verified contact)


def index_users(users, match_by):
    """({key: user}, users without key, duplicate keys)."""
    indexed, missing, duplicates = {}, 0, 0
    for user in users:
        key = user_key(user, match_by)
        if key is None:
            missing += 1
        elif key in indexed:
            duplicates += 1
        else:
            indexed[key] = user
    return indexed, missing, duplicates


def is_external(user):
    """A federated user: Cognito creates it at its first sign-in through the identity provider."""
    return user.get("UserStatus") == EXTERNAL_PROVIDER


def plan_users(
    source_users,
    dr_users,
    schema,
    match_by,
    exclude=(),
    purge="none",
    confirm_users=False,
    mechanisms=LEGACY_MECHANISMS,
):
    """The UserPlan that makes the DR users match the source users.

    With ``confirm_users`` (``access.CONFIRM_CHOICES``; true means all) every new (and with "all" every
    FORCE_CHANGE_PASSWORD) DR user who will have a verified contact that ``mechanisms`` (the DR pool's
    account recovery) allows is planned for a random password (``confirm``, ``confirm_created``); the
    others are counted in ``needs_admin_reset``.

    Federated source users (UserStatus EXTERNAL_PROVIDER) are skipped and counted: created as local
    users they could never sign in, and the identity provider creates them in the DR pool itself.
    A DR user with the key of a skipped one is left alone (never purged).
    """
    plan = UserPlan()
    exclude = set(exclude or ())
    mode = confirm_mode(confirm_users)
    external = [user for user in source_users if is_external(user)]
    plan.skipped_external = len(external)
    plan.external_keys = {key for key in (user_key(user, match_by) for user in external) if key}
    source_users = [user for user in source_users if not is_external(user)]
    source, plan.source_without_key, duplicates = index_users(source_users, match_by)
    plan.external_keys -= set(source)  # a local source user with the same key is synced as usual
    dr, plan.dr_without_key, dr_duplicates = index_users(dr_users, match_by)
    plan.duplicate_keys = duplicates + dr_duplicates
    for key, user in source.items():
        existing = dr.get(key)
        needs_password = needs_random_password(mode, existing)
        if needs_password:
            if can_recover(creation_attributes(user_attributes(user), schema, exclude), mechanisms):
                if existing is None:
                    plan.confirm_created.add(key)
                else:
                    plan.confirm.append((key, existing["Username"]))
            else:
                plan.needs_admin_reset += 1
                needs_password = False
        if existing is None:
            plan.create.append((key, user))
            continue
        username = existing["Username"]
        plan.dr_usernames[key] = username
        diff = diff_attributes(user_attributes(user), user_attributes(existing), schema, exclude)
        changed = False
        if diff.changes:
            plan.update.append((key, username, diff))
            changed = True
        if diff.immutable:
            plan.immutable.append((key, diff.immutable))
        source_enabled, dr_enabled = user.get("Enabled", True), existing.get("Enabled", True)
        if source_enabled and not dr_enabled:
            plan.enable.append((key, username))
            changed = True
        elif dr_enabled and not source_enabled:
            plan.disable.append((key, username))
            changed = True
        if not (changed or needs_password):
            plan.unchanged += 1
    for key, user in dr.items():
        if key in source or key in plan.external_keys:
            continue
        if purge == "delete":
            plan.delete.append((key, user["Username"]))
        elif purge == "disable" and user.get("Enabled", True):
            plan.purge_disable.append((key, user["Username"]))
    return plan


def group_settings(group):
    return {
        "Description": group.get("Description") or "",
        "Precedence": group.get("Precedence"),
        "RoleArn": group.get("RoleArn"),
    }


def plan_groups(source_groups, dr_groups, purge="none"):
    """(groups to create, groups to update, names to delete) from ListGroups results."""
    source = {group["GroupName"]: group for group in source_groups}
    dr = {group["GroupName"]: group for group in dr_groups}
    create = [source[name] for name in source if name not in dr]
    update = [
        source[name] for name in source if name in dr and group_settings(source[name]) != group_settings(dr[name])
    ]
    delete = [name for name in dr if name not in source] if purge == "delete" else []
    return create, update, delete


def plan_memberships(source_members, dr_members, source_keys, deleted_keys=()):
    """Memberships to add [(group, key)] and remove [(group, DR username)].

    ``source_members``: {group: set of keys}; ``dr_members``: {group: {key: DR username}};
    ``source_keys``: keys of every source user. A DR member that is a source user but not in the
    source group leaves it; DR users unknown to the source keep their groups (unless deleted).
    """
    deleted = set(deleted_keys)
    adds, removes = [], []
    for group, members in source_members.items():
        have = dr_members.get(group, {})
        adds += [(group, key) for key in sorted(members) if key not in have]
        removes += [
            (group, username)
            for key, username in sorted(have.items())
            if key not in members and key in source_keys and key not in deleted
        ]
    return adds, removes


def dr_username_for_create(key, source_user, match_by, dr_pool):
    """The Username to give AdminCreateUser in the DR pool.

    In a pool where people sign in with their email (or phone number) the username must be that
    value (Cognito generates the real username); otherwise the source username is kept.
    """
    if match_by != "username" and match_by in (dr_pool.get("UsernameAttributes") or []):
        return key
    return source_user["Username"]


def check_pools_compatible(source_pool, dr_pool, match_by):
    """A message when the DR pool cannot hold the source users as they are matched, else None."""
    dr_sign_in = dr_pool.get("UsernameAttributes") or []
    if dr_sign_in and match_by not in dr_sign_in:
        return (
            f"the DR user pool signs users in with {', '.join(dr_sign_in)} but users are matched by {match_by}: "
            f"set match_by to {dr_sign_in[0]} or use a DR pool configured like the source pool"
        )
    if match_by not in ("username",) and match_by not in VERIFIED:
        return f"match_by must be username, email or phone_number, got {match_by}"
    return None


# -- the whole plan ----------------------------------------------------------------------------------
COUNT_NAMES = (
    "source_users",
    "dr_users",
    "created",
    "updated",
    "enabled",
    "disabled",
    "deleted",
    "unchanged",
    "immutable_differences",
    "skipped",
    "skipped_external",
    "groups_created",
    "groups_updated",
    "groups_deleted",
    "memberships_added",
    "memberships_removed",
    "confirmed",
    "needs_admin_reset",
    "failed",
)
KEY_NAMES = ("created", "updated", "enabled", "disabled", "deleted", "confirmed")
# The counts of writes: the DR pool is in step with the source when they are all 0.
CHANGE_NAMES = (
    "created",
    "updated",
    "enabled",
    "disabled",
    "deleted",
    "groups_created",
    "groups_updated",
    "groups_deleted",
    "memberships_added",
    "memberships_removed",
    "confirmed",
)


def empty_plan():
    return {"users": None, "groups": ([], [], []), "memberships": ([], [])}


def plan_sync(
    data,
    schema,
    match_by,
    sync_users=True,
    sync_groups=True,
    purge="none",
    exclude=(),
    confirm_users=False,
    mechanisms=LEGACY_MECHANISMS,
):
    """The plan that makes the DR pool match the source, from the reads of ``read_pools``.

    ``data`` holds "source users", "DR users" and, with ``sync_groups``, "source groups", "DR groups"
    and "source members of <group>" / "DR members of <group>". The plan is {"users": UserPlan or
    None, "groups": (create, update, delete), "memberships": (adds, removes), "dr_members": ...}.
    """
    plan = empty_plan()
    if not (sync_users or sync_groups):
        return plan
    users = plan_users(
        data["source users"],
        data["DR users"],
        schema,
        match_by,
        exclude,
        purge if sync_users else "none",
        confirm_users if sync_users else "none",
        mechanisms,
    )
    if not sync_users:  # groups only: memberships of users that exist in both pools
        users.create, users.update, users.enable, users.disable = [], [], [], []
    plan["users"] = users
    if not sync_groups:
        return plan
    plan["groups"] = plan_groups(data["source groups"], data["DR groups"], purge)
    source_members, dr_members = {}, {}
    for group in data["source groups"]:
        name = group["GroupName"]
        source_members[name] = {
            key for key in (user_key(user, match_by) for user in data[f"source members of {name}"]) if key
        }
    for group in data["DR groups"]:
        name = group["GroupName"]
        dr_members[name] = {
            user_key(user, match_by): user["Username"]
            for user in data[f"DR members of {name}"]
            if user_key(user, match_by)
        }
    source_keys = {key for key in (user_key(user, match_by) for user in data["source users"]) if key}
    # federated source users are not synced: neither are their memberships
    source_keys -= users.external_keys
    source_members = {group: keys - users.external_keys for group, keys in source_members.items()}
    if not sync_users:
        existing = set(users.dr_usernames)
        source_members = {group: keys & existing for group, keys in source_members.items()}
    plan["memberships"] = plan_memberships(
        source_members, dr_members, source_keys, [key for key, _dummy in users.delete]
    )
    plan["dr_members"] = dr_members
    return plan


def plan_counts(plan, done=None, failures=()):
    """(counts, keys) of the plan, or of what was done when ``done`` ({(action, key): ...}) is given.

    ``source_users`` and ``dr_users`` are left at 0: ``pool_states`` fills them from the reads.
    """

    def ok(action, key):
        return done is None or (action, key) in done

    counts = dict.fromkeys(COUNT_NAMES, 0)
    keys = {name: [] for name in KEY_NAMES}
    users = plan["users"]
    if users is not None:
        counts["created"] = sum(ok("create_user", key) for key, _dummy in users.create)
        counts["updated"] = sum(ok("update_user", key) for key, _dummy, _dummy in users.update)
        counts["enabled"] = sum(ok("enable_user", key) for key, _dummy in users.enable)
        disabled = [key for key, _dummy in users.disable if ok("disable_user", key)]
        disabled += [key for key, _dummy in users.purge_disable if ok("purge_disable", key)]
        counts["disabled"] = len(disabled)
        counts["deleted"] = sum(ok("delete_user", key) for key, _dummy in users.delete)
        counts["unchanged"] = users.unchanged
        counts["immutable_differences"] = len(users.immutable)
        counts["skipped"] = users.source_without_key + users.duplicate_keys
        counts["skipped_external"] = users.skipped_external
        confirmed = [key for key, _dummy in users.confirm if ok("confirm_user", key)]
        confirmed += [key for key in users.confirm_created if ok("confirm_user", key)]
        counts["confirmed"] = len(confirmed)
        counts["needs_admin_reset"] = users.needs_admin_reset
        keys = {
            "created": sorted(key for key, _dummy in users.create if ok("create_user", key)),
            "updated": sorted(key for key, _dummy, _dummy in users.update if ok("update_user", key)),
            "enabled": sorted(key for key, _dummy in users.enable if ok("enable_user", key)),
            "disabled": sorted(disabled),
            "deleted": sorted(key for key, _dummy in users.delete if ok("delete_user", key)),
            "confirmed": sorted(confirmed),
        }
    create_groups, update_groups, delete_groups = plan["groups"]
    counts["groups_created"] = sum(ok("create_group", g["GroupName"]) for g in create_groups)
    counts["groups_updated"] = sum(ok("update_group", g["GroupName"]) for g in update_groups)
    counts["groups_deleted"] = sum(ok("delete_group", name) for name in delete_groups)
    adds, removes = plan["memberships"]
    counts["memberships_added"] = sum(ok("add_member", key) for _dummy, key in adds)
    counts["memberships_removed"] = sum(ok("remove_member", name) for _dummy, name in removes)
    counts["failed"] = len(failures)
    return counts, keys


def pool_states(data, plan, counts, keys, match_by, show_users=False):
    """Fill ``counts`` source_users/dr_users from the reads; (before, after) views for --diff.

    Counts and group names only; the user keys only with ``show_users``.
    """
    dr_users = data["DR users"]
    dr_groups = sorted(group["GroupName"] for group in data.get("DR groups", []))
    counts["source_users"] = len(data["source users"])
    counts["dr_users"] = len(dr_users) + counts["created"] - counts["deleted"]
    memberships = sum(len(members) for members in plan.get("dr_members", {}).values())
    create_groups, _dummy, delete_groups = plan["groups"]
    before = {"users": len(dr_users), "groups": dr_groups, "memberships": memberships}
    after = {
        "users": counts["dr_users"],
        "groups": sorted(set(dr_groups) - set(delete_groups) | {g["GroupName"] for g in create_groups}),
        "memberships": memberships + counts["memberships_added"] - counts["memberships_removed"],
    }
    if show_users:
        user_keys = sorted(key for key in (user_key(user, match_by) for user in dr_users) if key)
        before["user_keys"] = user_keys
        after["user_keys"] = sorted((set(user_keys) | set(keys["created"])) - set(keys["deleted"]))
    return before, after
