"""The emulator refuses to start on a moto it was not written for."""

import pytest

from tests.emulator import core
from tests.emulator.extensions import check_moto_version
from tests.emulator.requestinfo import is_mutating
from tests.emulator.requestinfo import rest_action
from tests.emulator.requestinfo import signing_scope


def test_moto_outside_the_supported_range_is_refused():
    assert check_moto_version("5.2.5") == "5.2.5"
    with pytest.raises(core.ExtensionError, match="support moto"):
        check_moto_version("5.3.0")
    with pytest.raises(core.ExtensionError, match="support moto"):
        check_moto_version("4.2.14")


def test_patching_a_missing_moto_attribute_fails_loudly():
    class Backend:
        def describe_table(self):
            return "original"

    original = core.patch(Backend, "describe_table", lambda self: "patched")
    assert Backend().describe_table() == "patched"
    assert original(None) == "original"
    with pytest.raises(core.ExtensionError, match="moto changed"):
        core.patch(Backend, "describe_global_table", lambda self: None)


@pytest.mark.parametrize(
    "action, method, expected",
    [
        ("PutItem", "POST", True),
        ("DescribeTable", "POST", False),
        ("AdminGetUser", "POST", False),
        ("AdminCreateUser", "POST", True),
        ("BatchGetImage", "POST", False),
        ("TestDNSAnswer", "GET", False),
        (None, "GET", False),
        (None, "PUT", True),
    ],
)
def test_mutating_classification(action, method, expected):
    assert is_mutating(action, method) is expected


def test_signing_scope_reads_header_and_presigned_query():
    header = (
        "AWS4-HMAC-SHA256 Credential=testing/20261122/ap-northeast-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=abc"
    )
    assert signing_scope(header) == ("dynamodb", "ap-northeast-1")
    query = "X-Amz-Credential=testing%2F20261122%2Fap-northeast-2%2Fs3%2Faws4_request&X-Amz-Signature=x"
    assert signing_scope(None, query) == ("s3", "ap-northeast-2")
    assert signing_scope(None) == (None, None)


@pytest.mark.parametrize(
    "method, path, query, headers, action",
    [
        ("GET", "/bucket", "versioning", (), "GetBucketVersioning"),
        ("GET", "/bucket", "list-type=2", (), "ListObjectsV2"),
        ("PUT", "/bucket/key/with/slashes", "", (), "PutObject"),
        ("PUT", "/bucket/key", "", ("x-amz-copy-source",), "CopyObject"),
        ("PUT", "/bucket", "replication", (), "PutBucketReplication"),
    ],
)
def test_s3_rest_routes(method, path, query, headers, action):
    assert rest_action("s3", method, path, query, set(headers)) == action


def test_route53_rest_routes():
    assert rest_action("route53", "POST", "/2013-04-01/hostedzone/Z1/rrset/", "") == "ChangeResourceRecordSets"
    assert rest_action("route53", "GET", "/2013-04-01/healthcheck/abc/status", "") == "GetHealthCheckStatus"
