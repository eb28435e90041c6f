"""The alarm switch: names, generations, modes and the calls a switch makes (fake CloudWatch client)."""

from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import planning
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import switch

NAME = "www.megaticket.click."


class FakeCloudWatch:
    def __init__(self):
        self.calls = []

    def put_metric_alarm(self, aws_retry=False, **config):
        self.calls.append(("PutMetricAlarm", config["Dimensions"][1]["Value"]))

    def put_metric_data(self, Namespace, MetricData, aws_retry=False):
        self.calls.append(("PutMetricData", MetricData[0]["Dimensions"][1]["Value"], MetricData[0]["Value"]))


def alarm(state, generation):
    return dict(switch.alarm_config(NAME, "A", generation), StateValue=state)


def test_names_and_generations():
    assert switch.alarm_name(NAME, "A") == "pilotlight-dr-switch-www.megaticket.click-A"
    assert switch.generation_of(alarm("OK", 3)) == 3 and switch.generation_of(None) == 0
    assert [switch.mode_of_state(s) for s in (None, "OK", "ALARM", "INSUFFICIENT_DATA")] == [
        None,
        "auto",
        "secondary",
        "auto",
    ]


def test_to_dr_publishes_1_in_the_current_generation():
    cloudwatch = FakeCloudWatch()
    assert switch.move(cloudwatch, NAME, "A", True, alarm("OK", 2)) == 2
    assert cloudwatch.calls == [("PutMetricData", "2", 1.0)]


def test_back_from_dr_starts_a_new_generation_so_the_0_shows_at_once():
    cloudwatch = FakeCloudWatch()
    assert switch.move(cloudwatch, NAME, "A", False, alarm("ALARM", 2)) == 3
    assert cloudwatch.calls == [("PutMetricAlarm", "3"), ("PutMetricData", "3", 0.0)]


def test_only_the_health_check_switch_with_a_us_east_1_primary_warns():
    assert "cloudwatch_alarm" in switch.needs_control_plane("health_check", "us-east-1")
    assert switch.needs_control_plane("cloudwatch_alarm", "us-east-1") is None
    assert switch.needs_control_plane("health_check", "ap-northeast-2") is None


def test_alarm_mode_never_expects_dr_unless_switched_and_pins_primary_as_auto():
    config = switch.gate_config("us-west-2", "a", False)
    unhealthy = {"primary": (False, False), "secondary": (True, True)}
    assert planning.expected_endpoint(None, "auto", config, unhealthy) == "primary"
    assert planning.expected_endpoint(None, "secondary", config, unhealthy) == "secondary"
    assert planning.target_mode("primary", True, "secondary", True, alarm=True) == "auto"


def test_the_secondary_record_does_not_evaluate_target_health_with_the_alarm():
    endpoints = {
        "primary": {"alias": {"evaluate_target_health": True}},
        "secondary": {"alias": {"evaluate_target_health": True}},
    }
    pinned = planning.record_endpoints(endpoints, {"Region": "us-west-2", "Name": "a"})
    assert pinned["secondary"]["alias"]["evaluate_target_health"] is False
    assert pinned["primary"]["alias"]["evaluate_target_health"] is True
    assert planning.record_endpoints(endpoints, None) is endpoints
