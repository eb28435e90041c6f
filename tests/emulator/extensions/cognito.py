"""Cognito user pools as AWS enforces and lists them.

What moto 5.2 lacks and this module adds:

* a pool created with a ``Schema`` has the standard attributes too (moto keeps only the ones given,
  so ``email`` disappears from ``SchemaAttributes`` as soon as one custom attribute is declared);
* user attributes are checked against the pool schema as AWS does: an attribute the pool does not
  have is refused (``Type for attribute {x} could not be determined``), ``sub`` and immutable
  attributes cannot be changed after creation, required attributes must be given at creation and
  cannot be deleted;
* ``ListUsers`` (without ``Filter``) and ``ListUsersInGroup`` cost what a page costs, not what the
  pool costs: moto re-scans the whole pool for every page and serialises through its generic
  serializer, so listing a 10,000-user pool took ~12 s here against ~0.1 s per page on AWS, which
  made every "compare, then write only the differences" benchmark meaningless. ``Limit`` above 60
  is refused as on AWS.

* ``CreateUserPool``/``UpdateUserPool`` refuse ``AdminCreateUserConfig.UnusedAccountValidityDays`` together with
  ``Policies.PasswordPolicy.TemporaryPasswordValidityDays`` (InvalidParameterException), as AWS does;
* ``ForgotPassword`` as strict as AWS: refused for a ``FORCE_CHANGE_PASSWORD`` user (NotAuthorizedException)
  and for a user without a verified email or phone number that the pool's AccountRecoverySetting allows
  (InvalidParameterException); moto sends a code to anyone. ``ConfirmForgotPassword`` takes only the code that
  was sent (moto takes any code not in its own format) and leaves the user ``CONFIRMED``. The code is in the
  ``x-moto-forgot-password-confirmation-code`` response header, as moto returns it;
* ``TagResource``/``UntagResource``/``ListTagsForResource`` on user pools (tags shown as ``UserPoolTags``);
* ``CreateUserPoolReplica``/``ListUserPoolReplicas`` (multi-Region replication): the pool must be on the
  ESSENTIALS or PLUS plan with a customer managed multi-Region key (``mrk-``); the replica is a pool of the
  same id and name in the other region that shares the source's users, groups, app clients and providers
  (replication is immediate; ``ACTIVE`` at once).

``POST /_emulator/cognito/users`` seeds many users into a pool at once (tests and benchmarks build
10,000-user pools with it; the users go through the same checks as AdminCreateUser).
"""

import copy
import datetime
import json

from moto.cognitoidp.exceptions import CodeMismatchException
from moto.cognitoidp.exceptions import InvalidParameterException
from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.exceptions import ResourceNotFoundError
from moto.cognitoidp.models import LEGACY_ACCOUNT_RECOVERY_MECHANISMS
from moto.cognitoidp.models import CognitoIdpBackend
from moto.cognitoidp.models import CognitoIdpUserPool
from moto.cognitoidp.models import CognitoIdpUserPoolAttribute
from moto.cognitoidp.models import UserStatus
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.exceptions import JsonRESTError

from ..core import CONTROL
from ..core import ControlError
from ..core import ExtensionError
from ..core import backend
from ..core import on_reset
from ..core import patch
from ..core import require

DESCRIPTION = (
    "Cognito: standard attributes kept in custom schemas, attribute writes checked against the "
    "pool schema, ListUsers/ListUsersInGroup paged in O(page), pool validity settings checked, "
    "ForgotPassword as strict as AWS, pool tags, user pool replicas"
)

MAX_LIMIT = 60
_original = {}


# -- schema -----------------------------------------------------------------------------------------
def pool_init(self, account_id, region, name, extended_config):
    _original["pool_init"](self, account_id, region, name, extended_config)
    standard = {}
    for attribute_name, schema in CognitoIdpUserPoolAttribute.STANDARD_SCHEMA.items():
        standard[attribute_name] = self.schema_attributes.get(attribute_name) or CognitoIdpUserPoolAttribute(
            attribute_name, False, schema
        )
    custom = {name: attribute for name, attribute in self.schema_attributes.items() if name not in standard}
    self.schema_attributes = {**standard, **custom}


def _schema(backend, user_pool_id):
    return backend.describe_user_pool(user_pool_id).schema_attributes


def _check_known(schema, attributes):
    for attribute in attributes or []:
        if attribute["Name"] not in schema:
            raise InvalidParameterException(
                f"Attributes did not conform to the schema: Type for attribute {{{attribute['Name']}}} could not be "
                "determined"
            )


def admin_create_user(self, user_pool_id, username, message_action, temporary_password, attributes):
    if message_action != "RESEND":
        schema = _schema(self, user_pool_id)
        _check_known(schema, attributes)
        given = {attribute["Name"] for attribute in attributes or []}
        if "sub" in given:
            raise InvalidParameterException("user.sub: Attribute cannot be updated.")
        pool = self.describe_user_pool(user_pool_id)
        implied = set(pool.extended_config.get("UsernameAttributes") or [])
        for name, attribute in schema.items():
            if attribute.required and name != "sub" and name not in given and name not in implied:
                raise InvalidParameterException(
                    f"Attributes did not conform to the schema: {name}: The attribute is required"
                )
    return _original["admin_create_user"](self, user_pool_id, username, message_action, temporary_password, attributes)


def admin_update_user_attributes(self, user_pool_id, username, attributes):
    schema = _schema(self, user_pool_id)
    _check_known(schema, attributes)
    for attribute in attributes or []:
        if not schema[attribute["Name"]].mutable:
            raise InvalidParameterException(f"user.{attribute['Name']}: Attribute cannot be updated.")
    return _original["admin_update_user_attributes"](self, user_pool_id, username, attributes)


def admin_delete_user_attributes(self, user_pool_id, username, attributes):
    schema = _schema(self, user_pool_id)
    for name in attributes or []:
        attribute = schema.get(name)
        if attribute is not None and attribute.required:
            raise InvalidParameterException(f"user.{name}: Required attribute cannot be deleted.")
        if attribute is not None and not attribute.mutable:
            raise InvalidParameterException(f"user.{name}: Attribute cannot be updated.")
    return _original["admin_delete_user_attributes"](self, user_pool_id, username, attributes)


# -- listing in O(page) -------------------------------------------------------------------------------
def _epoch(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.timestamp()
    return value


def _user_json(user, attributes_to_get=None):
    attributes = [
        attribute for attribute in user.attributes if not attributes_to_get or attribute["Name"] in attributes_to_get
    ]
    return {
        "Username": user.username,
        "Attributes": attributes,
        "UserCreateDate": _epoch(user.create_date),
        "UserLastModifiedDate": _epoch(user.last_modified_date),
        "Enabled": user.enabled,
        "UserStatus": getattr(user.status, "value", user.status),
        "MFAOptions": [],
    }


def _limit(value):
    limit = int(value or MAX_LIMIT)
    if limit > MAX_LIMIT or limit < 0:
        raise InvalidParameterException(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must "
            f"have value less than or equal to {MAX_LIMIT}"
        )
    return limit or MAX_LIMIT


def _page(users, token, limit):
    """(users of this page, token of the next one). A token is the next user's position and name."""
    start = 0
    if token:
        position, _sep, name = str(token).partition(":")
        names = [user.username for user in users]
        try:
            start = names.index(name)
        except ValueError:
            start = int(position) if position.isdigit() else 0  # that user was deleted meanwhile
    page = users[start : start + limit]
    following = start + limit
    next_token = f"{following}:{users[following].username}" if following < len(users) else None
    return page, next_token


def list_users(self):
    if self._get_param("Filter"):
        return _original["list_users"](self)
    pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
    page, token = _page(list(pool.users.values()), self._get_param("PaginationToken"), _limit(self._get_param("Limit")))
    attributes_to_get = self._get_param("AttributesToGet")
    response = {"Users": [_user_json(user, attributes_to_get) for user in page]}
    if token:
        response["PaginationToken"] = token
    return json.dumps(response)


def list_users_in_group(self):
    pool_id = self._get_param("UserPoolId")
    pool = self.backend.describe_user_pool(pool_id)
    group = self.backend.get_group(pool_id, self._get_param("GroupName"))
    members = [user for user in pool.users.values() if user in group.users]
    page, token = _page(members, self._get_param("NextToken"), _limit(self._get_param("Limit")))
    response = {"Users": [_user_json(user) for user in page]}
    if token:
        response["NextToken"] = token
    return json.dumps(response)


@CONTROL.route(
    "POST",
    "/cognito/users",
    'seed users into a pool: {"user_pool_id": ID, "users": [{"username": U, "attributes": {...}, '
    '"groups": [...], "enabled": true}]}',
)
def seed_users(body, query):
    pool_id = body.get("user_pool_id")
    if not pool_id or "_" not in pool_id:
        raise ControlError(400, 'give "user_pool_id" (for example ap-northeast-2_AbC123)')
    pool_backend = backend("cognitoidp", pool_id.split("_", 1)[0])
    number = -1
    try:
        pool_backend.describe_user_pool(pool_id)
        for number, spec in enumerate(body.get("users") or []):  # noqa: B007 (read by the except below)
            attributes = [{"Name": name, "Value": str(value)} for name, value in (spec.get("attributes") or {}).items()]
            user = pool_backend.admin_create_user(pool_id, spec["username"], "SUPPRESS", None, attributes)
            for group in spec.get("groups") or []:
                pool_backend.admin_add_user_to_group(pool_id, group, user.username)
            if not spec.get("enabled", True):
                user.enabled = False
    except (KeyError, ValueError, TypeError):
        raise
    except Exception as exc:  # moto's own errors (unknown pool, schema): a 400 that says which user
        where = f"user #{number}" if number >= 0 else f"pool {pool_id}"
        raise ControlError(400, f"cannot seed {where}: {exc}") from None
    return {"user_pool_id": pool_id, "created": len(body.get("users") or [])}


# -- pool settings, tags ------------------------------------------------------------------------------------
def _check_validity_days(config):
    admin = (config or {}).get("AdminCreateUserConfig") or {}
    policy = ((config or {}).get("Policies") or {}).get("PasswordPolicy") or {}
    if "UnusedAccountValidityDays" in admin and "TemporaryPasswordValidityDays" in policy:
        raise InvalidParameterException(
            "Please use TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays"
        )


def create_user_pool(self, name, extended_config):
    _check_validity_days(extended_config)
    return _original["create_user_pool"](self, name, extended_config)


def update_user_pool(self, user_pool_id, extended_config):
    _check_validity_days(extended_config)
    return _original["update_user_pool"](self, user_pool_id, extended_config)


def _pool_by_arn(responder, arn):
    parts = (arn or "").split(":")
    pool_id = parts[-1].split("/")[-1] if len(parts) >= 6 else ""
    region = parts[3] if len(parts) >= 6 else responder.region
    pool = backend("cognitoidp", region, responder.current_account).user_pools.get(pool_id)
    if pool is None:
        raise ResourceNotFoundError(f"User pool {arn} does not exist.")
    return pool


def tag_resource(self):
    pool = _pool_by_arn(self, self._get_param("ResourceArn"))
    tags = dict(pool.extended_config.get("UserPoolTags") or {})
    tags.update(self._get_param("Tags") or {})
    pool.extended_config["UserPoolTags"] = tags
    return "{}"


def untag_resource(self):
    pool = _pool_by_arn(self, self._get_param("ResourceArn"))
    removed = set(self._get_param("TagKeys") or [])
    tags = pool.extended_config.get("UserPoolTags") or {}
    pool.extended_config["UserPoolTags"] = {key: value for key, value in tags.items() if key not in removed}
    return "{}"


def list_tags_for_resource(self):
    pool = _pool_by_arn(self, self._get_param("ResourceArn"))
    return json.dumps({"Tags": dict(pool.extended_config.get("UserPoolTags") or {})})


# -- forgot password --------------------------------------------------------------------------------------
_CONTACTS = {
    "verified_email": ("email", "email_verified"),
    "verified_phone_number": ("phone_number", "phone_number_verified"),
}


def _pool_of_client(self, client_id):
    return next((pool for pool in self.user_pools.values() if client_id in pool.clients), None)


def forgot_password(self, client_id, username):
    pool = _pool_of_client(self, client_id)
    user = pool._get_user(username) if pool is not None else None
    if user is not None:
        if user.status == UserStatus.FORCE_CHANGE_PASSWORD:
            raise NotAuthorizedError("User password cannot be reset in the current state.")
        setting = pool.extended_config.get("AccountRecoverySetting") or {}
        mechanisms = [m["Name"] for m in setting.get("RecoveryMechanisms") or LEGACY_ACCOUNT_RECOVERY_MECHANISMS]
        attributes = {attribute["Name"]: attribute.get("Value") for attribute in user.attributes}
        usable = [
            _CONTACTS[name][0]
            for name in mechanisms
            if name in _CONTACTS
            and attributes.get(_CONTACTS[name][0])
            and str(attributes.get(_CONTACTS[name][1])).lower() == "true"
        ]
        if not usable:
            raise InvalidParameterException(
                "Cannot reset password for the user as there is no registered/verified email or phone_number"
            )
        code, response = _original["forgot_password"](self, client_id, username)
        contact = attributes[usable[0]]  # the first verified contact in the pool's order (moto ignores the user's)
        response["CodeDeliveryDetails"] = {
            "Destination": f"{contact[0]}***{contact[contact.find('@') :][:2]}***"
            if usable[0] == "email"
            else f"+*******{contact[-4:]}",
            "DeliveryMedium": "EMAIL" if usable[0] == "email" else "SMS",
            "AttributeName": usable[0],
        }
        return code, response
    return _original["forgot_password"](self, client_id, username)


def confirm_forgot_password(self, client_id, username, password, confirmation_code):
    pool = _pool_of_client(self, client_id)
    user = pool._get_user(username) if pool is not None else None
    if user is not None:
        if not user.confirmation_code or confirmation_code != user.confirmation_code:
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        self._validate_password(pool.id, password)
    _original["confirm_forgot_password"](self, client_id, username, password, confirmation_code)
    if user is not None:
        user.status = UserStatus.CONFIRMED


# -- multi-Region replication -----------------------------------------------------------------------------
_REPLICAS = {}  # (account, source pool id) -> {region: status}


def _replica_json(pool, region, role):
    arn = pool.arn.replace(f":{pool.region}:", f":{region}:", 1)
    return {"RegionName": region, "Status": "ACTIVE", "Role": role, "UserPoolArn": arn}


def create_user_pool_replica(self):
    pool_id, region = self._get_param("UserPoolId"), self._get_param("RegionName")
    pool = self.backend.describe_user_pool(pool_id)  # ResourceNotFoundException when missing
    config = pool.extended_config
    if (config.get("UserPoolTier") or "ESSENTIALS") not in ("ESSENTIALS", "PLUS"):
        raise JsonRESTError(
            "FeatureUnavailableInTierException",
            "Multi-Region replication is not available for user pools on the LITE feature plan.",
        )
    key = config.get("KeyConfiguration") or {}
    if key.get("KeyType") != "CUSTOMER_MANAGED_KEY" or "/mrk-" not in (key.get("KmsKeyArn") or ""):
        raise InvalidParameterException(
            "Multi-Region replication requires a customer managed multi-Region KMS key in KeyConfiguration."
        )
    if region == pool.region:
        raise InvalidParameterException(f"The replica Region must differ from the primary Region {pool.region}.")
    replicas = _REPLICAS.setdefault((self.current_account, pool_id), {})
    if region in replicas:
        raise InvalidParameterException(f"User pool {pool_id} already has a replica in {region}.")
    replica = copy.copy(pool)  # shares users, groups, clients and providers with the source: replicated at once
    replica.region = region
    replica.arn = pool.arn.replace(f":{pool.region}:", f":{region}:", 1)
    replica.extended_config = dict(pool.extended_config, UserPoolTags=dict(self._get_param("UserPoolTags") or {}))
    backend("cognitoidp", region, self.current_account).user_pools[pool_id] = replica
    replicas[region] = "ACTIVE"
    return json.dumps({"UserPoolReplica": _replica_json(pool, region, "SECONDARY")})


def list_user_pool_replicas(self):
    pool_id = self._get_param("UserPoolId")
    self.backend.describe_user_pool(pool_id)  # ResourceNotFoundException when the region has no such pool
    replicas = _REPLICAS.get((self.current_account, pool_id)) or {}
    pool = _primary(self.current_account, pool_id)  # the same answer in the primary and the secondary regions
    listed = [_replica_json(pool, pool.region, "PRIMARY")] if replicas else []
    listed += [_replica_json(pool, region, "SECONDARY") for region in sorted(replicas)]
    return json.dumps({"UserPoolReplicas": listed})


def _primary(account, pool_id):
    region = pool_id.split("_", 1)[0]
    return backend("cognitoidp", region, account).user_pools.get(pool_id)


@on_reset
def _forget_replicas():
    _REPLICAS.clear()


def _add(owner, name, fn):
    """Give moto a method it lacks; refuse to start once moto has its own (then drop ours)."""
    if hasattr(owner, name):
        raise ExtensionError(f"moto now implements {owner.__name__}.{name}: remove the emulator's version")
    setattr(owner, name, fn)


def install():
    require(CognitoIdpUserPoolAttribute, "STANDARD_SCHEMA")
    require(CognitoIdpBackend, "describe_user_pool", "get_group")
    _original["pool_init"] = patch(CognitoIdpUserPool, "__init__", pool_init)
    _original["admin_create_user"] = patch(CognitoIdpBackend, "admin_create_user", admin_create_user)
    _original["admin_update_user_attributes"] = patch(
        CognitoIdpBackend, "admin_update_user_attributes", admin_update_user_attributes
    )
    _original["admin_delete_user_attributes"] = patch(
        CognitoIdpBackend, "admin_delete_user_attributes", admin_delete_user_attributes
    )
    _original["list_users"] = patch(CognitoIdpResponse, "list_users", list_users)
    _original["list_users_in_group"] = patch(CognitoIdpResponse, "list_users_in_group", list_users_in_group)
    require(CognitoIdpBackend, "_validate_password")
    _original["create_user_pool"] = patch(CognitoIdpBackend, "create_user_pool", create_user_pool)
    _original["update_user_pool"] = patch(CognitoIdpBackend, "update_user_pool", update_user_pool)
    _original["forgot_password"] = patch(CognitoIdpBackend, "forgot_password", forgot_password)
    _original["confirm_forgot_password"] = patch(CognitoIdpBackend, "confirm_forgot_password", confirm_forgot_password)
    for name, fn in (
        ("tag_resource", tag_resource),
        ("untag_resource", untag_resource),
        ("list_tags_for_resource", list_tags_for_resource),
        ("create_user_pool_replica", create_user_pool_replica),
        ("list_user_pool_replicas", list_user_pool_replicas),
    ):
        _add(CognitoIdpResponse, name, fn)
