"""ECS: services that run tasks up to their desired count, behind their target groups.

moto keeps a service's counts as numbers: ``CreateService`` leaves ``runningCount`` at 0 forever,
``UpdateService`` sets it to the desired count at once, no task is ever started for a service and
nothing is registered in its target groups, so "wait until running = desired and the targets are
healthy" is either never or always true. Here:

* a service's scheduler starts tasks until the tasks not stopped reach the desired count
  (``CreateService``, ``UpdateService``, a region coming back); each task is ``PENDING`` for
  ``STATE.delay("task_start")`` seconds, then ``RUNNING``; ``runningCount``/``pendingCount`` (and
  those of the primary deployment and of the cluster) count the service's real tasks; 0, the
  default, starts tasks at once;
* an ``awsvpc`` task (Fargate) gets moto's network interface and its private IP is registered in
  every target group of the service (container port): target health ``initial``
  (``Elb.RegistrationInProgress``) while it starts, then ``healthy``;
* scaling down (or ``DeleteService --force``) stops the newest tasks (``STOPPED``, stopped reason
  as ECS writes it) and deregisters their targets;
* ``ListTasks`` filters on ``serviceName`` and, as ECS does, returns only tasks whose desired
  status is ``RUNNING`` unless ``desiredStatus`` says otherwise;
* a regional outage (besides refusing every call, core) stops every service task of that region
  and deregisters its targets; when the region is up again the services start tasks again;
* ``CreateService`` and ``UpdateService`` refuse, as ECS does, a target group of type ``instance`` for a task
  definition in ``awsvpc`` mode (Fargate tasks register by IP): moto accepts it and registers the tasks'
  IPs as healthy "instances";
* ``DescribeClusters`` returns ``capacityProviders`` and ``defaultCapacityProviderStrategy`` as empty
  lists when the cluster has none, as AWS does (moto leaves them out, and
  ``community.aws.ecs_cluster`` fails with a KeyError on every re-run).
"""

import inspect
import threading
from types import SimpleNamespace

from moto.ecs.exceptions import InvalidParameterException
from moto.ecs.exceptions import TaskDefinitionNotFoundException
from moto.ecs.models import Cluster
from moto.ecs.models import EC2ContainerServiceBackend
from moto.ecs.models import Task
from moto.ecs.models import ecs_backends
from moto.elbv2.models import FakeHealthStatus
from moto.elbv2.models import FakeTargetGroup
from moto.elbv2.models import elbv2_backends

from ..core import SCHEDULER
from ..core import STATE
from ..core import patch
from ..core import require

DESCRIPTION = (
    "ECS: services start tasks up to the desired count (task_start latency, PENDING -> RUNNING), register them in "
    "their target groups (initial -> healthy), stop them on scale-down and during a regional outage"
)

OUTAGE_REASON = "Task stopped: the region had an outage (emulator)"
_LOCK = threading.RLock()
_STARTING = set()  # private IPs of tasks still starting (target health initial)


def _tasks_of(service):
    """The service's tasks, oldest first (kept on the moto object, so a reset drops them)."""
    if not hasattr(service, "emulator_tasks"):
        service.emulator_tasks = []
    return service.emulator_tasks


def _live(service):
    return [t for t in _tasks_of(service) if t.desired_status == "RUNNING"]


def _task_ip(task):
    for attachment in task.attachments:
        for detail in attachment.get("details", []):
            if detail["name"] == "privateIPv4Address":
                return detail["value"]
    return None


def _target_groups(service):
    """[(target group, port)] of the service's load balancers that exist."""
    region = service.region_name
    backend = elbv2_backends[service._account_id][region]
    out = []
    for lb in service.load_balancers or []:
        target_group = backend.target_groups.get(lb.get("targetGroupArn"))
        if target_group is not None:
            out.append((target_group, lb.get("containerPort") or target_group.port))
    return out


def _register(service, task):
    ip = _task_ip(task)
    if ip is None:
        return
    for target_group, port in _target_groups(service):
        target_group.register([{"Id": ip, "Port": port}])


def _deregister(service, task):
    ip = _task_ip(task)
    if ip is None:
        return
    with _LOCK:
        _STARTING.discard(ip)
    for target_group, _port in _target_groups(service):
        if ip in target_group.targets:
            target_group.deregister([{"Id": ip}])


def _recount(backend, service):
    tasks = _tasks_of(service)
    service.running_count = sum(1 for t in tasks if t.desired_status == "RUNNING" and t.last_status == "RUNNING")
    service.pending_count = sum(1 for t in tasks if t.desired_status == "RUNNING" and t.last_status == "PENDING")
    for deployment in service.deployments[:1]:
        deployment["desiredCount"] = service.desired_count
        deployment["runningCount"] = service.running_count
        deployment["pendingCount"] = service.pending_count
        done = service.running_count == service.desired_count and service.pending_count == 0
        deployment["rolloutState"] = "COMPLETED" if done else "IN_PROGRESS"
    cluster = backend.clusters.get(service.cluster_name)
    if cluster is not None:
        services = [s for s in backend.services.values() if s.cluster_name == service.cluster_name]
        cluster.running_tasks_count = sum(getattr(s, "running_count", 0) for s in services)
        cluster.pending_tasks_count = sum(getattr(s, "pending_count", 0) for s in services)


def _started(backend, service, task):
    with _LOCK:
        _STARTING.discard(_task_ip(task))
        if task.desired_status == "RUNNING" and task.last_status == "PENDING":
            task.last_status = "RUNNING"
            for container in task.containers:
                container.last_status = "RUNNING"
        _recount(backend, service)


def _attach_interface(task, backend, network_configuration):
    """The task's ENI, as ECS attaches it to an awsvpc task (moto's own attachment code fails)."""
    from moto.ec2.models import ec2_backends
    from moto.ec2.utils import random_private_ip

    vpc = network_configuration["awsvpcConfiguration"]
    eni = ec2_backends[backend.account_id][backend.region_name].create_network_interface(
        subnet=vpc["subnets"][0],
        private_ip_address=random_private_ip(),
        group_ids=vpc.get("securityGroups") or [],
        description=f"arn:aws:ecs:{backend.region_name}:{backend.account_id}:attachment (emulator)",
    )
    eni.status = "in-use"
    ip = eni.private_ip_address
    task.network_configuration = network_configuration
    task.attachments.append(
        {
            "id": eni.id,
            "type": "ElasticNetworkInterface",
            "status": "ATTACHED",
            "details": [
                {"name": "subnetId", "value": vpc["subnets"][0]},
                {"name": "networkInterfaceId", "value": eni.id},
                {
                    "name": "privateDnsName",
                    "value": f"ip-{ip.replace('.', '-')}.{backend.region_name}.compute.internal",
                },
                {"name": "privateIPv4Address", "value": ip},
            ],
        }
    )


def _start_task(backend, service):
    cluster = backend.clusters[service.cluster_name]
    definition = backend.describe_task_definition(service.task_definition)
    # moto's Task builds an awsvpc attachment that fails on its own ENI model: attach it here instead.
    plain = SimpleNamespace(
        arn=definition.arn, network_mode="none", container_definitions=definition.container_definitions
    )
    task = Task(
        cluster,
        plain,
        None,
        None,
        backend,
        group=f"service:{service.name}",
        launch_type=service.launch_type or "",
        started_by=(service.deployments[0]["id"] if service.deployments else "ecs-svc"),
        platform_version=service.platform_version,
    )
    if definition.network_mode == "awsvpc" and service.network_configuration:
        _attach_interface(task, backend, service.network_configuration)
    task._transitions = []  # the status is the scheduler's, not moto's describe-count state machine
    backend.tasks.setdefault(cluster.name, {})[task.task_arn] = task
    _tasks_of(service).append(task)
    delay = STATE.delay("task_start")
    if delay <= 0:
        task.last_status = "RUNNING"
        for container in task.containers:
            container.last_status = "RUNNING"
        _register(service, task)
        return
    task.last_status = "PENDING"
    ip = _task_ip(task)
    if ip:
        with _LOCK:
            _STARTING.add(ip)
    _register(service, task)
    SCHEDULER.call_later(delay, _started, backend, service, task, name=f"task_start {task.id}")


def _stop_task(service, task, reason):
    task.desired_status = "STOPPED"
    task.last_status = "STOPPED"
    task.stopped_reason = reason
    for container in task.containers:
        container.last_status = "STOPPED"
    _deregister(service, task)


def reconcile(backend, service):
    """Start or stop the service's tasks so that the live ones are its desired count."""
    with _LOCK:
        if STATE.is_down(service.region_name):
            return
        live = _live(service)
        desired = service.desired_count if service.status == "ACTIVE" else 0
        if len(live) < desired and service.task_definition:
            for _dummy in range(desired - len(live)):
                _start_task(backend, service)
        for task in reversed(live[desired:] if len(live) > desired else []):
            _stop_task(service, task, f"Scaling activity initiated by (deployment {task.started_by})")
        _recount(backend, service)


def _refuse_instance_targets(backend, task_definition, load_balancers):
    """ECS's InvalidParameterException for an instance target group behind an awsvpc task definition."""
    if not task_definition or not load_balancers:
        return
    try:
        definition = backend.describe_task_definition(task_definition)
    except TaskDefinitionNotFoundException:  # moto reports it itself
        return
    if definition.network_mode != "awsvpc":
        return
    groups = elbv2_backends[backend.account_id][backend.region_name].target_groups
    for lb in load_balancers:
        group = groups.get(lb.get("targetGroupArn"))
        if group is not None and group.target_type == "instance":
            raise InvalidParameterException(
                f"The provided target group {group.arn} has target type instance, which is incompatible with "
                "the awsvpc network mode specified in the task definition."
            )


# -- moto patches ----------------------------------------------------------------------------------
def _wrap_create_service(original):
    def create_service(self, *args, **kwargs):
        bound = inspect.signature(original).bind(self, *args, **kwargs)
        _refuse_instance_targets(
            self, bound.arguments.get("task_definition_str"), bound.arguments.get("load_balancers")
        )
        service = original(self, *args, **kwargs)
        reconcile(self, service)
        return service

    return create_service


def _wrap_update_service(original):
    def update_service(self, service_properties):
        if service_properties.get("load_balancers"):
            current = self._get_service(service_properties.get("cluster", "default"), service_properties["service"])
            _refuse_instance_targets(
                self,
                service_properties.get("task_definition") or current.task_definition,
                service_properties["load_balancers"],
            )
        service = original(self, service_properties)
        reconcile(self, service)
        return service

    return update_service


def _wrap_delete_service(original):
    def delete_service(self, cluster_name, service_name, force):
        service = original(self, cluster_name, service_name, force)
        reconcile(self, service)
        return service

    return delete_service


def _wrap_list_tasks(original):
    def list_tasks(
        self,
        cluster_str=None,
        container_instance=None,
        family=None,
        started_by=None,
        service_name=None,
        desiredStatus=None,
    ):  # noqa: N803 (moto's name)
        tasks = original(self, cluster_str, container_instance, family, started_by, service_name, desiredStatus)
        if service_name:
            tasks = [t for t in tasks if t.group == f"service:{service_name.split('/')[-1]}"]
        if not desiredStatus:
            tasks = [t for t in tasks if t.desired_status == "RUNNING"]
        return tasks

    return list_tasks


def _wrap_health_for(original):
    def health_for(self, target, ec2_backend):
        status = original(self, target, ec2_backend)
        with _LOCK:
            starting = status.instance_id in _STARTING
        if status.status == "healthy" and starting:
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


def _region_backends(region):
    for account_backends in list(ecs_backends.values()):
        backend = dict.get(account_backends, region)
        if backend is not None:
            yield backend


def _region_changed(region, up):
    for backend in _region_backends(region):
        for service in list(backend.services.values()):
            if up:
                reconcile(backend, service)
                continue
            with _LOCK:
                for task in _live(service):
                    _stop_task(service, task, OUTAGE_REASON)
                _recount(backend, service)


def _wrap_set_region(original):
    def set_region(region, up):
        was_down = STATE.is_down(region)
        original(region, up)
        if was_down == up:  # a change: down -> up, or up -> down
            _region_changed(region, up)

    return set_region


def _wrap_cluster_init(original):
    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.capacity_providers = self.capacity_providers or []
        self.default_capacity_provider_strategy = self.default_capacity_provider_strategy or []

    return __init__


def install():
    STATE.register_latency(
        "task_start",
        0.0,
        "seconds an ECS service task stays PENDING (target health initial) before it is RUNNING and healthy "
        "(AWS Fargate: 30-90 seconds)",
    )
    require(Task, "__init__")
    require(EC2ContainerServiceBackend, "_get_service", "describe_task_definition")
    patch(Cluster, "__init__", _wrap_cluster_init(Cluster.__init__))
    for name, wrap in (
        ("create_service", _wrap_create_service),
        ("update_service", _wrap_update_service),
        ("delete_service", _wrap_delete_service),
        ("list_tasks", _wrap_list_tasks),
    ):
        require(EC2ContainerServiceBackend, name)
        patch(EC2ContainerServiceBackend, name, wrap(getattr(EC2ContainerServiceBackend, name)))
    require(FakeTargetGroup, "health_for")
    patch(FakeTargetGroup, "health_for", _wrap_health_for(FakeTargetGroup.health_for))
    patch(STATE, "set_region", _wrap_set_region(STATE.set_region))
