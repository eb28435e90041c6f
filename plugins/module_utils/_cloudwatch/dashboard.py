# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The body of the DR dashboard (seed 003 section 4.4, seed 002 section 8.3), built from the inventory.

Widgets, each only when the inventory has something to show: RDS replica lag against the RPO line,
Route 53 health-check status, DR capacity (Auto Scaling, ECS, EKS), DynamoDB replication latency, S3
pending replication, and the readiness metric. A metric published in another region (DynamoDB primary ->
DR, S3, Route 53) names that region in its own options, so the dashboard itself lives in the DR region.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.alarms import READINESS_METRIC
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.alarms import READINESS_NAMESPACE
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.alarms import health_check_region

WIDTH, HEIGHT, COLUMNS = 12, 6, 2


def _metric(namespace, name, dimensions, region=None, label=None):
    line = [namespace, name]
    for key, value in dimensions.items():
        line += [key, value]
    options = {}
    if region:
        options["region"] = region
    if label:
        options["label"] = label
    return line + ([options] if options else [])


def _widget(title, region, metrics, stat="Average", period=60, rpo_seconds=None, rpo_label=None, y_min=0):
    properties = {
        "title": title,
        "region": region,
        "view": "timeSeries",
        "stacked": False,
        "metrics": metrics,
        "stat": stat,
        "period": period,
        "yAxis": {"left": {"min": y_min}},
    }
    if rpo_seconds is not None:
        properties["annotations"] = {"horizontal": [{"label": rpo_label, "value": rpo_seconds, "color": "#d62728"}]}
    return {"type": "metric", "properties": properties}


def build_dashboard(spec):
    """The dashboard body (a dict) of one application; ``spec`` has the keys of alarms.build_alarms plus
    asg_names, ecs_services ([{cluster, service}]) and eks_clusters."""
    dr, primary = spec["region"], spec["primary_region"]
    widgets = []
    replicas = spec.get("rds_replicas") or []
    if replicas:
        lag = spec["rds_max_lag_seconds"]
        widgets.append(
            _widget(
                "RDS replica lag (RPO metric)",
                dr,
                [_metric("AWS/RDS", "ReplicaLag", {"DBInstanceIdentifier": r}, label=r) for r in replicas],
                stat="Maximum",
                rpo_seconds=lag,
                rpo_label=f"RPO {lag / 60:g} min",
            )
        )
    checks = spec.get("health_checks") or []
    if checks:
        widgets.append(
            _widget(
                "Route 53 health checks (1 healthy, 0 unhealthy)",
                health_check_region(spec),
                [
                    _metric("AWS/Route53", "HealthCheckStatus", {"HealthCheckId": c["id"]}, label=c["name"])
                    for c in checks
                ],
                stat="Minimum",
            )
        )
    capacity = [
        _metric("AWS/AutoScaling", "GroupInServiceInstances", {"AutoScalingGroupName": name}, label=name)
        for name in spec.get("asg_names") or []
    ]
    capacity += [
        _metric(
            "ECS/ContainerInsights",
            "RunningTaskCount",
            {"ClusterName": s["cluster"], "ServiceName": s["service"]},
            label=f"{s['cluster']}/{s['service']}",
        )
        for s in spec.get("ecs_services") or []
    ]
    capacity += [
        _metric("ContainerInsights", "cluster_node_count", {"ClusterName": name}, label=f"{name} nodes")
        for name in spec.get("eks_clusters") or []
    ]
    if capacity:
        widgets.append(_widget("DR capacity (0 while idle)", dr, capacity, stat="Maximum"))
    tables = spec.get("dynamodb_tables") or []
    if tables:
        limit = spec["dynamodb_max_latency_ms"]
        metrics = []
        for table in tables:
            if spec.get("dynamodb_watch_primary", True):
                metrics.append(
                    _metric(
                        "AWS/DynamoDB",
                        "ReplicationLatency",
                        {"TableName": table, "ReceivingRegion": dr},
                        region=primary,
                        label=f"{table} {primary} -> {dr}",
                    )
                )
            back = {"TableName": table, "ReceivingRegion": primary}
            metrics.append(_metric("AWS/DynamoDB", "ReplicationLatency", back, label=f"{table} {dr} -> {primary}"))
        widgets.append(
            _widget(
                "DynamoDB replication latency (ms)",
                dr,
                metrics,
                rpo_seconds=limit,
                rpo_label=f"RPO {limit / 60000:g} min",
            )
        )
    rules = spec.get("s3_replications") or []
    if rules:
        metrics = [
            _metric(
                "AWS/S3",
                "OperationsPendingReplication",
                {
                    "SourceBucket": r["source_bucket"],
                    "DestinationBucket": r["destination_bucket"],
                    "RuleId": r["rule_id"],
                },
                region=r.get("source_region") or primary,
                label=f"{r['source_bucket']} pending",
            )
            for r in rules
        ]
        widgets.append(_widget("S3 operations pending replication", dr, metrics, stat="Maximum", period=300))
    if spec.get("readiness_max_age_hours"):
        widgets.append(
            _widget(
                "DR readiness passed (1) / not (0)",
                dr,
                [_metric(READINESS_NAMESPACE, READINESS_METRIC, {"Application": spec["application"]})],
                stat="Maximum",
                period=3600,
            )
        )
    for index, widget in enumerate(widgets):
        widget.update(x=(index % COLUMNS) * WIDTH, y=(index // COLUMNS) * HEIGHT, width=WIDTH, height=HEIGHT)
    return {"widgets": widgets}
