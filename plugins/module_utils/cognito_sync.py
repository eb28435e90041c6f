# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Mirroring a Cognito user pool into the DR region: the diff (pure) and the calls (small functions).

Cognito has no cross-region replication and passwords cannot be read, so the DR pool gets the same
users (without passwords: they reset them after a failover), attributes, enabled state, groups and
group memberships. Users of the two pools are matched by a key: the username, or, in pools where
people sign in with their email or phone number (the username is then a generated id, different in
each pool), that attribute.

Nothing here logs or formats user data; callers decide what to show (``show_users``).
"""

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


def plan_users(source_users, dr_users, schema, match_by, exclude=(), purge="none"):
    """The UserPlan that makes the DR users match the source users.

    Federated source users (UserStatus EXTERNAL_PROVIDER) are skipped and counted: created as local
    users they could never sign in, and the identity provider creates them in the DR pool itself.
    A DR user with the key of a skipped one is left alone (never purged).
    """
    plan = UserPlan()
    exclude = set(exclude or ())
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
        if not changed:
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
    update = [source[name] for name in source
              if name in dr and group_settings(source[name]) != group_settings(dr[name])]
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
        removes += [(group, username) for key, username in sorted(have.items())
                    if key not in members and key in source_keys and key not in deleted]
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
        return (f"the DR user pool signs users in with {', '.join(dr_sign_in)} but users are matched by {match_by}: "
                f"set match_by to {dr_sign_in[0]} or use a DR pool configured like the source pool")
    if match_by not in ("username",) and match_by not in VERIFIED:
        return f"match_by must be username, email or phone_number, got {match_by}"
    return None


# -- mirroring the pool itself -----------------------------------------------------------------------
_STANDARD_DEFAULT_MUTABLE = True


def schema_for_create(source_pool):
    """CreateUserPool ``Schema`` that mirrors the source pool (custom attributes, and the standard
    attributes whose settings differ from the defaults)."""
    schema = []
    for entry in source_pool.get("SchemaAttributes") or []:
        name = entry["Name"]
        if name in READ_ONLY:
            continue
        custom = name.startswith("custom:") or name.startswith("dev:custom:")
        if not custom and not entry.get("Required") and entry.get("Mutable", _STANDARD_DEFAULT_MUTABLE):
            continue
        item = {
            "Name": name.split("custom:", 1)[1] if custom else name,
            "AttributeDataType": entry.get("AttributeDataType", "String"),
            "Mutable": entry.get("Mutable", True),
            "Required": bool(entry.get("Required")) and not custom,
        }
        if custom:
            item["DeveloperOnlyAttribute"] = bool(entry.get("DeveloperOnlyAttribute"))
        for constraints in ("StringAttributeConstraints", "NumberAttributeConstraints"):
            if entry.get(constraints):
                item[constraints] = dict(entry[constraints])
        schema.append(item)
    return schema


_COPIED_POOL_SETTINGS = ("Policies", "AutoVerifiedAttributes", "UsernameConfiguration", "AdminCreateUserConfig",
                         "AccountRecoverySetting", "VerificationMessageTemplate", "UserAttributeUpdateSettings",
                         "DeviceConfiguration", "DeletionProtection")


def create_pool_request(source_pool, name, tags):
    """CreateUserPool arguments that mirror the source pool (MFA is set afterwards, Lambda triggers and
    SES settings are regional and not copied)."""
    request = {"PoolName": name, "MfaConfiguration": "OFF"}
    schema = schema_for_create(source_pool)
    if schema:  # CreateUserPool refuses an empty Schema list; a pool of standard attributes sends none
        request["Schema"] = schema
    for key in _COPIED_POOL_SETTINGS:
        if source_pool.get(key):
            request[key] = source_pool[key]
    if source_pool.get("UsernameAttributes"):
        request["UsernameAttributes"] = list(source_pool["UsernameAttributes"])
    elif source_pool.get("AliasAttributes"):
        request["AliasAttributes"] = list(source_pool["AliasAttributes"])
    email = source_pool.get("EmailConfiguration") or {}
    if email.get("EmailSendingAccount", "COGNITO_DEFAULT") == "COGNITO_DEFAULT" and email:
        request["EmailConfiguration"] = {"EmailSendingAccount": "COGNITO_DEFAULT"}
    request["UserPoolTags"] = dict(source_pool.get("UserPoolTags") or {}, **tags)
    return request


_CLIENT_SETTINGS = ("RefreshTokenValidity", "AccessTokenValidity", "IdTokenValidity", "TokenValidityUnits",
                    "ReadAttributes", "WriteAttributes", "ExplicitAuthFlows", "SupportedIdentityProviders",
                    "CallbackURLs", "LogoutURLs", "DefaultRedirectURI", "AllowedOAuthFlows", "AllowedOAuthScopes",
                    "AllowedOAuthFlowsUserPoolClient", "PreventUserExistenceErrors", "EnableTokenRevocation",
                    "EnablePropagateAdditionalUserContextData", "AuthSessionValidity")


def create_client_request(source_client, dr_pool_id, dr_providers=None):
    """CreateUserPoolClient arguments that mirror a source app client (a new secret if it had one).

    Identity providers the DR pool does not have yet are left out (Cognito would refuse them).
    """
    request = {"UserPoolId": dr_pool_id, "ClientName": source_client["ClientName"],
               "GenerateSecret": bool(source_client.get("ClientSecret"))}
    for key in _CLIENT_SETTINGS:
        if source_client.get(key) not in (None, [], ""):
            request[key] = source_client[key]
    if "SupportedIdentityProviders" in request and dr_providers is not None:
        request["SupportedIdentityProviders"] = [
            provider for provider in request["SupportedIdentityProviders"]
            if provider == "COGNITO" or provider in dr_providers
        ]
    return request


def scrub(text, sensitive):
    """``text`` with every sensitive value (usernames, attribute values) replaced by ``***``."""
    for value in sorted((v for v in sensitive if v and len(v) > 2), key=len, reverse=True):
        text = text.replace(value, "***")
    return text
