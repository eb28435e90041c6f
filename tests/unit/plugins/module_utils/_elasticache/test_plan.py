"""What elasticache_dr decides (plugins/module_utils/_elasticache/plan.py)."""

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._elasticache import plan

TOKYO = "ap-northeast-1"


def params(**extra):
    base = dict(
        replication_group_id="fileflow-dr-redis",
        description="DR Redis",
        engine="redis",
        node_type="cache.r6g.large",
        num_cache_clusters=2,
        automatic_failover=True,
        tags={"DR": "true"},
        security_group_ids=["sg-1"],
    )
    return dict(base, **extra)


def test_create_request_is_seed_003_with_only_given_options():
    request = plan.create_request(params())
    assert request["CacheNodeType"] == "cache.r6g.large" and request["NumCacheClusters"] == 2
    assert request["AutomaticFailoverEnabled"] is True and request["SecurityGroupIds"] == ["sg-1"]
    assert request["Tags"] == [{"Key": "DR", "Value": "true"}] and "KmsKeyId" not in request
    with pytest.raises(DRError, match="num_cache_clusters of 2"):
        plan.create_request(params(num_cache_clusters=1))


def test_drift_and_endpoints():
    group = {
        "CacheNodeType": "cache.t3.small",
        "MemberClusters": ["a"],
        "NodeGroups": [
            {
                "PrimaryEndpoint": {"Address": "master.x", "Port": 6379},
                "ReaderEndpoint": {"Address": "replica.x", "Port": 6379},
            }
        ],
    }
    assert plan.drift(group, params()) == [
        "node type cache.t3.small, wanted cache.r6g.large",
        "1 cache clusters, wanted 2",
    ]
    assert plan.endpoints(group) == ({"address": "master.x", "port": 6379}, {"address": "replica.x", "port": 6379})
    assert plan.endpoints(None) == (None, None)


def secondary(role="SECONDARY", global_id="ldgnf-fileflow"):
    return {
        "GlobalReplicationGroupInfo": {"GlobalReplicationGroupId": global_id, "GlobalReplicationGroupMemberRole": role}
    }


def datastore(role="SECONDARY"):
    return {"Members": [{"ReplicationGroupId": "fileflow-dr-redis", "ReplicationGroupRegion": TOKYO, "Role": role}]}


def test_promotion_fails_over_detaches_or_does_nothing():
    assert plan.promotion(datastore(), secondary(), "fileflow-dr-redis", TOKYO, True)[0] == "failover"
    assert plan.promotion(datastore(), secondary(), "fileflow-dr-redis", TOKYO, False)[0] == "disassociate"
    assert plan.promotion(datastore("PRIMARY"), secondary("PRIMARY"), "fileflow-dr-redis", TOKYO, True)[0] == "none"
    assert plan.promotion(None, {"GlobalReplicationGroupInfo": {}}, "fileflow-dr-redis", TOKYO, True)[0] == "none"
    with pytest.raises(DRError, match="does not list it"):
        plan.promotion({"Members": []}, secondary(), "fileflow-dr-redis", TOKYO, True)


def test_rpo_evidence():
    assert "everything in the cache" in plan.rpo_evidence("rebuild")["data_loss"]
    assert plan.rpo_evidence("global_datastore", 1.5)["replication_lag_seconds"] == 1.5
    assert "could not be read" in plan.rpo_evidence("global_datastore", None, "throttled")["data_loss"]


def test_create_request_of_a_secondary_leaves_the_datastore_s_settings_out():
    request = plan.create_request(params(global_replication_group_id="ldgnf-fileflow", cache_subnet_group="dr"))
    assert request["GlobalReplicationGroupId"] == "ldgnf-fileflow" and request["CacheSubnetGroupName"] == "dr"
    assert "CacheNodeType" not in request and "Engine" not in request and "Tags" not in request
