"""The alarms, the dashboard body, the dashboard compare and the readiness metric of the DR monitoring."""

import json

import botocore.exceptions
import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch import dashboards
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.alarms import alarm_regions
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.alarms import build_alarms
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.dashboard import build_dashboard
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.readiness import counts
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.readiness import metric_data
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

DR, PRIMARY = "ap-northeast-1", "ap-northeast-2"


def spec(**extra):
    base = dict(
        application="MegaTicket",
        region=DR,
        primary_region=PRIMARY,
        health_check_region="",
        rds_replicas=["megaticket-db-replica"],
        rds_max_lag_seconds=900,
        dynamodb_tables=["KDT-Msp4-PLDR-venues"],
        dynamodb_max_latency_ms=900000,
        dynamodb_watch_primary=True,
        s3_replications=[{"source_bucket": "mt-assets", "destination_bucket": "mt-assets-dr", "rule_id": "dr"}],
        s3_max_latency_seconds=900,
        s3_max_operations_pending=1000,
        health_checks=[{"name": "primary", "id": "hc-1"}, {"name": "dr", "id": "hc-2"}],
        readiness_max_age_hours=2,
        load_balancer_arn=f"arn:aws:elasticloadbalancing:{DR}:123456789012:loadbalancer/app/MegaTicket-DR-ALB/50dc6c495c0c9188",
        target_group_arns=[
            f"arn:aws:elasticloadbalancing:{DR}:123456789012:targetgroup/MegaTicket-DR-Web-TG/73e2d6bc24d8a067"
        ],
        alb_max_5xx=10,
        evaluation_minutes=5,
        asg_names=["MegaTicket-DR-Web-ASG"],
    )
    base.update(extra)
    return base


def by_name(alarms):
    return {a["name"]: a for a in alarms}


def test_every_risk_has_its_alarm_in_the_region_that_publishes_the_metric():
    alarms = by_name(build_alarms(spec()))
    assert {name: a["region"] for name, a in alarms.items()} == {
        "MegaTicket-dr-rds-replica-lag-megaticket-db-replica": DR,
        "MegaTicket-dr-rds-replication-stopped-megaticket-db-replica": DR,
        "MegaTicket-dr-dynamodb-latency-KDT-Msp4-PLDR-venues-primary-to-dr": PRIMARY,
        "MegaTicket-dr-dynamodb-latency-KDT-Msp4-PLDR-venues-dr-to-primary": DR,
        "MegaTicket-dr-s3-replication-latency-mt-assets": PRIMARY,
        "MegaTicket-dr-s3-operations-pending-mt-assets": PRIMARY,
        "MegaTicket-dr-health-check-primary": "us-east-1",
        "MegaTicket-dr-health-check-dr": "us-east-1",
        "MegaTicket-dr-readiness": DR,
        "MegaTicket-dr-alb-5xx": DR,
        "MegaTicket-dr-unhealthy-hosts-MegaTicket-DR-Web-TG": DR,
    }
    assert alarm_regions(alarms.values()) == sorted([DR, PRIMARY, "us-east-1"])
    assert all(a["description"].startswith("MegaTicket: ") for a in alarms.values())


def test_thresholds_are_the_rpo_targets_and_dimensions_name_the_resource():
    alarms = by_name(build_alarms(spec()))
    rds = alarms["MegaTicket-dr-rds-replica-lag-megaticket-db-replica"]
    assert (rds["threshold"], rds["comparison"], rds["evaluation_periods"]) == (900.0, "GreaterThanThreshold", 5)
    assert rds["dimensions"] == {"DBInstanceIdentifier": "megaticket-db-replica"}
    assert rds["treat_missing_data"] == "breaching"  # no lag datapoint: the replica is not replicating
    stopped = alarms["MegaTicket-dr-rds-replication-stopped-megaticket-db-replica"]
    assert (stopped["threshold"], stopped["comparison"], stopped["statistic"]) == (0.0, "LessThanThreshold", "Minimum")
    latency = alarms["MegaTicket-dr-dynamodb-latency-KDT-Msp4-PLDR-venues-primary-to-dr"]
    assert latency["dimensions"] == {"TableName": "KDT-Msp4-PLDR-venues", "ReceivingRegion": DR}
    assert latency["threshold"] == 900000.0 and latency["treat_missing_data"] == "notBreaching"
    assert "15 min" in latency["description"]
    readiness = alarms["MegaTicket-dr-readiness"]
    assert (readiness["period"], readiness["evaluation_periods"], readiness["comparison"]) == (
        3600,
        2,
        "LessThanThreshold",
    )
    assert readiness["treat_missing_data"] == "breaching"  # readiness that stopped running alarms too
    assert alarms["MegaTicket-dr-alb-5xx"]["dimensions"] == {"LoadBalancer": "app/MegaTicket-DR-ALB/50dc6c495c0c9188"}
    assert alarms["MegaTicket-dr-unhealthy-hosts-MegaTicket-DR-Web-TG"]["dimensions"] == {
        "TargetGroup": "targetgroup/MegaTicket-DR-Web-TG/73e2d6bc24d8a067",
        "LoadBalancer": "app/MegaTicket-DR-ALB/50dc6c495c0c9188",
    }
    hc = alarms["MegaTicket-dr-health-check-primary"]
    assert hc["dimensions"] == {"HealthCheckId": "hc-1"} and hc["statistic"] == "Minimum"


def test_nothing_to_watch_gives_no_alarm_and_options_turn_kinds_off():
    empty = spec(
        rds_replicas=[],
        dynamodb_tables=[],
        s3_replications=[],
        health_checks=[],
        readiness_max_age_hours=0,
        load_balancer_arn="",
        target_group_arns=[],
    )
    assert build_alarms(empty) == []
    dr_only = build_alarms(spec(dynamodb_watch_primary=False, s3_replications=[], health_checks=[]))
    assert alarm_regions(dr_only) == [DR]
    moved = by_name(build_alarms(spec(health_check_region="eu-west-1")))
    assert moved["MegaTicket-dr-health-check-dr"]["region"] == "eu-west-1"


def test_dashboard_shows_lag_against_the_rpo_line_and_reads_other_regions_per_metric():
    body = build_dashboard(spec())
    widgets = {w["properties"]["title"]: w for w in body["widgets"]}
    assert list(widgets) == [
        "RDS replica lag (RPO metric)",
        "Route 53 health checks (1 healthy, 0 unhealthy)",
        "DR capacity (0 while idle)",
        "DynamoDB replication latency (ms)",
        "S3 operations pending replication",
        "DR readiness passed (1) / not (0)",
    ]
    lag = widgets["RDS replica lag (RPO metric)"]["properties"]
    assert lag["annotations"]["horizontal"][0]["value"] == 900 and lag["annotations"]["horizontal"][0]["label"] == (
        "RPO 15 min"
    )
    assert lag["region"] == DR
    assert widgets["Route 53 health checks (1 healthy, 0 unhealthy)"]["properties"]["region"] == "us-east-1"
    latency = widgets["DynamoDB replication latency (ms)"]["properties"]["metrics"]
    assert latency[0][-1]["region"] == PRIMARY and "region" not in latency[1][-1]
    assert [(w["x"], w["y"]) for w in body["widgets"]] == [(0, 0), (12, 0), (0, 6), (12, 6), (0, 12), (12, 12)]
    json.dumps(body)  # a valid dashboard body is JSON


def test_dashboard_of_an_empty_inventory_has_no_widget():
    assert build_dashboard(
        spec(
            rds_replicas=[],
            dynamodb_tables=[],
            s3_replications=[],
            health_checks=[],
            readiness_max_age_hours=0,
            asg_names=[],
        )
    ) == {"widgets": []}


def test_dashboard_action_compares_parsed_bodies():
    body = {"widgets": [{"type": "metric", "properties": {"a": 1, "b": 2}}]}
    assert dashboards.action(None, body, "present") == "create"
    assert dashboards.action(json.loads(json.dumps(body, sort_keys=True, indent=4)), body, "present") is None
    assert dashboards.action({"widgets": []}, body, "present") == "update"
    assert dashboards.action(body, None, "absent") == "delete"
    assert dashboards.action(None, None, "absent") is None
    assert dashboards.parse_body('{"widgets": []}', "d") == {"widgets": []}
    with pytest.raises(DRError, match="not JSON"):
        dashboards.parse_body("{widgets", "d")
    with pytest.raises(DRError, match="JSON object"):
        dashboards.parse_body("[]", "d")


class FakeCloudWatch:
    def __init__(self, error=None, body=None):
        self.error, self.body, self.puts = error, body, []

    def get_dashboard(self, DashboardName, aws_retry=False):
        if self.error:
            raise botocore.exceptions.ClientError({"Error": {"Code": self.error, "Message": "x"}}, "GetDashboard")
        return {"DashboardBody": json.dumps(self.body)}


def test_a_missing_dashboard_is_none_but_a_failed_read_is_an_error():
    assert dashboards.get_dashboard(FakeCloudWatch(error="ResourceNotFound"), "d", DR) is None
    assert dashboards.get_dashboard(FakeCloudWatch(body={"widgets": []}), "d", DR) == {"widgets": []}
    with pytest.raises(DRError, match="cannot read CloudWatch dashboard d in ap-northeast-1"):
        dashboards.get_dashboard(FakeCloudWatch(error="Throttling"), "d", DR)


def test_readiness_counts_and_the_metric():
    results = [{"status": "pass"}, {"status": "fail"}, {"status": "not_checked"}, {"passed": True}]
    tally = counts(results)
    assert tally == {"pass": 2, "fail": 1, "not_checked": 1}
    data = {d["MetricName"]: d["Value"] for d in metric_data("MegaTicket", tally)}
    assert data == {"ChecksPassed": 2.0, "ChecksFailed": 1.0, "ChecksNotChecked": 1.0, "ReadinessPassed": 0.0}
    assert {d["MetricName"]: d["Value"] for d in metric_data("A", counts([{"status": "pass"}]))}["ReadinessPassed"] == 1
    # nothing could be checked: readiness did not pass either
    assert {d["MetricName"]: d["Value"] for d in metric_data("A", counts([{"status": "not_checked"}]))}[
        "ReadinessPassed"
    ] == 0
    assert metric_data("A", tally)[0]["Dimensions"] == [{"Name": "Application", "Value": "A"}]
    with pytest.raises(DRError, match="neither"):
        counts([{"check": "x"}])
