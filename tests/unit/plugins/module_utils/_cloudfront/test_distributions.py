"""CloudFront calls of cloudfront_origin_group: finding the distribution, reads, read-compare-write."""

from unittest import mock

import botocore.exceptions
import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._cloudfront import distributions
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudfront import origin_groups as cf
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

from tests.unit.plugins.module_utils._cloudfront.test_origin_groups import _config
from tests.unit.plugins.module_utils._cloudfront.test_origin_groups import _params


def _error(code, operation="GetDistributionConfig"):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": code}}, operation)


SUMMARIES = [
    {"Id": "E1", "Comment": "front", "Aliases": {"Quantity": 1, "Items": ["WWW.portforge.org"]}},
    {"Id": "E2", "Comment": "twin", "Aliases": {"Quantity": 0}},
    {"Id": "E3", "Comment": "twin"},
]


@pytest.mark.parametrize(
    "alias, comment, expected",
    [
        ("www.portforge.org", None, "E1"),
        (None, "front", "E1"),
        ("shop.portforge.org", None, "no CloudFront distribution has the alias shop.portforge.org"),
        (None, "twin", "2 CloudFront distributions have the comment 'twin' (E2, E3): give distribution_id"),
    ],
)
def test_find_distribution_by_alias_or_comment(alias, comment, expected):
    client = mock.Mock()
    client.get_paginator.return_value.paginate.return_value.build_full_result.return_value = {
        "DistributionList": {"Items": SUMMARIES}
    }
    if expected.startswith("E"):
        assert distributions.find_distribution_id(client, None, alias, comment) == expected
    else:
        with pytest.raises(DRError, match=expected.replace("(", "\\(").replace(")", "\\)")):
            distributions.find_distribution_id(client, None, alias, comment)
    assert distributions.find_distribution_id(client, "E9") == "E9"


def test_read_config_tells_missing_from_unreadable():
    client = mock.Mock()
    client.get_distribution_config.side_effect = _error("NoSuchDistribution")
    assert distributions.read_config(client, "E0") is None
    with pytest.raises(DRError, match="CloudFront distribution E0 not found: check distribution_id"):
        distributions.get_config(client, "E0")
    client.get_distribution_config.side_effect = _error("Throttling")
    with pytest.raises(DRError, match="cannot read CloudFront distribution E0") as raised:
        distributions.read_config(client, "E0")
    assert raised.value.exception is not None


def _precondition_failed():
    return botocore.exceptions.ClientError(
        {"Error": {"Code": "PreconditionFailed", "Message": "stale"}}, "UpdateDistribution"
    )


def test_converge_replans_after_a_stale_etag_and_gives_up_eventually():
    client = mock.Mock()
    client.get_distribution_config.side_effect = [
        {"DistributionConfig": _config(), "ETag": "E1"},
        {"DistributionConfig": _config(), "ETag": "E2"},
    ]
    client.update_distribution.side_effect = [_precondition_failed(), {"ETag": "E3"}]
    before, after, changes, etag = distributions.converge(client, "D1", lambda c: cf.plan_present(c, _params()), False)
    assert etag == "E3" and changes
    assert [c.kwargs["IfMatch"] for c in client.update_distribution.call_args_list] == ["E1", "E2"]

    client = mock.Mock()
    client.get_distribution_config.return_value = {"DistributionConfig": _config(), "ETag": "E1"}
    client.update_distribution.side_effect = _precondition_failed()
    with pytest.raises(DRError, match="kept changing"):
        distributions.converge(client, "D1", lambda c: cf.plan_present(c, _params()), False)


def test_converge_in_check_mode_never_writes():
    client = mock.Mock()
    client.get_distribution_config.return_value = {"DistributionConfig": _config(), "ETag": "E1"}
    _dummy, after, changes, _dummy = distributions.converge(client, "D1", lambda c: cf.plan_present(c, _params()), True)
    assert changes and after["OriginGroups"]["Quantity"] == 1
    client.update_distribution.assert_not_called()
