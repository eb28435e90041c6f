# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The alarm switch (traffic_switch=cloudwatch_alarm): traffic moves with a CloudWatch alarm in the DR region.

Route 53's control plane (every Route 53 API call) is served from us-east-1, its data plane (DNS answers,
health checkers) from everywhere. AWS's guidance for recovery is to depend on data-plane actions only
(static stability), so a failover out of us-east-1 must not call Route 53. Provision therefore ties the
records to a CloudWatch alarm in the DR region:

* the alarm ``pilotlight-dr-switch-<record>-<type>`` on the metric ``PilotLightDR/TrafficOnDR`` (dimension
  ``Record``): ALARM when the last value is 1 (serve from DR), OK when 0; ``TreatMissingData=ignore`` keeps
  the state while nothing is published, so the switch is a state, not a stream;
* the PRIMARY record's health check (role ``switch``) is a CLOUDWATCH_METRIC check on that alarm: healthy
  when OK; the SECONDARY record's (role ``switch_dr``) is the same check inverted: healthy only when ALARM.
  The SECONDARY alias does not evaluate target health, so a switch to DR is a true pin (Route 53's health
  checkers cannot undo it), and while the switch is OK Route 53 never answers with a DR side that was not
  promoted: with the PRIMARY unhealthy too, failover routing answers the PRIMARY.

Moving traffic is then one PutMetricData in the DR region (CloudWatch's data plane there); Route 53's
health checkers read the alarm and DNS follows, with no Route 53 API call.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import host

NAMESPACE = "PilotLightDR"
METRIC = "TrafficOnDR"
CONTROL_PLANE_REGION = "us-east-1"
HEALTH_CHECK = "health_check"
CLOUDWATCH_ALARM = "cloudwatch_alarm"


def alarm_name(record_name, record_type):
    return f"pilotlight-dr-switch-{host(record_name)}-{record_type}"


def dimensions(record_name, record_type, generation=0):
    return [
        {"Name": "Record", "Value": f"{host(record_name)} {record_type}"},
        {"Name": "Generation", "Value": str(generation)},
    ]


def generation_of(alarm):
    """The generation of the switch alarm: each switch back to the primary starts a new one (see ``move``)."""
    for item in (alarm or {}).get("Dimensions") or []:
        if item.get("Name") == "Generation" and str(item.get("Value", "")).isdigit():
            return int(item["Value"])
    return 0


def alarm_config(record_name, record_type, generation=0):
    """PutMetricAlarm arguments of the switch alarm."""
    return {
        "AlarmName": alarm_name(record_name, record_type),
        "AlarmDescription": (
            f"pilotlight.dr traffic switch of {host(record_name)} {record_type}: ALARM sends DNS "
            "to the DR endpoint (Route 53 health checks follow this alarm). Set by the failover "
            "and failback playbooks; do not delete."
        ),
        "Namespace": NAMESPACE,
        "MetricName": METRIC,
        "Dimensions": dimensions(record_name, record_type, generation),
        "Statistic": "Maximum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "ignore",
        "ActionsEnabled": False,
    }


def gate_config(region, name, inverted):
    """The CLOUDWATCH_METRIC health check on the switch alarm (inverted for the SECONDARY record)."""
    return {
        "Type": "CLOUDWATCH_METRIC",
        "AlarmIdentifier": {"Region": region, "Name": name},
        "InsufficientDataHealthStatus": "LastKnownStatus",
        "Inverted": inverted,
        "Disabled": False,
    }


def mode_of_state(state):
    """The switch mode an alarm state stands for (None: no alarm)."""
    if state is None:
        return None
    return "secondary" if state == "ALARM" else "auto"


def needs_control_plane(kind, primary_region):
    """The warning to give when a failover out of ``primary_region`` would need that region's control plane."""
    if kind == HEALTH_CHECK and primary_region == CONTROL_PLANE_REGION:
        return (
            "the primary region is us-east-1, where Route 53's control plane runs: with traffic_switch="
            "health_check a failover while us-east-1 is down cannot move DNS (UpdateHealthCheck fails). Use "
            "traffic_switch=cloudwatch_alarm (dr_dns_traffic_switch), which moves DNS with a CloudWatch alarm "
            "in the DR region"
        )
    return None


# -- calls (CloudWatch in the DR region) ------------------------------------------------------------
@DRErrorHandler.reader("read the switch alarm {1!r}", missing=("ResourceNotFound",))
def _describe(cloudwatch, name):
    alarms = cloudwatch.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm"], aws_retry=True).get(
        "MetricAlarms", []
    )
    return alarms[0] if alarms else None


def read_alarm(cloudwatch, name):
    """The switch alarm, or None when it does not exist; a failed read raises (never "absent")."""
    return _describe(cloudwatch, name)


def alarm_differs(alarm, config):
    if alarm is None:
        return True
    return any(alarm.get(key) != value for key, value in config.items() if key != "AlarmDescription")


def ensure_alarm(cloudwatch, record_name, record_type, check_mode=False):
    """(the alarm as read before, changed): the switch alarm exists as configured, in its current generation."""
    alarm = read_alarm(cloudwatch, alarm_name(record_name, record_type))
    config = alarm_config(record_name, record_type, generation_of(alarm))
    if not alarm_differs(alarm, config):
        return alarm, False
    if not check_mode:
        _put_alarm(cloudwatch, config)
    return alarm, True


def _put_alarm(cloudwatch, config):
    with aws_errors(f"put the switch alarm {config['AlarmName']!r}"):
        cloudwatch.put_metric_alarm(aws_retry=True, **config)


def publish(cloudwatch, record_name, record_type, to_dr, generation):
    """One datapoint of the switch: 1 sends DNS to DR, 0 keeps it on the primary (CloudWatch's data plane)."""
    with aws_errors(f"publish the traffic switch of {host(record_name)} (PutMetricData {NAMESPACE}/{METRIC})"):
        cloudwatch.put_metric_data(
            Namespace=NAMESPACE,
            aws_retry=True,
            MetricData=[
                {
                    "MetricName": METRIC,
                    "Dimensions": dimensions(record_name, record_type, generation),
                    "Value": 1.0 if to_dr else 0.0,
                    "Unit": "Count",
                }
            ],
        )


def move(cloudwatch, record_name, record_type, to_dr, alarm):
    """Set the switch; returns the generation the switch is now published in.

    To DR: one PutMetricData of 1 (the alarm takes the Maximum of the last minute, so it shows at once).
    Back: a 0 in the same minute as the 1 would not show until the 1 ages out, so the switch back starts a
    new generation (the alarm's Generation dimension, a PutMetricAlarm in the DR region, done when the primary
    region is back) and publishes its 0 there: the alarm shows OK at once.
    """
    generation = generation_of(alarm)
    if not to_dr and (alarm or {}).get("StateValue") == "ALARM":
        generation += 1
        _put_alarm(cloudwatch, alarm_config(record_name, record_type, generation))
    publish(cloudwatch, record_name, record_type, to_dr, generation)
    return generation


def wait_for_state(cloudwatch, record_name, record_type, to_dr, deadline, wait_until):
    """Wait until the alarm shows the switch."""
    name, want = alarm_name(record_name, record_type), "ALARM" if to_dr else "OK"
    wait_until(
        lambda: state_now(cloudwatch, name) == want, deadline, f"the switch alarm {name} to be {want}", delay=2.0
    )


def state_now(cloudwatch, name):
    alarm = read_alarm(cloudwatch, name)
    if alarm is None:
        raise DRError(
            f"the switch alarm {name!r} does not exist; provision DNS (role dr_dns, main.yml) with "
            "traffic_switch=cloudwatch_alarm while Route 53 is reachable"
        )
    return alarm.get("StateValue")
