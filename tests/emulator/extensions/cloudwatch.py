"""CloudWatch metric alarms that evaluate their metric and notify their SNS topics, as AWS does.

moto stores alarms but never evaluates them: an alarm stays in the state it was created in (``OK`` in moto,
where AWS starts ``INSUFFICIENT_DATA``) whatever data arrives, and no action ever runs. This extension:

* starts a new alarm in ``INSUFFICIENT_DATA``; re-putting an existing alarm keeps its state (AWS does);
* evaluates the alarms of a region when metric data is put there (``PutMetricData``, and the metrics other
  extensions publish, such as DynamoDB ``ReplicationLatency``), when an alarm is put, when alarms are
  described, and on ``POST /_emulator/cloudwatch/evaluate`` (metrics computed on read, such as RDS
  ``ReplicaLag``, have no write to react to). There is no background clock: evaluation is deterministic;
* evaluation: the last ``EvaluationPeriods`` periods ending now, the alarm's statistic per period over the
  datapoints with exactly the alarm's dimensions, ``ALARM`` when at least ``DatapointsToAlarm`` periods breach;
  ``TreatMissingData`` ``breaching``/``notBreaching`` fill empty periods, ``ignore`` keeps the state when there
  is no data, ``missing`` (the default) goes ``INSUFFICIENT_DATA`` without data and, with fewer datapoints than
  ``DatapointsToAlarm``, alarms when all of them breach (a simplification of AWS's partial-data rules);
* a state change (with actions enabled) publishes the CloudWatch alarm notification (JSON with ``AlarmName``,
  ``AlarmDescription``, ``NewStateValue``, ``OldStateValue``, ``NewStateReason``, ``Region``, ``Trigger``) to
  each SNS topic of ``AlarmActions``/``OKActions``/``InsufficientDataActions``; one subscriber that fails (a
  Lambda moto cannot run without docker) does not stop delivery to the others.

Not emulated: metric math and composite alarms (left as stored), percentiles, anomaly detection, units.
"""

import json
import logging
import threading
import time
import uuid
from datetime import datetime
from datetime import timezone

from ..core import CONTROL
from ..core import DEFAULT_ACCOUNT_ID
from ..core import backend
from ..core import patch
from ..core import require

DESCRIPTION = "CloudWatch: metric alarms evaluated against their data (INSUFFICIENT_DATA/OK/ALARM), SNS actions"

LOG = logging.getLogger("emulator.cloudwatch")
_lock = threading.RLock()

REGION_NAMES = {
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "us-east-1": "US East (N. Virginia)",
    "us-west-2": "US West (Oregon)",
    "eu-central-1": "Europe (Frankfurt)",
}

COMPARE = {
    "GreaterThanThreshold": lambda v, t: v > t,
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}


def _epoch(timestamp):
    if isinstance(timestamp, (int, float)):
        return float(timestamp)
    if isinstance(timestamp, str):
        from dateutil import parser

        timestamp = parser.isoparse(timestamp)
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=timezone.utc)
    return timestamp.timestamp()


def _samples(datum):
    """(sum, count, min, max) of one stored datum (a single value or a statistic set)."""
    if hasattr(datum, "value"):
        value = float(datum.value)
        return value, 1.0, value, value
    return float(datum.sum_stat), float(datum.sample_count), float(datum.min_stat), float(datum.max_stat)


def _statistic(samples, statistic):
    total = sum(s[0] for s in samples)
    count = sum(s[1] for s in samples)
    if statistic == "Sum":
        return total
    if statistic == "SampleCount":
        return count
    if statistic == "Minimum":
        return min(s[2] for s in samples)
    if statistic == "Maximum":
        return max(s[3] for s in samples)
    return total / count if count else None  # Average


def _dimensions(items):
    return {(d.name, d.value) for d in items}


def period_values(alarm, data, now):
    """The statistic of each of the last EvaluationPeriods periods (newest first), None where no data."""
    wanted = _dimensions(alarm.dimensions)
    points = [
        (_epoch(d.timestamp), _samples(d))
        for d in data
        if d.namespace == alarm.namespace and d.name == alarm.metric_name and _dimensions(d.dimensions) == wanted
    ]
    period = int(alarm.period or 60)
    values = []
    for index in range(int(alarm.evaluation_periods or 1)):
        end = now - index * period
        start = end - period
        inside = [s for t, s in points if start < t <= end]
        values.append(_statistic(inside, alarm.statistic or "Average") if inside else None)
    return values


def decide(alarm, values):
    """The new state and its reason, or (None, None) to keep the current state."""
    compare = COMPARE.get(alarm.comparison_operator)
    if compare is None or alarm.threshold is None:
        return None, None
    threshold = float(alarm.threshold)
    needed = int(alarm.datapoints_to_alarm or alarm.evaluation_periods or 1)
    treat = alarm.treat_missing_data or "missing"
    present = [v for v in values if v is not None]
    if treat == "breaching":
        flags = [True if v is None else compare(v, threshold) for v in values]
    elif treat == "notBreaching":
        flags = [False if v is None else compare(v, threshold) for v in values]
    else:
        if not present:
            if treat == "ignore":
                return None, None
            return "INSUFFICIENT_DATA", "Insufficient Data: no datapoint in the evaluation periods"
        flags = [compare(v, threshold) for v in present]
        needed = min(needed, len(flags))
    breaching = sum(flags)
    shown = ", ".join("missing" if v is None else f"{v:g}" for v in values)
    verb = alarm.comparison_operator.replace("Threshold", " the threshold")
    if breaching >= needed:
        return "ALARM", (
            f"Threshold Crossed: {breaching} out of the last {len(values)} datapoints [{shown}] "
            f"were {verb} ({threshold:g})."
        )
    return "OK", (
        f"Threshold Crossed: {len(flags) - breaching} out of the last {len(values)} datapoints [{shown}] "
        f"were not {verb} ({threshold:g})."
    )


def _message(alarm, account, region, old_state):
    changed = datetime.fromtimestamp(time.time(), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": str(alarm.configuration_updated_timestamp),
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": changed,
        "Region": REGION_NAMES.get(region, region),
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old_state,
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
        "Trigger": {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "StatisticType": "Statistic",
            "Statistic": (alarm.statistic or "").upper(),
            "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
            "Period": alarm.period,
            "EvaluationPeriods": alarm.evaluation_periods,
            "DatapointsToAlarm": alarm.datapoints_to_alarm,
            "ComparisonOperator": alarm.comparison_operator,
            "Threshold": alarm.threshold,
            "TreatMissingData": alarm.treat_missing_data or "missing",
            "EvaluateLowSampleCountPercentile": "",
        },
    }


def _notify(alarm, account, region, old_state):
    actions = {
        "ALARM": alarm.alarm_actions,
        "OK": alarm.ok_actions,
        "INSUFFICIENT_DATA": alarm.insufficient_data_actions,
    }[alarm.state_value]
    if not alarm.actions_enabled:
        return
    message = json.dumps(_message(alarm, account, region, old_state))
    subject = f'{alarm.state_value}: "{alarm.name}" in {REGION_NAMES.get(region, region)}'[:100]
    for arn in actions or []:
        parts = arn.split(":")
        if len(parts) < 6 or parts[2] != "sns":
            continue  # Auto Scaling / EC2 actions are not emulated
        try:
            sns = backend("sns", parts[3], parts[4])
            topic = sns.get_topic(arn)
            subscriptions, token = sns.list_subscriptions_by_topic(topic_arn=arn)
            while token:
                more, token = sns.list_subscriptions_by_topic(topic_arn=arn, next_token=token)
                subscriptions += more
        except Exception:  # a deleted topic: AWS drops the notification too
            LOG.warning("alarm %s: topic %s does not exist", alarm.name, arn)
            continue
        message_id = str(uuid.uuid4())
        for subscription in subscriptions:
            try:
                subscription.publish(message, message_id, subject=subject)
            except Exception:
                LOG.warning("alarm %s: delivery to %s failed", alarm.name, subscription.endpoint, exc_info=True)
        topic.sent_notifications.append((message_id, message, subject, None, None))


def evaluate_backend(cloudwatch, now=None):
    """Evaluate every metric alarm of one region's backend; returns the names that changed state."""
    now = time.time() if now is None else now
    changed = []
    with _lock:
        data = cloudwatch.get_all_metrics()
        for alarm in list(cloudwatch.alarms.values()):
            if not alarm.metric_name or alarm.metric_data_queries or alarm.rule:
                continue
            values = period_values(alarm, data, now)
            state, reason = decide(alarm, values)
            if state is None or state == alarm.state_value:
                continue
            old = alarm.state_value
            alarm.update_state(
                reason, json.dumps({"version": "1.0", "recentDatapoints": [v for v in values if v is not None]}), state
            )
            changed.append(alarm.name)
            _notify(alarm, cloudwatch.account_id, cloudwatch.region_name, old)
    return changed


def _evaluating_after(original):
    def method(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        evaluate_backend(self)
        return result

    return method


def _evaluating_before(original):
    def method(self, *args, **kwargs):
        evaluate_backend(self)
        return original(self, *args, **kwargs)

    return method


def _put_metric_alarm(original):
    def put_metric_alarm(self, name, *args, **kwargs):
        with _lock:
            previous = self.alarms.get(name)
            alarm = original(self, name, *args, **kwargs)
            if previous is not None:
                alarm.state_value = previous.state_value
                alarm.state_reason = previous.state_reason
                alarm.state_reason_data = previous.state_reason_data
                alarm.state_updated_timestamp = previous.state_updated_timestamp
                alarm.history = previous.history
            else:
                alarm.state_value = "INSUFFICIENT_DATA"
        evaluate_backend(self)
        return alarm

    return put_metric_alarm


@CONTROL.route("POST", "/cloudwatch/evaluate", "evaluate every CloudWatch metric alarm now (all regions)")
def evaluate_all(body, query):
    from moto.backends import get_backend

    changed = {}
    for account, regions in get_backend("cloudwatch").items():
        for region in list(regions.keys()):
            names = evaluate_backend(regions[region])
            if names:
                changed[f"{account}/{region}" if account != DEFAULT_ACCOUNT_ID else region] = names
    return {"changed": changed}


def install():
    from moto.cloudwatch.models import Alarm
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.sns.models import SNSBackend
    from moto.sns.models import Topic

    require(CloudWatchBackend, "get_all_metrics", "put_metric_alarm", "put_metric_data")
    require(Alarm, "update_state")
    require(SNSBackend, "get_topic", "list_subscriptions_by_topic")
    require(Topic, "publish")
    patch(CloudWatchBackend, "put_metric_alarm", _put_metric_alarm(CloudWatchBackend.put_metric_alarm))
    patch(CloudWatchBackend, "put_metric_data", _evaluating_after(CloudWatchBackend.put_metric_data))
    for name in (
        "describe_alarms",
        "get_alarms_by_action_prefix",
        "get_alarms_by_alarm_name_prefix",
        "get_alarms_by_alarm_names",
        "get_alarms_by_state_value",
    ):
        patch(CloudWatchBackend, name, _evaluating_before(getattr(CloudWatchBackend, name)))
