"""Secrets Manager multi-Region secrets as DR uses them (issue 3, item 6).

moto 5.2 has no ``StopReplicationToReplica`` (HTTP 500), ignores the ``KmsKeyId`` of a replica Region,
marks every replica ``InSync`` at once, reports a same-name conflict with a message about a secret
called "simple" and appends a second status when a Region is replicated again. Here:

* ``StopReplicationToReplica`` (called in the replica's Region) turns the replica into a standalone
  secret there: same name and ARN, the value and versions it had, its own KMS key; the primary no
  longer lists that Region in ``ReplicationStatus`` and later primary changes no longer reach it.
  Calling it on a secret that is not a replica fails with ``InvalidRequestException``.
* ``ReplicateSecretToRegions`` / ``CreateSecret(AddReplicaRegions)`` encrypt the replica with the
  ``KmsKeyId`` given for its Region (``DescribeSecret`` in that Region and the primary's
  ``ReplicationStatus`` show it); a key that does not exist there makes that Region ``Failed``; the
  replica is ``InProgress`` for ``STATE.delay("secret_replication")``, then ``InSync``.
* A secret with the same name already in the target Region makes that Region ``Failed`` ("Secret
  with this name already exists in this region") and is left alone, unless
  ``ForceOverwriteReplicaSecret`` is true: then it is replaced by the replica (as for failback).
  A ``Failed`` Region can be replicated again (retry); a Region that already holds a replica of the
  secret is refused with ``InvalidParameterException``.
* Replica values follow the primary (moto reads the primary's versions; kept).
"""

import copy
import json
import threading
import time

from ..core import SCHEDULER
from ..core import STATE
from ..core import ExtensionError
from ..core import patch
from ..core import require

DESCRIPTION = (
    "Secrets Manager: StopReplicationToReplica promotes a replica to a standalone secret; replicas use the "
    "KmsKeyId of their Region, go InProgress then InSync, and a same-name secret needs ForceOverwriteReplicaSecret"
)

DEFAULT_KEY = "alias/aws/secretsmanager"
NAME_CONFLICT = "Secret with this name already exists in this region"
_LOCK = threading.RLock()


def _models():
    from moto.secretsmanager import models

    return models


def _key_exists(account_id, region, key_id):
    """True when ``key_id`` (id, ARN or alias) names a KMS key in ``region``."""
    if not key_id or key_id == DEFAULT_KEY:
        return True
    if key_id.startswith("arn:") and key_id.split(":")[3] != region:
        return False
    from moto.kms.models import kms_backends

    try:
        key = kms_backends[account_id][region].describe_key(key_id)
    except Exception:  # moto raises KeyError or NotFoundException for an unknown key or alias
        return False
    return bool(getattr(key, "enabled", True))


def _set_status(replica, status, message):
    replica.status = status
    replica.message = message
    replica.config["Status"] = status
    replica.config["StatusMessage"] = message


def _in_sync(replica):
    with _LOCK:
        if replica.status == "InProgress" and replica in replica.source.replicas:
            _set_status(replica, "InSync", "Replication succeeded")


def create_replicas(self, replica_regions, force_overwrite):
    models = _models()
    replica_regions = list(replica_regions or [])
    for config in replica_regions:
        region = config["Region"]
        if region == self.region:
            raise models.InvalidParameterException("Invalid replica region.")
        for existing in getattr(self, "replicas", []):
            if existing.region == region and existing.status != "Failed":
                raise models.InvalidParameterException(
                    f"The secret {self.name} is already replicated to {region}; remove it from replication first."
                )
    replicas = []
    for config in replica_regions:
        region = config["Region"]
        kms_key_id = config.get("KmsKeyId") or DEFAULT_KEY
        for failed in [r for r in getattr(self, "replicas", []) if r.region == region]:
            self.replicas.remove(failed)  # a retry replaces the Failed status
        target = models.secretsmanager_backends[self.account_id][region]
        if not _key_exists(self.account_id, region, kms_key_id):
            message = f"The KMS key {kms_key_id} is disabled or not found."
            replica = models.ReplicaSecret(self, region, "Failed", message)
        elif self.name in target.secrets and not force_overwrite:
            replica = models.ReplicaSecret(self, region, "Failed", NAME_CONFLICT)
        else:
            if self.name in target.secrets:
                existing = target.secrets[self.name]
                dict.pop(target.secrets, existing.name, None)
                dict.pop(target.secrets, existing.arn, None)
            replica = models.ReplicaSecret(self, region)
            _set_status(replica, "InProgress", "Replication in progress")
            target.secrets[replica.arn] = replica
            SCHEDULER.call_later(
                STATE.delay("secret_replication"), _in_sync, replica, name=f"secret replication {self.name} -> {region}"
            )
        replica.config["KmsKeyId"] = kms_key_id
        replicas.append(replica)
    return replicas


def replica_to_dict(original):
    def to_dict(self):
        described = original(self)
        described.pop("ReplicationStatus", None)
        key = self.config.get("KmsKeyId")
        if key and key != DEFAULT_KEY:
            described["KmsKeyId"] = key
        else:
            described.pop("KmsKeyId", None)
        return described

    return to_dict


def stop_replication_to_replica(self, secret_id):
    """The replica in this backend's Region becomes a standalone secret; returns its ARN."""
    models = _models()
    if not self._is_valid_identifier(secret_id):
        raise models.SecretNotFoundException()
    secret = self.secrets[secret_id]
    if not isinstance(secret, models.ReplicaSecret):
        raise models.InvalidRequestException(
            f"The secret {secret.name} in {self.region_name} is not a replica secret, so it cannot be promoted."
        )
    with _LOCK:
        source = secret.source
        standalone = copy.copy(source)
        standalone.region = self.region_name
        standalone.arn = secret.arn
        standalone.replicas = []
        standalone.versions = copy.deepcopy(source.versions)
        standalone.tags = copy.deepcopy(source.tags)
        standalone.kms_key_id = secret.config.get("KmsKeyId") or DEFAULT_KEY
        standalone.last_changed_date = int(time.time())
        dict.pop(self.secrets, secret.arn, None)
        self.secrets[standalone.name] = standalone
        if secret in source.replicas:
            source.replicas.remove(secret)
    return standalone.arn


def stop_replication_to_replica_response(self):
    arn = self.backend.stop_replication_to_replica(self._get_param("SecretId"))
    return json.dumps({"ARN": arn})


def _add(owner, name, fn):
    """Add an operation moto lacks; refuse to start once moto has its own (review this extension then)."""
    if hasattr(owner, name):
        raise ExtensionError(f"moto now implements {owner.__name__}.{name}: review the secretsmanager extension")
    setattr(owner, name, fn)


def install():
    models = _models()
    from moto.secretsmanager.responses import SecretsManagerResponse

    require(models.ReplicaSecret, "to_dict")
    require(models.SecretsManagerBackend, "_is_valid_identifier", "replicate_secret_to_regions")
    require(SecretsManagerResponse, "replicate_secret_to_regions")
    for name in (
        "InvalidParameterException",
        "InvalidRequestException",
        "SecretNotFoundException",
        "secretsmanager_backends",
    ):
        if not hasattr(models, name):
            raise ExtensionError(f"moto changed: moto.secretsmanager.models has no {name}")
    STATE.register_latency("secret_replication", 0.1, "seconds a new Secrets Manager replica stays InProgress")
    patch(models.FakeSecret, "create_replicas", create_replicas)
    patch(models.ReplicaSecret, "to_dict", replica_to_dict(models.ReplicaSecret.to_dict))
    _add(models.SecretsManagerBackend, "stop_replication_to_replica", stop_replication_to_replica)
    _add(SecretsManagerResponse, "stop_replication_to_replica", stop_replication_to_replica_response)
