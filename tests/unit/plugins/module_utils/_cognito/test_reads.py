"""Reading user pools: every page, each throttled page again within the rate limit, errors that say the fix."""

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import reads
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError


class PagedClient:
    """A Cognito client that answers list calls in pages of one and throttles the calls numbered in ``throttle``."""

    def __init__(self, items=(), throttle=(), fail=None, region="ap-northeast-1"):
        self.items = list(items)
        self.throttle = set(throttle)
        self.fail = fail or {}
        self.calls = []
        self.meta = type("Meta", (), {"region_name": region})()

    def _error(self, code, operation):
        from botocore.exceptions import ClientError

        return ClientError({"Error": {"Code": code, "Message": "no"}}, operation)

    def _list(self, operation, request, token_in, token_out, key):
        assert "aws_retry" not in request  # RETRY_DECORATOR is the one retry layer of a page read
        self.calls.append((operation, dict(request)))
        if len(self.calls) in self.throttle:
            raise self._error("TooManyRequestsException", operation)
        if operation in self.fail:
            raise self._error(self.fail[operation], operation)
        start = int(request.get(token_in) or 0)
        page = {key: self.items[start : start + 1]}
        if start + 1 < len(self.items):
            page[token_out] = str(start + 1)
        return page

    def describe_user_pool(self, UserPoolId, **kwargs):
        if "describe_user_pool" in self.fail:
            raise self._error(self.fail["describe_user_pool"], "DescribeUserPool")
        return {"UserPool": {"Id": UserPoolId}}

    def __getattr__(self, operation):
        if operation not in reads.PAGES:
            raise AttributeError(operation)
        token_in, token_out, key = reads.PAGES[operation]
        return lambda **request: self._list(operation, request, token_in, token_out, key)


class CountingLimiter:
    def __init__(self):
        self.acquired = 0

    def acquire(self):
        self.acquired += 1
        return 0.0


@pytest.fixture
def no_sleep(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def test_page_tokens_are_those_of_the_botocore_paginators():
    import botocore.session

    model = botocore.session.get_session().get_paginator_model("cognito-idp")
    for operation, (token_in, token_out, key) in reads.PAGES.items():
        config = model.get_paginator("".join(part.capitalize() for part in operation.split("_")))
        assert (config["input_token"], config["output_token"], config["result_key"]) == (token_in, token_out, key)


def test_every_page_is_read_each_throttled_page_again_within_the_rate_limit(no_sleep):
    users = [{"Username": f"u{i}"} for i in range(5)]
    client = PagedClient(users, throttle={2, 3, 5})
    limiter = CountingLimiter()
    assert reads.list_users(client, "pool", limiter) == users
    assert len(client.calls) == 8  # 5 pages + 3 throttled attempts, the throttled page read again
    assert [request.get("PaginationToken") for _dummy, request in client.calls] == [
        None,
        "1",
        "1",
        "1",
        "2",
        "2",
        "3",
        "4",
    ]
    assert limiter.acquired == 8  # every attempt counts against max_rps


@pytest.mark.parametrize(
    "reader, operation, extra",
    [
        ("list_groups", "list_groups", ()),
        ("list_members", "list_users_in_group", ("admins",)),
        ("list_clients", "list_user_pool_clients", ()),
    ],
)
def test_group_member_and_client_reads_are_paged_and_retried(no_sleep, reader, operation, extra):
    client = PagedClient([{"n": 1}, {"n": 2}], throttle={1})
    assert getattr(reads, reader)(client, "pool", *extra) == [{"n": 1}, {"n": 2}]
    assert {name for name, _dummy in client.calls} == {operation} and len(client.calls) == 3


def test_listing_pools_to_find_one_by_name_is_paged_and_its_errors_explained(no_sleep):
    client = PagedClient([{"Id": "p1", "Name": "other"}, {"Id": "p2", "Name": "dr"}], throttle={1})
    client.describe_user_pool = lambda UserPoolId, aws_retry: {"UserPool": {"Id": UserPoolId}}
    assert reads.find_pool(client, name="dr") == {"Id": "p2"}
    denied = PagedClient(fail={"list_user_pools": "AccessDeniedException"})
    with pytest.raises(DRError) as caught:
        reads.find_pool(denied, name="dr")
    assert "cannot list the user pools of ap-northeast-1 to find dr" in caught.value.message
    assert "ListUserPools" in caught.value.message and caught.value.exception is not None


def test_a_pool_name_used_twice_is_a_configuration_error_not_a_failed_read(no_sleep):
    client = PagedClient([{"Id": "p1", "Name": "dr"}, {"Id": "p2", "Name": "dr"}])
    with pytest.raises(reads.AmbiguousPoolName, match="2 user pools are named dr in ap-northeast-1"):
        reads.find_pool(client, name="dr")


def test_a_missing_pool_is_none_and_other_describe_errors_raise(no_sleep):
    client = PagedClient(fail={"describe_user_pool": "ResourceNotFoundException"})
    assert reads.find_pool(client, pool_id="ap-northeast-1_gone") is None
    denied = PagedClient(fail={"describe_user_pool": "AccessDeniedException"})
    with pytest.raises(DRError, match="cannot describe user pool ap-northeast-1_x in ap-northeast-1"):
        reads.find_pool(denied, pool_id="ap-northeast-1_x")


def test_read_pools_names_the_failed_read():
    source = reads.PoolAccess(PagedClient([{"Username": "a"}]), "src")
    dr = reads.PoolAccess(PagedClient(fail={"list_users": "AccessDeniedException"}), "dr")
    with pytest.raises(DRError, match="cannot read the user pools: DR users: .*AccessDeniedException"):
        reads.read_pools(source, dr, groups=False)


def test_read_pools_reads_a_missing_dr_pool_as_empty():
    groups = PagedClient([{"GroupName": "admins"}])
    source = reads.PoolAccess(groups, "src")
    dr = reads.PoolAccess(PagedClient(), None)
    data = reads.read_pools(source, dr)
    assert data["DR users"] == [] and data["DR groups"] == [] and "DR app clients" not in data
    assert data["source groups"] == [{"GroupName": "admins"}]
    assert data["source members of admins"] == [{"GroupName": "admins"}]  # the fake answers every list alike
