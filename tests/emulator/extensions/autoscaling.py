"""Auto Scaling: metrics collection calls and instance boot time, with target health to match.

moto answers ``DisableMetricsCollection`` with a 500 (so ``amazon.aws.autoscaling_group`` fails on
every re-run of a group without metrics) and ``EnableMetricsCollection`` without ``Metrics``
enables nothing, where AWS enables every group metric. Instances that moto launches for a group are
``InService`` (and ``healthy`` in the group's target groups) the moment the capacity changes. Here:

* ``DisableMetricsCollection`` removes the named metrics (all when none is named);
  ``EnableMetricsCollection`` without ``Metrics`` enables all group metrics, with the granularity;
* instances a group launches stay ``Pending`` for ``STATE.delay("instance_boot")`` seconds, then
  become ``InService`` (their EC2 state is ``running`` throughout: EC2's own pending is short and
  moto registers only running targets); they count
  toward the group's capacity meanwhile, as in AWS, so a second capacity change launches no extra
  instance; 0, the default, keeps moto's instant start;
* while an instance boots, its target health in the group's target groups is ``initial``
  (``Elb.RegistrationInProgress``), then ``healthy``; any target of a target group whose region is
  down is ``unhealthy`` (``Target.FailedHealthChecks``), as seen by anything still able to look.
"""

import threading

from moto.autoscaling.models import FakeAutoScalingGroup
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import EmptyResult
from moto.elbv2.models import FakeHealthStatus
from moto.elbv2.models import FakeTargetGroup

from ..core import SCHEDULER
from ..core import STATE
from ..core import ExtensionError
from ..core import on_reset
from ..core import patch
from ..core import require

DESCRIPTION = (
    "Auto Scaling: Enable/DisableMetricsCollection; instance boot latency (instance_boot) with Pending -> InService "
    "and target health initial -> healthy (unhealthy when the region is down)"
)

# What AWS enables when EnableMetricsCollection names no metric.
ALL_GROUP_METRICS = (
    "GroupMinSize",
    "GroupMaxSize",
    "GroupDesiredCapacity",
    "GroupInServiceInstances",
    "GroupPendingInstances",
    "GroupStandbyInstances",
    "GroupTerminatingInstances",
    "GroupTotalInstances",
    "GroupInServiceCapacity",
    "GroupPendingCapacity",
    "GroupStandbyCapacity",
    "GroupTerminatingCapacity",
    "GroupTotalCapacity",
    "WarmPoolDesiredCapacity",
    "WarmPoolWarmedCapacity",
    "WarmPoolPendingCapacity",
    "WarmPoolTerminatingCapacity",
    "WarmPoolTotalCapacity",
    "GroupAndWarmPoolDesiredCapacity",
    "GroupAndWarmPoolTotalCapacity",
)

# Lifecycle states that count toward a group's capacity (moto counts InService only).
COUNTED_STATES = ("InService", "Pending", "Pending:Wait", "Pending:Proceed")

_BOOTING = set()  # instance ids still booting
_LOCK = threading.Lock()


def add(owner, name, fn):
    """Give moto a method it lacks; refuse to start once moto has its own (then drop ours)."""
    if hasattr(owner, name):
        raise ExtensionError(f"moto now implements {owner.__name__}.{name}: remove the emulator's version")
    setattr(owner, name, fn)


# -- metrics collection -----------------------------------------------------------------------
def enable_metrics_collection(self):
    group_name = self._get_param("AutoScalingGroupName")
    metrics = self._get_param("Metrics") or list(ALL_GROUP_METRICS)
    group = self.autoscaling_backend.autoscaling_groups[group_name]
    group.metrics = sorted(set(group.metrics) | set(metrics))
    return EmptyResult()


def disable_metrics_collection(self):
    group_name = self._get_param("AutoScalingGroupName")
    metrics = self._get_param("Metrics")
    group = self.autoscaling_backend.autoscaling_groups[group_name]
    group.metrics = [] if not metrics else [m for m in group.metrics if m not in metrics]
    return EmptyResult()


# -- instance boot ----------------------------------------------------------------------------
def _active_instances(self):
    return [state for state in self.instance_states if state.lifecycle_state in COUNTED_STATES]


def _booted(instance_state):
    with _LOCK:
        _BOOTING.discard(instance_state.instance.id)
    if instance_state.lifecycle_state == "Pending":
        instance_state.lifecycle_state = "InService"


def _wrap_replace(original):
    def replace_autoscaling_group_instances(self, count_needed, propagated_tags):
        before = {state.instance.id for state in self.instance_states}
        original(self, count_needed, propagated_tags)
        delay = STATE.delay("instance_boot")
        if delay <= 0:
            return
        for state in self.instance_states:
            if state.instance.id in before:
                continue
            state.lifecycle_state = "Pending"
            with _LOCK:
                _BOOTING.add(state.instance.id)
            SCHEDULER.call_later(delay, _booted, state, name=f"instance_boot {state.instance.id}")

    return replace_autoscaling_group_instances


def _wrap_health_for(original):
    def health_for(self, target, ec2_backend):
        status = original(self, target, ec2_backend)
        if status.status not in ("healthy", "initial"):
            return status
        if STATE.is_down(self.region_name):
            return FakeHealthStatus(
                status.instance_id,
                status.port,
                status.health_check_port,
                "unhealthy",
                "Target.FailedHealthChecks",
                "Health checks failed",
            )
        with _LOCK:
            booting = status.instance_id in _BOOTING
        if booting:
            return FakeHealthStatus(
                status.instance_id,
                status.port,
                status.health_check_port,
                "initial",
                "Elb.RegistrationInProgress",
                "Target registration is in progress",
            )
        return status

    return health_for


@on_reset
def _forget_booting():
    with _LOCK:
        _BOOTING.clear()


def install():
    STATE.register_latency(
        "instance_boot",
        0.0,
        "seconds an instance launched by an Auto Scaling group stays Pending (target health initial) "
        "before it is InService and healthy (AWS: 1-3 minutes)",
    )
    patch(AutoScalingResponse, "enable_metrics_collection", enable_metrics_collection)
    add(AutoScalingResponse, "disable_metrics_collection", disable_metrics_collection)
    patch(FakeAutoScalingGroup, "active_instances", _active_instances)
    require(FakeAutoScalingGroup, "replace_autoscaling_group_instances")
    patch(
        FakeAutoScalingGroup,
        "replace_autoscaling_group_instances",
        _wrap_replace(FakeAutoScalingGroup.replace_autoscaling_group_instances),
    )
    require(FakeTargetGroup, "health_for")
    patch(FakeTargetGroup, "health_for", _wrap_health_for(FakeTargetGroup.health_for))
