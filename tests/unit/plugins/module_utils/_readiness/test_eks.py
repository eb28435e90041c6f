"""Readiness of dr_eks (plugins/module_utils/_readiness/eks.py): every check's pass, fail and not checked."""

from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import eks
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
ENTRIES = [{"name": "portforge-dr-nodes", "primary_name": "portforge-prod-nodes"}]


def error(code, operation):
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


def nodegroup(name, desired=0, tag="3/3/6", status="ACTIVE"):
    return {
        "nodegroupName": name,
        "nodegroupArn": f"arn:{name}",
        "status": status,
        "scalingConfig": {"minSize": 0, "desiredSize": desired, "maxSize": 6},
        "tags": {"pilotlight:active-size": tag} if tag else {},
    }


class FakeEKS:
    def __init__(self, cluster="ACTIVE", nodegroups=(), fail=None):
        self.cluster, self.nodegroups, self.fail = cluster, {n["nodegroupName"]: n for n in nodegroups}, fail or {}

    def describe_cluster(self, name, aws_retry=False):
        if "describe_cluster" in self.fail:
            raise self.fail["describe_cluster"]
        if self.cluster is None:
            raise error("ResourceNotFoundException", "DescribeCluster")
        return {"cluster": {"name": name, "status": self.cluster, "version": "1.30"}}

    def describe_nodegroup(self, clusterName, nodegroupName, aws_retry=False):  # noqa: N803 (boto3's names)
        if "describe_nodegroup" in self.fail:
            raise self.fail["describe_nodegroup"]
        if nodegroupName not in self.nodegroups:
            raise error("ResourceNotFoundException", "DescribeNodegroup")
        return {"nodegroup": self.nodegroups[nodegroupName]}


def context(dr=None, primary=None, reachable=True, configmap=None, entries=None):
    spec = {
        "name": "eks",
        "region": TOKYO,
        "primary_region": SEOUL,
        "primary_reachable": reachable,
        "options": {
            "cluster": "portforge-dr",
            "primary_cluster": "portforge-prod",
            "standby_size": 0,
            "nodegroups": ENTRIES if entries is None else entries,
            "configmap_data": configmap if configmap is not None else {"COGNITO_REGION": TOKYO},
        },
    }
    clients = {
        TOKYO: dr or FakeEKS(nodegroups=[nodegroup("portforge-dr-nodes")]),
        SEOUL: primary or FakeEKS(nodegroups=[nodegroup("portforge-prod-nodes", desired=4, tag=None)]),
    }

    def factory(service, region):
        assert service == "eks"
        return clients[region]

    return ReadinessContext(factory, spec)


def by_check(ctx):
    return {r["check"]: r for r in eks.check(ctx)}


def test_all_pass():
    results = by_check(context())
    assert {name: r["status"] for name, r in results.items()} == {
        "cluster": "pass",
        "nodegroups_standby": "pass",
        "primary_nodegroups": "pass",
        "app_config": "pass",
    }
    assert results["primary_nodegroups"]["side"] == "primary"


def test_cluster_missing_fails_and_nodegroups_are_not_checked():
    results = by_check(context(dr=FakeEKS(cluster=None)))
    assert results["cluster"]["status"] == "fail" and "missing" in results["cluster"]["reason"]
    assert results["cluster"]["fix"] and results["nodegroups_standby"]["status"] == "not_checked"


def test_throttled_reads_are_not_checked():
    throttled = error("ThrottlingException", "DescribeCluster")
    results = by_check(context(dr=FakeEKS(fail={"describe_cluster": throttled})))
    assert results["cluster"]["status"] == "not_checked" and "ThrottlingException" in results["cluster"]["reason"]
    results = by_check(
        context(
            dr=FakeEKS(nodegroups=[], fail={"describe_nodegroup": throttled}),
            primary=FakeEKS(fail={"describe_nodegroup": throttled}),
        )
    )
    assert results["nodegroups_standby"]["status"] == "not_checked"
    assert results["primary_nodegroups"]["status"] == "not_checked"


def test_nodegroups_serving_unrecorded_or_missing_fail():
    serving = by_check(context(dr=FakeEKS(nodegroups=[nodegroup("portforge-dr-nodes", desired=2, tag=None)])))
    reason = serving["nodegroups_standby"]["reason"]
    assert (
        serving["nodegroups_standby"]["status"] == "fail" and "runs 2 nodes" in reason and "no recorded size" in reason
    )
    missing = by_check(context(dr=FakeEKS(nodegroups=[])))
    assert "portforge-dr-nodes is missing" in missing["nodegroups_standby"]["reason"]
    too_big = by_check(context(entries=[dict(ENTRIES[0], failover_desired_size=9)]))
    assert "maximum is 6" in too_big["nodegroups_standby"]["reason"]


def test_primary_missing_fails_and_primary_down_is_not_checked():
    missing = by_check(context(primary=FakeEKS(nodegroups=[])))
    assert missing["primary_nodegroups"]["status"] == "fail" and missing["primary_nodegroups"]["side"] == "primary"
    down = by_check(context(primary=object(), reachable=False))
    assert down["primary_nodegroups"]["status"] == "not_checked" and down["primary_nodegroups"]["side"] == "primary"


def test_app_config_values_must_be_known():
    results = by_check(context(configmap={"COGNITO_USER_POOL_ID": "", "COGNITO_REGION": TOKYO}))
    assert results["app_config"]["status"] == "fail" and "COGNITO_USER_POOL_ID" in results["app_config"]["reason"]
