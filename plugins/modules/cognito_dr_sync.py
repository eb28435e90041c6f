#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cognito_dr_sync
version_added: 0.1.0
short_description: Keep a Cognito user pool in the DR region in step with the primary pool
description:
  - Makes the user pool of the module's region (the DR pool) hold the same users and groups as the source
    pool in O(source_region). Cognito has no cross-region replication, and tokens issued in one region are
    not valid in another, so the application switches to the DR pool on failover.
  - It is a diff, not a copy. Both pools are read with paginators, compared, and only the differences are
    written. Missing users are created with C(MessageAction=SUPPRESS) (no invitation is sent),
    changed attributes are updated, the enabled state is mirrored, and groups and group memberships
    are mirrored. With O(purge), users gone from the source are disabled or deleted.
  - Passwords are never read or set (Cognito cannot export them); users of the DR pool reset their
    password at their first sign-in after a failover.
  - Only attributes the DR pool lets you write are copied. C(sub) never is, immutable attributes only when
    a user is created, and attributes the DR pool schema does not have are left out. Differences in
    immutable attributes are counted in RV(counts.immutable_differences).
  - Usernames, emails and other attributes never appear in the result, the diff or error messages unless
    O(show_users=true). Results carry counts.
  - Writes run concurrently (O(max_concurrency)) under a request rate limit (O(max_rps)) that keeps within
    the Cognito quotas of the account.
  - With O(create_user_pool=true) a missing DR pool is created with the source pool's settings (password
    policy, sign-in attributes, schema, MFA, account recovery), and with O(mirror_app_clients=true) the
    source pool's app clients are created in the DR pool (with new secrets).
  - Neither amazon.aws nor community.aws has a Cognito user pool module; this fills that gap for DR.
author:
  - pilotlight.dr contributors
options:
  source_region:
    description:
      - The region of the source (primary) user pool. Must differ from O(region).
      - Not called at all when O(sync_users=false), O(sync_groups=false), O(mirror_app_clients=false) and the
        DR pool exists, which makes the module usable while the primary region is down.
    type: str
    required: true
    version_added: 0.1.0
  source_user_pool_id:
    description:
      - Id of the source user pool. One of O(source_user_pool_id) and O(source_user_pool_name) is needed
        whenever the source is read.
    type: str
    version_added: 0.1.0
  source_user_pool_name:
    description:
      - Name of the source user pool; it must be the only pool with that name in O(source_region).
    type: str
    version_added: 0.1.0
  user_pool_id:
    description:
      - Id of the DR user pool, in the module's region.
    type: str
    version_added: 0.1.0
  user_pool_name:
    description:
      - Name of the DR user pool, in the module's region; it must be the only pool with that name there.
      - Needed to create the pool with O(create_user_pool=true).
    type: str
    version_added: 0.1.0
  create_user_pool:
    description:
      - Create the DR pool, named O(user_pool_name), when it does not exist, with the source pool's settings.
      - Lambda triggers and SES email settings are regional and are not copied; set them on the DR pool.
    type: bool
    default: false
    version_added: 0.1.0
  mirror_app_clients:
    description:
      - Create in the DR pool each app client of the source pool that the DR pool does not have (same name
        and settings, a new secret when the source client has one). Existing DR clients are not changed.
    type: bool
    default: false
    version_added: 0.1.0
  sync_users:
    description:
      - Mirror users (attributes and enabled state).
    type: bool
    default: true
    version_added: 0.1.0
  sync_groups:
    description:
      - Mirror groups (description, precedence, IAM role) and group memberships.
    type: bool
    default: true
    version_added: 0.1.0
  purge:
    description:
      - What to do with DR users whose key is not in the source pool any more.
      - V(none) leaves them, V(disable) disables them (they come back enabled if they reappear),
        V(delete) deletes them (and DR groups that the source does not have).
    type: str
    choices: [none, disable, delete]
    default: none
    version_added: 0.1.0
  match_by:
    description:
      - How users of the two pools are matched.
      - V(auto) uses the source pool's sign-in attribute (C(email) or C(phone_number)) when people sign in
        with it (the username is then a generated id that differs per pool), else the username.
    type: str
    choices: [auto, username, email, phone_number]
    default: auto
    version_added: 0.1.0
  attributes_exclude:
    description:
      - Attributes never copied, for example C(custom:last_login).
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  show_users:
    description:
      - Return the keys (usernames or emails) of the users created, updated, enabled, disabled, deleted and
        failed, and show them in the diff. Off by default because they are personal data.
    type: bool
    default: false
    version_added: 0.1.0
  max_rps:
    description:
      - Most requests per second to each pool. Every write to the DR pool and every page read from either pool
        (C(ListUsers), C(ListGroups), C(ListUsersInGroup)...) counts; the source and DR pools each have their own
        limit, as each region has its own quotas.
      - Cognito's default quotas are 50 requests per second for user creation, 25 for user updates and 30 for
        C(ListUsers) per account and region, shared with the application.
      - Each page read is retried with back-off when Cognito throttles it.
    type: float
    default: 20
    version_added: 0.1.0
notes:
  - Nothing in this module is asynchronous, so it has no O(wait) option.
  - Users created in the DR pool have the status C(FORCE_CHANGE_PASSWORD) until they set a password.
  - Federated source users (status C(EXTERNAL_PROVIDER), signed in through Google, SAML...) are not created as local
    users in the DR pool; the identity provider creates them there at their first sign-in. They are counted in
    RV(counts.skipped_external); their group memberships are not mirrored and DR users with their keys are never
    purged.
  - Identity providers (for example Google) hold secrets and are not copied; add them to the DR pool first if
    the app clients use them.
attributes:
  check_mode:
    support: full
    description: Reads both pools and returns the counts of what would change; makes no write call.
  diff_mode:
    support: full
    description: Shows user and group counts before and after (and user keys only with O(show_users=true)).
extends_documentation_fragment:
  - pilotlight.dr.concurrency
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Create the Tokyo pool like the Seoul one (with its app clients) and copy users and groups
  pilotlight.dr.cognito_dr_sync:
    region: ap-northeast-1
    source_region: ap-northeast-2
    source_user_pool_name: portforge-user-pool
    user_pool_name: portforge-dr-user-pool
    create_user_pool: true
    mirror_app_clients: true
  register: cognito_sync

- name: Show what was done (counts only)
  ansible.builtin.debug:
    var: cognito_sync.counts

- name: Dry run of a nightly sync that also disables users removed from Seoul
  pilotlight.dr.cognito_dr_sync:
    region: ap-northeast-1
    source_region: ap-northeast-2
    source_user_pool_name: portforge-user-pool
    user_pool_name: portforge-dr-user-pool
    purge: disable
    max_rps: 10
  check_mode: true
  register: planned

- name: Nightly sync
  pilotlight.dr.cognito_dr_sync:
    region: ap-northeast-1
    source_region: ap-northeast-2
    source_user_pool_name: portforge-user-pool
    user_pool_name: portforge-dr-user-pool
    purge: disable
    max_rps: 10
  when: planned.changed

- name: On failover, read the DR pool and its app clients from Tokyo only
  pilotlight.dr.cognito_dr_sync:
    region: ap-northeast-1
    source_region: ap-northeast-2
    user_pool_name: portforge-dr-user-pool
    sync_users: false
    sync_groups: false
  register: dr_pool

- name: Point the application at the DR pool
  ansible.builtin.set_fact:
    cognito_user_pool_id: "{{ dr_pool.user_pool.id }}"
    cognito_app_client_id: >-
      {{ (dr_pool.app_clients | selectattr('client_name', 'equalto', 'portforge-client') | first).client_id }}
"""

RETURN = r"""
user_pool:
  description: The DR user pool (id null in check mode when it would be created).
  returned: always
  type: dict
  contains:
    id:
      description: Id of the DR pool.
      type: str
      sample: ap-northeast-1_AbCdEf123
    name:
      description: Name of the DR pool.
      type: str
      sample: portforge-dr-user-pool
    arn:
      description: ARN of the DR pool.
      type: str
      sample: arn:aws:cognito-idp:ap-northeast-1:123456789012:userpool/ap-northeast-1_AbCdEf123
    region:
      description: Region of the DR pool.
      type: str
      sample: ap-northeast-1
    created:
      description: Whether this task created the pool.
      type: bool
      sample: false
source_user_pool:
  description: The source pool, when it was read.
  returned: when the source pool was read
  type: dict
  contains:
    id:
      description: Id of the source pool.
      type: str
      sample: ap-northeast-2_XyZ987654
    name:
      description: Name of the source pool.
      type: str
      sample: portforge-user-pool
    region:
      description: Region of the source pool.
      type: str
      sample: ap-northeast-2
app_clients:
  description: App clients of the DR pool (no secrets), for the application's configuration.
  returned: always
  type: list
  elements: dict
  contains:
    client_name:
      description: Name of the app client.
      type: str
      sample: portforge-client
    client_id:
      description: Id of the app client (null in check mode for one that would be created).
      type: str
      sample: 4tq8f2k0example1h3m9r
    created:
      description: Whether this task created it.
      type: bool
      sample: true
match_by:
  description: How users were matched (after resolving V(auto)).
  returned: always
  type: str
  sample: email
counts:
  description: What the sync did (would do, in check mode). No user data.
  returned: always
  type: dict
  contains:
    source_users:
      description: Users in the source pool, federated ones included (0 when not read).
      type: int
      sample: 10000
    dr_users:
      description: Users in the DR pool at the end (predicted in check mode; 0 when users were not read).
      type: int
      sample: 10000
    created:
      description: Users created.
      type: int
      sample: 12
    updated:
      description: Users whose attributes were changed.
      type: int
      sample: 3
    enabled:
      description: Users enabled again (enabled in the source).
      type: int
      sample: 0
    disabled:
      description: Users disabled (disabled in the source, or gone from it with O(purge=disable)).
      type: int
      sample: 1
    deleted:
      description: Users deleted (O(purge=delete)).
      type: int
      sample: 0
    unchanged:
      description: Matched users that needed nothing.
      type: int
      sample: 9985
    immutable_differences:
      description: Users whose immutable attributes differ; these cannot be changed after creation.
      type: int
      sample: 0
    skipped:
      description: Source users without a value for the match key, or with a duplicate key, not synced.
      type: int
      sample: 0
    skipped_external:
      description:
        - Federated source users (status C(EXTERNAL_PROVIDER)), not synced; the identity provider creates them in
          the DR pool at their first sign-in.
      type: int
      sample: 0
    groups_created:
      description: Groups created.
      type: int
      sample: 1
    groups_updated:
      description: Groups whose description, precedence or role changed.
      type: int
      sample: 0
    groups_deleted:
      description: Groups deleted (O(purge=delete)).
      type: int
      sample: 0
    memberships_added:
      description: Users added to groups.
      type: int
      sample: 12
    memberships_removed:
      description: Users removed from groups.
      type: int
      sample: 0
    failed:
      description: Write calls that failed (the module then fails after doing the rest).
      type: int
      sample: 0
users:
  description: Keys of the users per outcome.
  returned: when O(show_users=true)
  type: dict
  sample: {"created": ["alice@example.com"], "updated": [], "enabled": [], "disabled": [], "deleted": [],
           "failed": []}
"""

import threading

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible_collections.pilotlight.dr.plugins.module_utils import cognito_sync as cs
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import RateLimiter
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import RETRY_DECORATOR

SOURCE_TAG = "pilotlight:source-user-pool"
AWS_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) if "botocore" in globals() else ()

# The list calls the sync reads page by page: (request token, response token, result key), as in
# botocore's cognito-idp paginators. Each page is its own retried call, so a throttled page of a pool
# of a million users is read again, not the whole pool.
PAGES = {
    "list_user_pools": ("NextToken", "NextToken", "UserPools"),
    "list_users": ("PaginationToken", "PaginationToken", "Users"),
    "list_groups": ("NextToken", "NextToken", "Groups"),
    "list_users_in_group": ("NextToken", "NextToken", "Users"),
    "list_user_pool_clients": ("NextToken", "NextToken", "UserPoolClients"),
    "list_identity_providers": ("NextToken", "NextToken", "Providers"),
}


# -- reading -------------------------------------------------------------------------------------------
@RETRY_DECORATOR
def _read_page(client, operation, limiter, request):
    """One page of a list call: retried on throttling (AWSRetry), each attempt within the rate limit.

    Called without ``aws_retry``: RETRY_DECORATOR is this call's one retry layer.
    """
    if limiter is not None:
        limiter.acquire()
    return getattr(client, operation)(**request)


def read_all(client, operation, limiter=None, **request):
    """Every item of a paginated Cognito list call (``PAGES``), page by page."""
    request_token, response_token, key = PAGES[operation]
    items = []
    while True:
        page = _read_page(client, operation, limiter, request)
        items.extend(page.get(key) or [])
        token = page.get(response_token)
        if not token:
            return items
        request = dict(request, **{request_token: token})


def find_pool(client, pool_id=None, name=None, limiter=None):
    """DescribeUserPool's ``UserPool`` for an id or a unique name, or None when there is none."""
    if not pool_id:
        try:
            pools = read_all(client, "list_user_pools", limiter, MaxResults=60)
        except AWS_ERRORS as error:
            raise DRError(f"cannot list the user pools of {client.meta.region_name} to find {name}: {error}; allow "
                          "cognito-idp:ListUserPools, or give the pool id instead of the name", exception=error)
        matches = [pool["Id"] for pool in pools if pool.get("Name") == name]
        if len(matches) > 1:
            raise DRError(f"{len(matches)} user pools are named {name} in {client.meta.region_name}: "
                          "give the pool id instead of the name")
        if not matches:
            return None
        pool_id = matches[0]
    try:
        return client.describe_user_pool(UserPoolId=pool_id, aws_retry=True)["UserPool"]
    except botocore.exceptions.ClientError as error:
        if is_error_code(error, "ResourceNotFoundException"):
            return None
        raise DRError(f"cannot describe user pool {pool_id} in {client.meta.region_name}: {error}", exception=error)


def list_users(client, pool_id, limiter=None):
    return read_all(client, "list_users", limiter, UserPoolId=pool_id)


def list_groups(client, pool_id, limiter=None):
    return read_all(client, "list_groups", limiter, UserPoolId=pool_id)


def list_members(client, pool_id, group, limiter=None):
    return read_all(client, "list_users_in_group", limiter, UserPoolId=pool_id, GroupName=group)


def list_clients(client, pool_id, limiter=None):
    return read_all(client, "list_user_pool_clients", limiter, UserPoolId=pool_id, MaxResults=60)


def read_everything(jobs, workers):
    """Run the read jobs ({name: callable}) side by side; {name: result}."""
    outcomes = run_concurrently(lambda name: jobs[name](), list(jobs), max(2, workers))
    for outcome in outcomes:
        if not outcome.ok:
            error = outcome.error
            if isinstance(error, DRError):
                raise error
            raise DRError(f"cannot read {outcome.item}: {error}",
                          exception=error if isinstance(error, botocore.exceptions.ClientError) else None)
    return {outcome.item: outcome.value for outcome in outcomes}


# -- writing -------------------------------------------------------------------------------------------
class Writer:
    """Writes to the DR pool side by side under the rate limit; collects failures without user data."""

    def __init__(self, client, pool_id, limiter, workers):
        self.client = client
        self.pool_id = pool_id
        self.limiter = limiter  # shared with the reads of the DR pool
        self.workers = workers
        self.failures = []  # (action, key, error code, message)
        self.lock = threading.Lock()

    def run(self, items, call):
        """``items`` are (action, key, sensitive values, args); returns the set of (action, key) done."""

        def task(item):
            self.limiter.acquire()
            return call(item[0], *item[3])

        done = {}
        for outcome in run_concurrently(task, items, self.workers):
            action, key, sensitive, _ = outcome.item
            if outcome.ok:
                done[(action, key)] = outcome.value
            else:
                message = str(outcome.error)
                if isinstance(outcome.error, botocore.exceptions.ClientError):
                    message = outcome.error.response.get("Error", {}).get("Message", message)
                with self.lock:
                    self.failures.append((action, key, error_code(outcome.error) or type(outcome.error).__name__,
                                          cs.scrub(message, sensitive)))
        return done

    def call(self, action, *args):
        pool = self.pool_id
        client = self.client
        if action == "create_user":
            username, attributes = args
            response = client.admin_create_user(
                UserPoolId=pool, Username=username, MessageAction="SUPPRESS",
                UserAttributes=[{"Name": name, "Value": value} for name, value in sorted(attributes.items())],
                aws_retry=True)
            return response["User"]["Username"]
        if action == "update_user":
            username, diff = args
            if diff.set:
                client.admin_update_user_attributes(
                    UserPoolId=pool, Username=username,
                    UserAttributes=[{"Name": name, "Value": value} for name, value in sorted(diff.set.items())],
                    aws_retry=True)
            if diff.delete:
                client.admin_delete_user_attributes(UserPoolId=pool, Username=username,
                                                    UserAttributeNames=diff.delete, aws_retry=True)
        elif action == "enable_user":
            client.admin_enable_user(UserPoolId=pool, Username=args[0], aws_retry=True)
        elif action in ("disable_user", "purge_disable"):
            client.admin_disable_user(UserPoolId=pool, Username=args[0], aws_retry=True)
        elif action == "delete_user":
            client.admin_delete_user(UserPoolId=pool, Username=args[0], aws_retry=True)
        elif action == "add_member":
            client.admin_add_user_to_group(UserPoolId=pool, Username=args[1], GroupName=args[0], aws_retry=True)
        elif action == "remove_member":
            client.admin_remove_user_from_group(UserPoolId=pool, Username=args[1], GroupName=args[0],
                                                aws_retry=True)
        elif action in ("create_group", "update_group"):
            group = args[0]
            request = {"UserPoolId": pool, "GroupName": group["GroupName"],
                       "Description": group.get("Description") or ""}
            if group.get("Precedence") is not None:
                request["Precedence"] = group["Precedence"]
            if group.get("RoleArn"):
                request["RoleArn"] = group["RoleArn"]
            getattr(client, action)(aws_retry=True, **request)
        elif action == "delete_group":
            client.delete_group(UserPoolId=pool, GroupName=args[0], aws_retry=True)
        return None


def _sensitive(key, user):
    values = {key, user.get("Username")} if user else {key}
    if user:
        values.update(cs.user_attributes(user).values())
    return values


# -- the sync ------------------------------------------------------------------------------------------
class Sync:
    def __init__(self, module, params):
        self.module = module
        self.params = params
        self.region = module.region
        self.dr = None
        self.match_by = params["match_by"]
        self.source = None
        self.source_pool = None
        self.dr_pool = None
        self.pool_created = False
        # max_rps holds for each pool (each region has its own Cognito quotas): reads and writes alike
        self.dr_limiter = RateLimiter(params["max_rps"])
        self.source_limiter = RateLimiter(params["max_rps"])
        self.counts = dict.fromkeys(
            ("source_users", "dr_users", "created", "updated", "enabled", "disabled", "deleted", "unchanged",
             "immutable_differences", "skipped", "skipped_external", "groups_created", "groups_updated",
             "groups_deleted", "memberships_added", "memberships_removed", "failed"), 0)
        self.keys = {name: [] for name in ("created", "updated", "enabled", "disabled", "deleted")}
        self.clients = []
        self.before = {}
        self.after = {}

    # -- input and pools --------------------------------------------------------------------------
    def needs_source(self, dr_pool_missing):
        params = self.params
        return params["sync_users"] or params["sync_groups"] or params["mirror_app_clients"] or dr_pool_missing

    def validate(self):
        params = self.params
        problems = []
        if not self.region:
            problems.append("region is not set: set region to the DR region (for example ap-northeast-1)")
        if params["max_rps"] is None or params["max_rps"] <= 0:
            problems.append(f"max_rps must be more than 0, got {params['max_rps']}")
        if params["max_concurrency"] < 1:
            problems.append(f"max_concurrency must be at least 1, got {params['max_concurrency']}")
        if params["create_user_pool"] and not params["user_pool_name"]:
            problems.append("create_user_pool needs user_pool_name, the name of the DR pool to create")
        if problems:
            raise DRError("; ".join(problems))

    def resolve_pools(self):
        params = self.params
        self.dr = self.module.client("cognito-idp")
        self.dr_pool = find_pool(self.dr, params["user_pool_id"], params["user_pool_name"], self.dr_limiter)
        wanted = params["user_pool_id"] or params["user_pool_name"]
        if self.dr_pool is None and not params["create_user_pool"]:
            raise DRError(f"DR user pool {wanted} not found in {self.region}: create it, set create_user_pool=true "
                          "(with user_pool_name), or fix user_pool_id/user_pool_name")
        if self.dr_pool is None and params["user_pool_id"]:
            raise DRError(f"DR user pool {params['user_pool_id']} not found in {self.region}: a pool cannot be "
                          "created with a given id; use user_pool_name with create_user_pool=true")
        if not self.needs_source(self.dr_pool is None):
            return
        if not (params["source_user_pool_id"] or params["source_user_pool_name"]):
            raise DRError("source_user_pool_id or source_user_pool_name is needed to read the source pool")
        self.source = self.module.client("cognito-idp", region=params["source_region"])
        self.source_pool = find_pool(self.source, params["source_user_pool_id"], params["source_user_pool_name"],
                                     self.source_limiter)
        if self.source_pool is None:
            wanted = params["source_user_pool_id"] or params["source_user_pool_name"]
            raise DRError(f"source user pool {wanted} not found in {params['source_region']}: fix "
                          "source_user_pool_id/source_user_pool_name or source_region")
        self.match_by = cs.resolve_match_by(params["match_by"], self.source_pool)
        problem = cs.check_pools_compatible(self.source_pool, self.dr_pool or self.source_pool, self.match_by)
        if problem:
            raise DRError(problem)

    # -- planning ------------------------------------------------------------------------------------
    def read(self):
        params = self.params
        workers = params["max_concurrency"]
        jobs = {}
        source_id = self.source_pool["Id"] if self.source_pool else None
        dr_id = self.dr_pool["Id"] if self.dr_pool else None
        source, dr, source_rate, dr_rate = self.source, self.dr, self.source_limiter, self.dr_limiter
        if params["sync_users"] or params["sync_groups"]:
            jobs["source users"] = lambda: list_users(source, source_id, source_rate)
            jobs["DR users"] = (lambda: list_users(dr, dr_id, dr_rate)) if dr_id else list
        if params["sync_groups"]:
            jobs["source groups"] = lambda: list_groups(source, source_id, source_rate)
            jobs["DR groups"] = (lambda: list_groups(dr, dr_id, dr_rate)) if dr_id else list
        if params["mirror_app_clients"]:
            jobs["source app clients"] = lambda: list_clients(source, source_id, source_rate)
        if dr_id:
            jobs["DR app clients"] = lambda: list_clients(dr, dr_id, dr_rate)
        data = read_everything(jobs, workers)
        if params["sync_groups"]:
            members = {}
            for group in data["source groups"]:
                name = group["GroupName"]
                members[f"source members of {name}"] = (lambda n=name: list_members(source, source_id, n, source_rate))
            for group in data["DR groups"]:
                name = group["GroupName"]
                members[f"DR members of {name}"] = (lambda n=name: list_members(dr, dr_id, n, dr_rate))
            data.update(read_everything(members, workers))
        return data

    def plan(self, data):
        params = self.params
        plan = {"users": None, "groups": ([], [], []), "memberships": ([], [])}
        if not (params["sync_users"] or params["sync_groups"]):
            return plan
        schema = cs.pool_schema(self.dr_pool or self.source_pool)
        users = cs.plan_users(data["source users"], data["DR users"], schema, self.match_by,
                              params["attributes_exclude"], params["purge"] if params["sync_users"] else "none")
        if not params["sync_users"]:  # groups only: memberships of users that exist in both pools
            users.create, users.update, users.enable, users.disable = [], [], [], []
        plan["users"] = users
        if params["sync_groups"]:
            plan["groups"] = cs.plan_groups(data["source groups"], data["DR groups"], params["purge"])
            source_members, dr_members = {}, {}
            for group in data["source groups"]:
                name = group["GroupName"]
                source_members[name] = {key for key in (cs.user_key(user, self.match_by)
                                                        for user in data[f"source members of {name}"]) if key}
            for group in data["DR groups"]:
                name = group["GroupName"]
                dr_members[name] = {cs.user_key(user, self.match_by): user["Username"]
                                    for user in data[f"DR members of {name}"] if cs.user_key(user, self.match_by)}
            source_keys = {key for key in (cs.user_key(user, self.match_by) for user in data["source users"]) if key}
            # federated source users are not synced: neither are their memberships
            source_keys -= users.external_keys
            source_members = {group: keys - users.external_keys for group, keys in source_members.items()}
            if not params["sync_users"]:
                existing = set(users.dr_usernames)
                source_members = {group: keys & existing for group, keys in source_members.items()}
            adds, removes = cs.plan_memberships(source_members, dr_members, source_keys,
                                                [key for key, _ in users.delete])
            plan["memberships"] = (adds, removes)
            plan["dr_members"] = dr_members
        return plan

    # -- applying ---------------------------------------------------------------------------------------
    def create_pool(self):
        name, source_id, region = self.params["user_pool_name"], self.source_pool["Id"], self.region
        request = cs.create_pool_request(self.source_pool, name, {SOURCE_TAG: source_id})
        try:
            self.dr_limiter.acquire()
            pool = self.dr.create_user_pool(aws_retry=True, **request)["UserPool"]
        except AWS_ERRORS as error:
            raise DRError(f"cannot create DR user pool {name} in {region} like source pool {source_id}: {error}; "
                          "check cognito-idp:CreateUserPool permissions and the user pool quota of the region, or "
                          f"create the pool yourself (settings of {source_id} that {region} refuses)", exception=error)
        self.pool_created = True
        if self.source_pool.get("MfaConfiguration", "OFF") != "OFF":
            try:
                mfa = self.source.get_user_pool_mfa_config(UserPoolId=source_id, aws_retry=True)
            except AWS_ERRORS as error:
                raise DRError(f"created DR user pool {name} ({pool['Id']}) in {region}, but cannot read the MFA "
                              f"configuration of source pool {source_id} in {self.params['source_region']}: {error}; "
                              "allow cognito-idp:GetUserPoolMfaConfig, then set MFA on the DR pool yourself",
                              exception=error)
            settings = {key: mfa[key] for key in ("SmsMfaConfiguration", "SoftwareTokenMfaConfiguration",
                                                  "EmailMfaConfiguration") if mfa.get(key)}
            try:
                self.dr_limiter.acquire()
                self.dr.set_user_pool_mfa_config(UserPoolId=pool["Id"], MfaConfiguration=mfa["MfaConfiguration"],
                                                 aws_retry=True, **settings)
            except AWS_ERRORS as error:
                raise DRError(f"created DR user pool {name} ({pool['Id']}) in {region}, but cannot set its MFA "
                              f"configuration ({mfa['MfaConfiguration']}, as source pool {source_id}): {error}; SMS "
                              f"MFA needs an SNS role and SMS settings valid in {region}: set MFA on the DR pool "
                              "yourself (a new run finds the pool by name and does not set MFA again)",
                              exception=error)
        if (self.source_pool.get("LambdaConfig") or {}):
            self.module.warn("the source user pool has Lambda triggers; they are regional and were not copied to "
                             "the DR pool: add them there")
        try:
            self.dr_pool = self.dr.describe_user_pool(UserPoolId=pool["Id"], aws_retry=True)["UserPool"]
        except AWS_ERRORS as error:
            raise DRError(f"created DR user pool {name} ({pool['Id']}) in {region} but cannot describe it: {error}; "
                          "allow cognito-idp:DescribeUserPool and run again", exception=error)

    def mirror_clients(self, data):
        dr_clients = {client["ClientName"]: client["ClientId"] for client in data.get("DR app clients", [])}
        missing = [client for client in data.get("source app clients", []) if client["ClientName"] not in dr_clients]
        created = {}
        if missing and not self.module.check_mode:
            dr_id, source_id, region = self.dr_pool["Id"], self.source_pool["Id"], self.region
            try:
                providers = [provider["ProviderName"] for provider in
                             read_all(self.dr, "list_identity_providers", self.dr_limiter, UserPoolId=dr_id)]
            except AWS_ERRORS as error:
                raise DRError(f"cannot list the identity providers of DR user pool {dr_id} in {region}: {error}; "
                              "allow cognito-idp:ListIdentityProviders", exception=error)
            for client in missing:
                name = client["ClientName"]
                try:
                    self.source_limiter.acquire()
                    described = self.source.describe_user_pool_client(
                        UserPoolId=source_id, ClientId=client["ClientId"], aws_retry=True)["UserPoolClient"]
                except AWS_ERRORS as error:
                    raise DRError(f"cannot describe app client {name} of source user pool {source_id} in "
                                  f"{self.params['source_region']}: {error}; allow cognito-idp:DescribeUserPoolClient",
                                  exception=error)
                request = cs.create_client_request(described, dr_id, providers)
                try:
                    self.dr_limiter.acquire()
                    response = self.dr.create_user_pool_client(aws_retry=True, **request)["UserPoolClient"]
                except AWS_ERRORS as error:
                    raise DRError(f"cannot create app client {name} in DR user pool {dr_id} ({region}): {error}; "
                                  "check that its settings are valid in the DR pool (OAuth flows need a domain, "
                                  "identity providers must exist there) and cognito-idp:CreateUserPoolClient "
                                  "permissions", exception=error)
                created[name] = response["ClientId"]
        self.clients = [{"client_name": name, "client_id": client_id, "created": False}
                        for name, client_id in sorted(dr_clients.items())]
        self.clients += [{"client_name": client["ClientName"], "client_id": created.get(client["ClientName"]),
                          "created": True} for client in missing]

    def apply(self, plan):
        params = self.params
        users = plan["users"]
        writer = Writer(self.dr, self.dr_pool["Id"], self.dr_limiter, params["max_concurrency"])
        create_groups, update_groups, delete_groups = plan["groups"]
        done = writer.run([("create_group", g["GroupName"], (), (g,)) for g in create_groups]
                          + [("update_group", g["GroupName"], (), (g,)) for g in update_groups], writer.call)
        created_usernames = {}
        if users is not None and users.create:
            schema, exclude = cs.pool_schema(self.dr_pool), set(params["attributes_exclude"])
            items = [("create_user", key, _sensitive(key, user),
                      (cs.dr_username_for_create(key, user, self.match_by, self.dr_pool),
                       cs.creation_attributes(cs.user_attributes(user), schema, exclude)))
                     for key, user in users.create]
            created = writer.run(items, writer.call)
            created_usernames = {key: username for (_, key), username in created.items()}
            done.update(created)
        usernames = dict(users.dr_usernames if users else {}, **created_usernames)
        second = []
        if users is not None:
            second += [("disable_user", key, {key}, (created_usernames[key],)) for key, user in users.create
                       if key in created_usernames and not user.get("Enabled", True)]
            second += [("update_user", key, {key, name} | set(diff.set.values()), (name, diff))
                       for key, name, diff in users.update]
            second += [("enable_user", key, {key, name}, (name,)) for key, name in users.enable]
            second += [("disable_user", key, {key, name}, (name,)) for key, name in users.disable]
            second += [("purge_disable", key, {key, name}, (name,)) for key, name in users.purge_disable]
            second += [("delete_user", key, {key, name}, (name,)) for key, name in users.delete]
        adds, removes = plan["memberships"]
        second += [("add_member", key, {key}, (group, usernames[key])) for group, key in adds if key in usernames]
        second += [("remove_member", name, {name}, (group, name)) for group, name in removes]
        second += [("delete_group", name, (), (name,)) for name in delete_groups]
        done.update(writer.run(second, writer.call))
        return done, writer.failures

    # -- results ------------------------------------------------------------------------------------------
    def count(self, plan, done=None, failures=()):
        """Fill counts (and keys) from the plan, or from what was done when ``done`` is given."""
        def ok(action, key):
            return done is None or (action, key) in done

        users = plan["users"]
        counts = self.counts
        if users is not None:
            counts["created"] = sum(ok("create_user", key) for key, _ in users.create)
            counts["updated"] = sum(ok("update_user", key) for key, _, _ in users.update)
            counts["enabled"] = sum(ok("enable_user", key) for key, _ in users.enable)
            disabled = [key for key, _ in users.disable if ok("disable_user", key)]
            disabled += [key for key, _ in users.purge_disable if ok("purge_disable", key)]
            counts["disabled"] = len(disabled)
            counts["deleted"] = sum(ok("delete_user", key) for key, _ in users.delete)
            counts["unchanged"] = users.unchanged
            counts["immutable_differences"] = len(users.immutable)
            counts["skipped"] = users.source_without_key + users.duplicate_keys
            counts["skipped_external"] = users.skipped_external
            self.keys = {
                "created": sorted(key for key, _ in users.create if ok("create_user", key)),
                "updated": sorted(key for key, _, _ in users.update if ok("update_user", key)),
                "enabled": sorted(key for key, _ in users.enable if ok("enable_user", key)),
                "disabled": sorted(disabled),
                "deleted": sorted(key for key, _ in users.delete if ok("delete_user", key)),
            }
        create_groups, update_groups, delete_groups = plan["groups"]
        counts["groups_created"] = sum(ok("create_group", g["GroupName"]) for g in create_groups)
        counts["groups_updated"] = sum(ok("update_group", g["GroupName"]) for g in update_groups)
        counts["groups_deleted"] = sum(ok("delete_group", name) for name in delete_groups)
        adds, removes = plan["memberships"]
        counts["memberships_added"] = sum(ok("add_member", key) for _, key in adds)
        counts["memberships_removed"] = sum(ok("remove_member", name) for _, name in removes)
        counts["failed"] = len(failures)

    def states(self, data, plan):
        """Before/after views for --diff (counts; user keys only with show_users)."""
        if not (self.params["sync_users"] or self.params["sync_groups"]):
            return
        dr_users = data["DR users"]
        dr_groups = sorted(group["GroupName"] for group in data.get("DR groups", []))
        counts = self.counts
        counts["source_users"] = len(data["source users"])
        counts["dr_users"] = len(dr_users) + counts["created"] - counts["deleted"]
        memberships = sum(len(members) for members in plan.get("dr_members", {}).values())
        create_groups, _, delete_groups = plan["groups"]
        self.before = {"users": len(dr_users), "groups": dr_groups, "memberships": memberships}
        self.after = {
            "users": counts["dr_users"],
            "groups": sorted(set(dr_groups) - set(delete_groups) | {g["GroupName"] for g in create_groups}),
            "memberships": memberships + counts["memberships_added"] - counts["memberships_removed"],
        }
        if self.params["show_users"]:
            keys = sorted(key for key in (cs.user_key(user, self.match_by) for user in dr_users) if key)
            self.before["user_keys"] = keys
            self.after["user_keys"] = sorted((set(keys) | set(self.keys["created"])) - set(self.keys["deleted"]))

    def result(self, failures):
        params = self.params
        pool = self.dr_pool or {}
        changed = self.pool_created or any(client["created"] for client in self.clients) or any(
            self.counts[name] for name in ("created", "updated", "enabled", "disabled", "deleted", "groups_created",
                                           "groups_updated", "groups_deleted", "memberships_added",
                                           "memberships_removed"))
        result = {
            "changed": bool(changed),
            "user_pool": {"id": pool.get("Id"), "name": pool.get("Name") or params["user_pool_name"],
                          "arn": pool.get("Arn"), "region": self.region, "created": self.pool_created},
            "app_clients": self.clients,
            "match_by": getattr(self, "match_by", params["match_by"]),
            "counts": self.counts,
        }
        if self.source_pool:
            result["source_user_pool"] = {"id": self.source_pool["Id"], "name": self.source_pool.get("Name"),
                                          "region": params["source_region"]}
        if params["show_users"]:
            result["users"] = dict(self.keys, failed=[
                {"user": key, "action": action, "error": f"{code}: {message}"}
                for action, key, code, message in failures])
        if self.module._diff and self.before:
            result["diff"] = make_diff(self.before, self.after)
        return result


def failure_message(failures, show_users):
    by_action = {}
    for action, key, code, message in failures:
        by_action.setdefault(action, []).append((key, code, message))
    parts = []
    for action, entries in sorted(by_action.items()):
        key, code, message = entries[0]
        who = f" (first: {key})" if show_users else ""
        parts.append(f"{action} failed for {len(entries)} item(s){who}: {code}: {message}")
    return ("the DR pool is not fully in sync; " + "; ".join(parts)
            + ". Fix the cause (schema, quotas, permissions) and run again: only the differences are retried")


def run(module, params):
    sync = Sync(module, params)
    sync.validate()
    sync.resolve_pools()
    if sync.dr_pool is None and module.check_mode:
        sync.pool_created = True  # predicted
    data = sync.read() if (sync.source_pool or sync.dr_pool) else {}
    plan = sync.plan(data)
    if module.check_mode:
        sync.count(plan)
        sync.mirror_clients(data)
        sync.states(data, plan)
        return sync.result([])
    if sync.dr_pool is None:
        sync.create_pool()
    sync.mirror_clients(data)
    done, failures = sync.apply(plan) if (params["sync_users"] or params["sync_groups"]) else ({}, [])
    sync.count(plan, done, failures)
    sync.states(data, plan)
    result = sync.result(failures)
    if failures:
        raise DRError(failure_message(failures, params["show_users"]), **result)
    return result


def main():
    argument_spec = dict(
        source_region=dict(type="str", required=True),
        source_user_pool_id=dict(type="str"),
        source_user_pool_name=dict(type="str"),
        user_pool_id=dict(type="str"),
        user_pool_name=dict(type="str"),
        create_user_pool=dict(type="bool", default=False),
        mirror_app_clients=dict(type="bool", default=False),
        sync_users=dict(type="bool", default=True),
        sync_groups=dict(type="bool", default=True),
        purge=dict(type="str", choices=list(cs.PURGE_CHOICES), default="none"),
        match_by=dict(type="str", choices=["auto", "username", "email", "phone_number"], default="auto"),
        attributes_exclude=dict(type="list", elements="str", default=[]),
        show_users=dict(type="bool", default=False),
        max_rps=dict(type="float", default=20),
        max_concurrency=dict(type="int", default=8),
    )
    module = PilotLightModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_one_of=[("user_pool_id", "user_pool_name")],
        mutually_exclusive=[("user_pool_id", "user_pool_name"), ("source_user_pool_id", "source_user_pool_name")],
    )
    module.require_distinct_regions(source_region=module.params["source_region"], region=module.region)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
