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

``POST /_emulator/cognito/users`` seeds many users into a pool at once (tests and benchmarks build
10,000-user pools with it; the users go through the same checks as AdminCreateUser).
"""

import datetime
import json

from moto.cognitoidp.exceptions import InvalidParameterException
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool, CognitoIdpUserPoolAttribute
from moto.cognitoidp.responses import CognitoIdpResponse

from ..core import CONTROL, ControlError, backend, patch, require

DESCRIPTION = ("Cognito: standard attributes kept in custom schemas, attribute writes checked against the "
               "pool schema, ListUsers/ListUsersInGroup paged in O(page)")

MAX_LIMIT = 60
_original = {}


# -- schema -----------------------------------------------------------------------------------------
def pool_init(self, account_id, region, name, extended_config):
    _original["pool_init"](self, account_id, region, name, extended_config)
    standard = {}
    for attribute_name, schema in CognitoIdpUserPoolAttribute.STANDARD_SCHEMA.items():
        standard[attribute_name] = self.schema_attributes.get(attribute_name) or CognitoIdpUserPoolAttribute(
            attribute_name, False, schema)
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
                    f"Attributes did not conform to the schema: {name}: The attribute is required")
    return _original["admin_create_user"](self, user_pool_id, username, message_action, temporary_password,
                                          attributes)


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
    attributes = [attribute for attribute in user.attributes
                  if not attributes_to_get or attribute["Name"] in attributes_to_get]
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
            f"have value less than or equal to {MAX_LIMIT}")
    return limit or MAX_LIMIT


def _page(users, token, limit):
    """(users of this page, token of the next one). A token is the next user's position and name."""
    start = 0
    if token:
        position, _, name = str(token).partition(":")
        names = [user.username for user in users]
        try:
            start = names.index(name)
        except ValueError:
            start = int(position) if position.isdigit() else 0  # that user was deleted meanwhile
    page = users[start:start + limit]
    following = start + limit
    next_token = f"{following}:{users[following].username}" if following < len(users) else None
    return page, next_token


def list_users(self):
    if self._get_param("Filter"):
        return _original["list_users"](self)
    pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
    page, token = _page(list(pool.users.values()), self._get_param("PaginationToken"),
                        _limit(self._get_param("Limit")))
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
    "POST", "/cognito/users",
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
        for number, spec in enumerate(body.get("users") or []):
            attributes = [{"Name": name, "Value": str(value)}
                          for name, value in (spec.get("attributes") or {}).items()]
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


def install():
    require(CognitoIdpUserPoolAttribute, "STANDARD_SCHEMA")
    require(CognitoIdpBackend, "describe_user_pool", "get_group")
    _original["pool_init"] = patch(CognitoIdpUserPool, "__init__", pool_init)
    _original["admin_create_user"] = patch(CognitoIdpBackend, "admin_create_user", admin_create_user)
    _original["admin_update_user_attributes"] = patch(CognitoIdpBackend, "admin_update_user_attributes",
                                                      admin_update_user_attributes)
    _original["admin_delete_user_attributes"] = patch(CognitoIdpBackend, "admin_delete_user_attributes",
                                                      admin_delete_user_attributes)
    _original["list_users"] = patch(CognitoIdpResponse, "list_users", list_users)
    _original["list_users_in_group"] = patch(CognitoIdpResponse, "list_users_in_group", list_users_in_group)
