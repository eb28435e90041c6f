# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The alarms of a pilot light, one per risk that silently breaks recovery, built from the inventory.

Each alarm lives in the region where AWS publishes its metric, because an alarm cannot watch another
region's metric:

* RDS ``ReplicaLag``, the readiness metric, the DR ALB: the DR region;
* DynamoDB ``ReplicationLatency`` is published by the region the writes come from: primary -> DR in the
  primary region (the pilot light's RPO while production runs), DR -> primary in the DR region (after a
  failover);
* S3 replication metrics (RTC) are published in the source bucket's region (the primary);
* Route 53 ``HealthCheckStatus`` only in us-east-1 (``ROUTE53_METRICS_REGION``; ``health_check_region``
  overrides it should AWS ever publish elsewhere).

The role creates one SNS topic per region that holds alarms; each topic delivers to the same Slack path.
The returned dicts carry the parameters of amazon.aws.cloudwatch_metric_alarm plus ``region`` and ``risk``.
"""

READINESS_NAMESPACE = "PilotLight/DR"
# AWS publishes Route 53 health-check metrics in this region only, whatever region the endpoints are in.
ROUTE53_METRICS_REGION = "us-east-1"


def health_check_region(spec):
    return spec.get("health_check_region") or ROUTE53_METRICS_REGION


READINESS_METRIC = "ReadinessPassed"


def load_balancer_dimension(arn):
    """The ``LoadBalancer`` dimension of an ALB ARN: ``app/<name>/<id>``."""
    return arn.split(":loadbalancer/", 1)[1] if ":loadbalancer/" in (arn or "") else arn


def target_group_dimension(arn):
    """The ``TargetGroup`` dimension of a target group ARN: ``targetgroup/<name>/<id>``."""
    return arn.split(":", 5)[5] if (arn or "").count(":") >= 5 else arn


def _alarm(spec, name, region, risk, description, **params):
    application = spec["application"]
    alarm = dict(
        name=f"{application}-dr-{name}",
        region=region,
        risk=risk,
        description=f"{application}: {description}",
        statistic="Maximum",
        comparison="GreaterThanThreshold",
        period=60,
        evaluation_periods=1,
        treat_missing_data="missing",
    )
    alarm.update(params)
    return alarm


def _minutes(seconds):
    return f"{seconds / 60:g} min"


def build_alarms(spec):
    """The alarm list of one application.

    ``spec`` keys: application, region (DR), primary_region, health_check_region, rds_replicas,
    rds_max_lag_seconds, dynamodb_tables, dynamodb_max_latency_ms, dynamodb_watch_primary, s3_replications
    ([{source_bucket, destination_bucket, rule_id}]), s3_max_latency_seconds, s3_max_operations_pending,
    health_checks ([{name, id}]), readiness_max_age_hours, load_balancer_arn, target_group_arns,
    alb_max_5xx, evaluation_minutes.
    """
    dr, primary = spec["region"], spec["primary_region"]
    minutes = int(spec.get("evaluation_minutes") or 5)
    alarms = []
    for replica in spec.get("rds_replicas") or []:
        limit = spec["rds_max_lag_seconds"]
        alarms.append(
            _alarm(
                spec,
                f"rds-replica-lag-{replica}",
                dr,
                "RDS replica stops replicating (RPO)",
                f"RDS replica {replica} in {dr} lags more than {_minutes(limit)} (the RPO target): data written in "
                f"{primary} since then would be lost on failover.",
                namespace="AWS/RDS",
                metric_name="ReplicaLag",
                dimensions={"DBInstanceIdentifier": replica},
                threshold=float(limit),
                evaluation_periods=minutes,
                # no datapoint at all: the replica is gone or not replicating
                treat_missing_data="breaching",
            )
        )
        # MySQL and MariaDB report -1 while replication is not running (the source unreachable, an SQL error):
        # a lag alarm alone would stay OK exactly when the replica stopped.
        alarms.append(
            _alarm(
                spec,
                f"rds-replication-stopped-{replica}",
                dr,
                "RDS replica stops replicating (RPO)",
                f"RDS replica {replica} in {dr} reports ReplicaLag -1: replication from {primary} is not running "
                "(source unreachable or replication error; see the replica's ReplicationErrors).",
                namespace="AWS/RDS",
                metric_name="ReplicaLag",
                statistic="Minimum",
                comparison="LessThanThreshold",
                dimensions={"DBInstanceIdentifier": replica},
                threshold=0.0,
                evaluation_periods=minutes,
                treat_missing_data="notBreaching",
            )
        )
    directions = [(dr, primary, "dr-to-primary")]
    if spec.get("dynamodb_watch_primary", True):
        directions.insert(0, (primary, dr, "primary-to-dr"))
    for table in spec.get("dynamodb_tables") or []:
        limit = spec["dynamodb_max_latency_ms"]
        for source, receiving, label in directions:
            alarms.append(
                _alarm(
                    spec,
                    f"dynamodb-latency-{table}-{label}",
                    source,
                    "DynamoDB global table replication slow (RPO)",
                    f"DynamoDB table {table}: writes in {source} reach {receiving} in more than "
                    f"{_minutes(limit / 1000)} (the RPO target).",
                    namespace="AWS/DynamoDB",
                    metric_name="ReplicationLatency",
                    statistic="Average",
                    dimensions={"TableName": table, "ReceivingRegion": receiving},
                    threshold=float(limit),
                    evaluation_periods=minutes,
                    # no write, no datapoint: an idle table is not late
                    treat_missing_data="notBreaching",
                )
            )
    for rule in spec.get("s3_replications") or []:
        dimensions = {
            "SourceBucket": rule["source_bucket"],
            "DestinationBucket": rule["destination_bucket"],
            "RuleId": rule["rule_id"],
        }
        source = rule.get("source_region") or primary
        limit = spec["s3_max_latency_seconds"]
        alarms.append(
            _alarm(
                spec,
                f"s3-replication-latency-{rule['source_bucket']}",
                source,
                "S3 replication slow (RPO)",
                f"S3 objects of {rule['source_bucket']} reach {rule['destination_bucket']} in more than "
                f"{_minutes(limit)} (the RPO target; replication metrics need RTC or metrics enabled on the rule).",
                namespace="AWS/S3",
                metric_name="ReplicationLatency",
                dimensions=dimensions,
                threshold=float(limit),
                evaluation_periods=minutes,
                treat_missing_data="notBreaching",
            )
        )
        alarms.append(
            _alarm(
                spec,
                f"s3-operations-pending-{rule['source_bucket']}",
                source,
                "S3 replication backlog (RPO)",
                f"More than {spec['s3_max_operations_pending']} objects of {rule['source_bucket']} wait to be "
                f"replicated to {rule['destination_bucket']}.",
                namespace="AWS/S3",
                metric_name="OperationsPendingReplication",
                dimensions=dimensions,
                threshold=float(spec["s3_max_operations_pending"]),
                evaluation_periods=minutes,
                treat_missing_data="notBreaching",
            )
        )
    for check in spec.get("health_checks") or []:
        alarms.append(
            _alarm(
                spec,
                f"health-check-{check['name']}",
                health_check_region(spec),
                "endpoint down (failover trigger)",
                f"Route 53 health check {check['name']} ({check['id']}) reports the endpoint unhealthy.",
                namespace="AWS/Route53",
                metric_name="HealthCheckStatus",
                statistic="Minimum",
                comparison="LessThanThreshold",
                dimensions={"HealthCheckId": check["id"]},
                threshold=1.0,
                evaluation_periods=3,
                treat_missing_data="breaching",
            )
        )
    hours = spec.get("readiness_max_age_hours")
    if hours:
        alarms.append(
            _alarm(
                spec,
                "readiness",
                dr,
                "readiness not passing (secrets, AMI copies, replicas...)",
                f"DR readiness of {spec['application']} has not passed for {hours} hour(s): a check failed or "
                "readiness did not run (publish_readiness of dr_monitoring puts the metric).",
                namespace=READINESS_NAMESPACE,
                metric_name=READINESS_METRIC,
                statistic="Maximum",
                comparison="LessThanThreshold",
                dimensions={"Application": spec["application"]},
                threshold=1.0,
                period=3600,
                evaluation_periods=int(hours),
                treat_missing_data="breaching",
            )
        )
    arn = spec.get("load_balancer_arn")
    if arn:
        balancer = load_balancer_dimension(arn)
        alarms.append(
            _alarm(
                spec,
                "alb-5xx",
                dr,
                "DR ALB failing once active",
                f"The DR load balancer {balancer} answered more than {spec['alb_max_5xx']} 5xx in 5 minutes.",
                namespace="AWS/ApplicationELB",
                metric_name="HTTPCode_ELB_5XX_Count",
                statistic="Sum",
                dimensions={"LoadBalancer": balancer},
                threshold=float(spec["alb_max_5xx"]),
                period=300,
                treat_missing_data="notBreaching",
            )
        )
        for group_arn in spec.get("target_group_arns") or []:
            group = target_group_dimension(group_arn)
            alarms.append(
                _alarm(
                    spec,
                    f"unhealthy-hosts-{group.split('/')[1] if '/' in group else group}",
                    dr,
                    "DR capacity unhealthy once active",
                    f"Target group {group} of {balancer} has unhealthy hosts.",
                    namespace="AWS/ApplicationELB",
                    metric_name="UnHealthyHostCount",
                    dimensions={"TargetGroup": group, "LoadBalancer": balancer},
                    threshold=0.0,
                    evaluation_periods=minutes,
                    treat_missing_data="notBreaching",
                )
            )
    return alarms


def alarm_regions(alarms):
    """The regions that need an SNS topic, in a stable order."""
    return sorted({alarm["region"] for alarm in alarms})
