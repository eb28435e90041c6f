"""The runbook's ``both_regions_active`` check: fail, pass and not checked, and which regions it calls."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import regions
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.components import COMPONENTS
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
PARAMETER = "/megaticket/dr/recovery_mode"
COMPUTE = {"name": "compute", "options": {"primary_asg_names": ["MegaTicket-Web-ASG", "MegaTicket-App-ASG"]}}
ECS = {
    "name": "ecs",
    "options": {"primary_cluster": "fileflow-prod-cluster", "services": [{"name": "dr", "primary_name": "fileflow"}]},
}
EKS = {
    "name": "eks",
    "options": {
        "primary_cluster": "shop-prod",
        "standby_size": 1,
        "nodegroups": [{"name": "dr", "primary_name": "ng"}],
    },
}


def error(code):
    return ClientError({"Error": {"Code": code, "Message": code}}, "Read")


class Fake:
    """The few reads of the check, answered from dicts; an Exception value is raised."""

    def __init__(self, parameters=None, groups=None, services=None, nodegroups=None):
        self.parameters = parameters or {}
        self.groups, self.services, self.nodegroups = groups or {}, services or {}, nodegroups or {}

    @staticmethod
    def _answer(value):
        if isinstance(value, Exception):
            raise value
        return value

    def get_parameters(self, Names, aws_retry=False):
        found = [{"Name": n, "Value": self._answer(self.parameters[n])} for n in Names if n in self.parameters]
        return {"Parameters": found, "InvalidParameters": [n for n in Names if n not in self.parameters]}

    def get_paginator(self, operation):
        assert operation == "describe_auto_scaling_groups"
        fake = self

        class Pages:
            def paginate(self, AutoScalingGroupNames):
                self.names = AutoScalingGroupNames
                return self

            def build_full_result(self):
                found = [
                    dict(fake._answer(fake.groups[n]), AutoScalingGroupName=n) for n in self.names if n in fake.groups
                ]
                return {"AutoScalingGroups": found}

        return Pages()

    def describe_services(self, cluster, services, include=None, aws_retry=False):
        found = [
            dict(self._answer(self.services[n]), serviceName=n, status="ACTIVE") for n in services if n in self.services
        ]
        return {"services": found}

    def describe_nodegroup(self, clusterName, nodegroupName, aws_retry=False):
        if nodegroupName not in self.nodegroups:
            raise error("ResourceNotFoundException")
        return {"nodegroup": self._answer(self.nodegroups[nodegroupName])}


def run(dr, primary, components=(COMPUTE,), primary_reachable=True):
    calls = []

    def factory(service, region):
        calls.append((service, region))
        return {TOKYO: dr, SEOUL: primary}[region]

    spec = {
        "name": "runbook",
        "region": TOKYO,
        "primary_region": SEOUL,
        "primary_reachable": primary_reachable,
        "options": {"recovery_parameter_path": "/megaticket/dr/", "components": list(components)},
    }
    results = COMPONENTS["runbook"](ReadinessContext(factory, spec))
    assert [(r["component"], r["check"], r["side"]) for r in results] == [
        ("dr_runbook", "both_regions_active", "primary")
    ]
    return results[0], calls


RECOVERING = Fake(parameters={PARAMETER: "true"})


def test_fails_when_the_returning_primary_runs_while_dr_is_active():
    primary = Fake(groups={"MegaTicket-Web-ASG": {"DesiredCapacity": 2}, "MegaTicket-App-ASG": {"DesiredCapacity": 0}})
    outcome, _calls = run(RECOVERING, primary)
    assert outcome["status"] == "fail"
    assert outcome["reason"].startswith(f"BOTH REGIONS ACTIVE: MegaTicket-Web-ASG (desired 2) in {SEOUL} while DR")
    assert "App-ASG (desired" not in outcome["reason"]
    assert "failback.yml" in outcome["fix"] and "fences the returning primary" in outcome["fix"]
    assert outcome["evidence"] == {"MegaTicket-Web-ASG": 2, "MegaTicket-App-ASG": 0}


def test_ecs_services_and_eks_node_groups_above_their_standby_size_count_too():
    primary = Fake(services={"fileflow": {"desiredCount": 3}}, nodegroups={"ng": {"scalingConfig": {"desiredSize": 1}}})
    outcome, _calls = run(RECOVERING, primary, components=(ECS, EKS))
    assert outcome["status"] == "fail" and "fileflow-prod-cluster/fileflow (desired 3)" in outcome["reason"]
    assert "shop-prod/ng" not in outcome["reason"]  # at the standby size of 1: fenced
    primary.nodegroups["ng"]["scalingConfig"]["desiredSize"] = 2
    outcome, _calls = run(RECOVERING, primary, components=(EKS,))
    assert outcome["status"] == "fail" and "shop-prod/ng (desired 2)" in outcome["reason"]


def test_passes_when_the_primary_writers_are_stopped():
    primary = Fake(groups={"MegaTicket-Web-ASG": {"DesiredCapacity": 0}, "MegaTicket-App-ASG": {"DesiredCapacity": 0}})
    outcome, _calls = run(RECOVERING, primary)
    assert outcome["status"] == "pass" and "writers are stopped" in outcome["reason"]


@pytest.mark.parametrize("parameters", [{}, {PARAMETER: "false"}])
def test_passes_without_calling_the_primary_when_dr_is_not_active(parameters):
    outcome, calls = run(Fake(parameters=parameters), None, primary_reachable=True)
    assert outcome["status"] == "pass" and "DR is not active" in outcome["reason"]
    assert calls == [("ssm", TOKYO)]


def test_not_checked_when_the_primary_is_not_to_be_called():
    outcome, calls = run(RECOVERING, None, primary_reachable=False)
    assert outcome["status"] == "not_checked" and "primary_reachable=false" in outcome["reason"]
    assert calls == [("ssm", TOKYO)]


def test_not_checked_when_a_read_fails_never_absent():
    # (refused rather than throttled: the retry policy's back-off would make the test wait)
    primary = Fake(groups={"MegaTicket-Web-ASG": error("AccessDenied")})
    outcome, _calls = run(RECOVERING, primary)
    assert outcome["status"] == "not_checked" and "AccessDenied" in outcome["reason"]
    outcome, calls = run(Fake(parameters={PARAMETER: error("AccessDeniedException")}), None)
    assert outcome["status"] == "not_checked" and calls == [("ssm", TOKYO)]


def test_primary_writers_come_from_the_component_specs():
    assert regions.primary_writers([COMPUTE, ECS, EKS, {"name": "rds", "options": {}}]) == [
        ("asg", None, ["MegaTicket-Web-ASG", "MegaTicket-App-ASG"], 0),
        ("ecs", "fileflow-prod-cluster", ["fileflow"], 0),
        ("eks", "shop-prod", ["ng"], 1),
    ]
    assert regions.recovery_parameter({"recovery_parameter_path": "/portforge/dr"}) == "/portforge/dr/recovery_mode"
