# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading user pools: paged list calls, finding a pool by id or name, both pools read side by side.

Each page is its own retried call within the pool's rate limit, so a throttled page of a pool of a
million users is read again, not the whole pool. A read that fails raises (DRError or the AWS
error); it never returns "no users".
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import raise_failures
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import RETRY_DECORATOR

# The list calls read page by page: (request token, response token, result key), as in botocore's
# cognito-idp paginators.
PAGES = {
    "list_user_pools": ("NextToken", "NextToken", "UserPools"),
    "list_users": ("PaginationToken", "PaginationToken", "Users"),
    "list_groups": ("NextToken", "NextToken", "Groups"),
    "list_users_in_group": ("NextToken", "NextToken", "Users"),
    "list_user_pool_clients": ("NextToken", "NextToken", "UserPoolClients"),
    "list_identity_providers": ("NextToken", "NextToken", "Providers"),
}


class AmbiguousPoolName(DRError):
    """More than one pool has the name: a configuration problem, not a failed read."""


class PoolAccess:
    """One pool as the reads see it: its client, its id (None when it does not exist) and its rate limit.

    Each region has its own Cognito quotas, so each pool has its own limiter, shared by its reads and writes.
    """

    __slots__ = ("client", "pool_id", "limiter")

    def __init__(self, client, pool_id, limiter=None):
        self.client = client
        self.pool_id = pool_id
        self.limiter = limiter


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


@DRErrorHandler.reader("describe user pool {1} in {0.meta.region_name}", missing=("ResourceNotFoundException",))
def describe_pool(client, pool_id):
    """DescribeUserPool's ``UserPool``, or None when there is no such pool."""
    return client.describe_user_pool(UserPoolId=pool_id, aws_retry=True)["UserPool"]


def find_pool(client, pool_id=None, name=None, limiter=None):
    """DescribeUserPool's ``UserPool`` for an id or a unique name, or None when there is none."""
    if not pool_id:
        region = client.meta.region_name
        with aws_errors(
            f"list the user pools of {region} to find {name}",
            "allow cognito-idp:ListUserPools, or give the pool id instead of the name",
        ):
            pools = read_all(client, "list_user_pools", limiter, MaxResults=60)
        matches = [pool["Id"] for pool in pools if pool.get("Name") == name]
        if len(matches) > 1:
            raise AmbiguousPoolName(
                f"{len(matches)} user pools are named {name} in {region}: give the pool id instead of the name"
            )
        if not matches:
            return None
        pool_id = matches[0]
    return describe_pool(client, pool_id)


def list_users(client, pool_id, limiter=None):
    return read_all(client, "list_users", limiter, UserPoolId=pool_id)


def list_groups(client, pool_id, limiter=None):
    return read_all(client, "list_groups", limiter, UserPoolId=pool_id)


def list_members(client, pool_id, group, limiter=None):
    return read_all(client, "list_users_in_group", limiter, UserPoolId=pool_id, GroupName=group)


def list_clients(client, pool_id, limiter=None):
    return read_all(client, "list_user_pool_clients", limiter, UserPoolId=pool_id, MaxResults=60)


def read_everything(jobs, workers):
    """Run the read jobs ({name: callable}) side by side; {name: result}, or one DRError naming the failed ones."""
    outcomes = run_concurrently(lambda name: jobs[name](), list(jobs), max(2, workers))
    raise_failures(outcomes, "cannot read the user pools", label=str)
    return {outcome.item: outcome.value for outcome in outcomes}


def read_pools(source, dr, users=True, groups=True, source_clients=False, workers=8):
    """What the diff needs from both pools (``PoolAccess``), read side by side.

    Keys: "source users" and "DR users" (with ``users`` or ``groups``), "source groups", "DR groups",
    "source members of <group>" and "DR members of <group>" (with ``groups``), "source app clients"
    (with ``source_clients``), "DR app clients" (when the DR pool exists). A DR pool that does not
    exist yet (``dr.pool_id`` None) reads as empty.
    """
    jobs = {}
    dr_id = dr.pool_id

    def dr_read(fn):
        return (lambda: fn(dr.client, dr_id, dr.limiter)) if dr_id else list

    if users or groups:
        jobs["source users"] = lambda: list_users(source.client, source.pool_id, source.limiter)
        jobs["DR users"] = dr_read(list_users)
    if groups:
        jobs["source groups"] = lambda: list_groups(source.client, source.pool_id, source.limiter)
        jobs["DR groups"] = dr_read(list_groups)
    if source_clients:
        jobs["source app clients"] = lambda: list_clients(source.client, source.pool_id, source.limiter)
    if dr_id:
        jobs["DR app clients"] = dr_read(list_clients)
    data = read_everything(jobs, workers)
    if groups:
        members = {}
        for group in data["source groups"]:
            name = group["GroupName"]
            members[f"source members of {name}"] = lambda n=name: list_members(
                source.client, source.pool_id, n, source.limiter
            )
        for group in data["DR groups"]:
            name = group["GroupName"]
            members[f"DR members of {name}"] = lambda n=name: list_members(dr.client, dr_id, n, dr.limiter)
        data.update(read_everything(members, workers))
    return data
