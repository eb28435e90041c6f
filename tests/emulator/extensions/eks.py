"""EKS: managed node groups backed by an Auto Scaling group whose nodes become ready after a latency.

moto's node group is a record: its ``resources.autoScalingGroups`` names an Auto Scaling group that
does not exist, so nothing ever runs and "wait until the nodes are ready" cannot be told from
"no node at all". Here, as EKS does:

* ``CreateNodegroup`` creates the node group's Auto Scaling group (the name moto reports, a launch
  template of the node group's first instance type) at the scaling config's min/max/desired;
* ``UpdateNodegroupConfig`` with ``scalingConfig`` sets the group's min/max/desired; new nodes are
  ``Pending`` for ``STATE.delay("node_ready")`` seconds, then ``InService`` (a node that joined the
  cluster and is Ready); 0, the default, makes them ready at once; scaling in terminates nodes;
* a node group without ``updateConfig`` gets EKS's default (``maxUnavailable`` 1), which moto leaves
  out (``community.aws.eks_nodegroup`` fails with a KeyError on every re-run);
* ``TagResource``, ``UntagResource`` and ``ListTagsForResource`` work on node group ARNs too (moto's
  tag only clusters), and ``DescribeNodegroup`` shows those tags;
* ``DeleteNodegroup`` deletes the Auto Scaling group and its nodes;
* a regional outage (besides refusing every call, core) terminates the nodes of that region's node
  groups; when the region is up again the groups launch nodes again, which become ready after the latency.
"""

import threading

from moto.autoscaling.models import autoscaling_backends
from moto.ec2.models import ec2_backends
from moto.eks.models import EKSBackend
from moto.eks.models import eks_backends

from ..core import SCHEDULER
from ..core import STATE
from ..core import on_reset
from ..core import patch
from ..core import require

DESCRIPTION = (
    "EKS: managed node groups get their Auto Scaling group; nodes are Pending for node_ready seconds, then InService; "
    "scaling config changes resize it; node group tags; a regional outage terminates the nodes until the region is back"
)

NODE_IMAGE = "ami-12c6146b"  # an image moto knows; EKS picks the optimized AMI of the node group's release
_LOCK = threading.RLock()
_GROUPS = {}  # (account, region, asg name) -> (cluster name, node group name)


def _asg_name(nodegroup):
    return nodegroup.resources["autoScalingGroups"][0]["name"]


def _asg_backend(account_id, region):
    return autoscaling_backends[account_id][region]


def _booted(state):
    if state.lifecycle_state == "Pending":
        state.lifecycle_state = "InService"


def _resize(account_id, region, name, scaling=None):
    """Set the group's sizes (when given) and launch/terminate nodes; new ones boot for node_ready seconds."""
    backend = _asg_backend(account_id, region)
    group = backend.autoscaling_groups.get(name)
    if group is None or STATE.is_down(region):
        return
    with _LOCK:
        before = {state.instance.id for state in group.instance_states}
        if scaling:
            group.min_size = scaling.get("minSize", group.min_size)
            group.max_size = scaling.get("maxSize", group.max_size)
            desired = scaling.get("desiredSize", group.desired_capacity)
        else:
            desired = group.desired_capacity
        group.set_desired_capacity(desired)
        delay = STATE.delay("node_ready")
        for state in group.instance_states:
            if state.instance.id in before:
                continue
            if delay <= 0:
                state.lifecycle_state = "InService"
                continue
            state.lifecycle_state = "Pending"
            SCHEDULER.call_later(delay, _booted, state, name=f"node_ready {state.instance.id}")


def _create_group(account_id, region, nodegroup):
    name = _asg_name(nodegroup)
    ec2 = ec2_backends[account_id][region]
    instance_type = (nodegroup.instance_types or ["t3.medium"])[0]
    template = ec2.create_launch_template(
        name,
        f"EKS node group {nodegroup.nodegroup_name} (emulator)",
        {"ImageId": NODE_IMAGE, "InstanceType": instance_type},
        {},
    )
    scaling = nodegroup.scaling_config
    backend = _asg_backend(account_id, region)
    backend.create_auto_scaling_group(
        name=name,
        availability_zones=[],
        desired_capacity=0,
        max_size=scaling.get("maxSize", 1),
        min_size=0,
        launch_config_name=None,
        launch_template={"LaunchTemplateId": template.id, "Version": "$Latest"},
        vpc_zone_identifier=",".join(nodegroup.subnets),
        default_cooldown=None,
        health_check_period=None,
        health_check_type=None,
        load_balancers=[],
        target_group_arns=[],
        placement_group=None,
        termination_policies=[],
        tags=[
            {
                "ResourceId": name,
                "ResourceType": "auto-scaling-group",
                "Key": "eks:nodegroup-name",
                "Value": nodegroup.nodegroup_name,
                "PropagateAtLaunch": True,
            }
        ],
    )
    with _LOCK:
        _GROUPS[(account_id, region, name)] = (nodegroup.cluster_name, nodegroup.nodegroup_name)
    _resize(account_id, region, name, scaling)


# -- moto patches ----------------------------------------------------------------------------------
def _wrap_create_nodegroup(original):
    def create_nodegroup(self, *args, **kwargs):
        nodegroup = original(self, *args, **kwargs)
        # moto shares one default scaling config dict between node groups: give each its own.
        nodegroup.scaling_config = dict(nodegroup.scaling_config)
        # EKS reports the default update config; moto none (community.aws.eks_nodegroup then fails on a re-run).
        nodegroup.update_config = nodegroup.update_config or {"maxUnavailable": 1}
        _create_group(self.account_id, self.region_name, nodegroup)
        return nodegroup

    return create_nodegroup


def _wrap_update_nodegroup_config(original):
    def update_nodegroup_config(self, cluster_name, nodegroup_name, *args, **kwargs):
        update = original(self, cluster_name, nodegroup_name, *args, **kwargs)
        nodegroup = self.clusters[cluster_name].nodegroups[nodegroup_name]
        if kwargs.get("scaling_config"):
            _resize(self.account_id, self.region_name, _asg_name(nodegroup), nodegroup.scaling_config)
        return update

    return update_nodegroup_config


def _wrap_delete_nodegroup(original):
    def delete_nodegroup(self, cluster_name, nodegroup_name):
        nodegroup = original(self, cluster_name, nodegroup_name)
        name = _asg_name(nodegroup)
        backend = _asg_backend(self.account_id, self.region_name)
        if name in backend.autoscaling_groups:
            backend.delete_auto_scaling_group(name)
        with _LOCK:
            _GROUPS.pop((self.account_id, self.region_name, name), None)
        return nodegroup

    return delete_nodegroup


def _nodegroup_by_arn(backend, arn):
    for cluster in backend.clusters.values():
        for nodegroup in cluster.nodegroups.values():
            if nodegroup.arn == arn:
                return nodegroup
    return None


def _wrap_tag_resource(original):
    def tag_resource(self, resource_arn, tags):
        nodegroup = _nodegroup_by_arn(self, resource_arn)
        if nodegroup is None:
            return original(self, resource_arn, tags)
        nodegroup.tags.update(tags)

    return tag_resource


def _wrap_untag_resource(original):
    def untag_resource(self, resource_arn, tag_keys):
        nodegroup = _nodegroup_by_arn(self, resource_arn)
        if nodegroup is None:
            return original(self, resource_arn, tag_keys)
        for key in [tag_keys] if isinstance(tag_keys, str) else tag_keys:
            nodegroup.tags.pop(key, None)

    return untag_resource


def _wrap_list_tags_for_resource(original):
    def list_tags_for_resource(self, resource_arn):
        nodegroup = _nodegroup_by_arn(self, resource_arn)
        return original(self, resource_arn) if nodegroup is None else nodegroup.tags

    return list_tags_for_resource


def _region_changed(region, up):
    with _LOCK:
        groups = [(account, name) for (account, reg, name) in _GROUPS if reg == region]
    for account_id, name in groups:
        if up:
            _resize(account_id, region, name)
            continue
        group = _asg_backend(account_id, region).autoscaling_groups.get(name)
        if group is None:
            continue
        with _LOCK:
            ids = [state.instance.id for state in group.instance_states]
            if ids:
                ec2_backends[account_id][region].terminate_instances(ids)
            group.instance_states = []


def _wrap_set_region(original):
    def set_region(region, up):
        was_down = STATE.is_down(region)
        original(region, up)
        if was_down == up:  # a change: down -> up, or up -> down
            _region_changed(region, up)

    return set_region


@on_reset
def _forget_groups():
    with _LOCK:
        _GROUPS.clear()


def install():
    STATE.register_latency(
        "node_ready",
        0.0,
        "seconds a node launched for an EKS managed node group stays Pending before it is InService (joined and "
        "Ready; AWS: 2-4 minutes)",
    )
    require(eks_backends, "__getitem__")
    for name, wrap in (
        ("create_nodegroup", _wrap_create_nodegroup),
        ("update_nodegroup_config", _wrap_update_nodegroup_config),
        ("delete_nodegroup", _wrap_delete_nodegroup),
        ("tag_resource", _wrap_tag_resource),
        ("untag_resource", _wrap_untag_resource),
        ("list_tags_for_resource", _wrap_list_tags_for_resource),
    ):
        require(EKSBackend, name)
        patch(EKSBackend, name, wrap(getattr(EKSBackend, name)))
    patch(STATE, "set_region", _wrap_set_region(STATE.set_region))
