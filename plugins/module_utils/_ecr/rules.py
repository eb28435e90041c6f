# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ECR registry replication rules: our destination merged into the registry's rules (pure), and the calls.

Every call names its registry (``registryId``): the source registry is the caller's own (the one
whose replication configuration PutReplicationConfiguration sets), the destination is the rule's
destination registry. An ECR call without ``registryId`` goes to the caller's registry, which is the
wrong one as soon as the destination belongs to another account.
"""

import json
import re

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler

PREFIX_MATCH = "PREFIX_MATCH"
MAX_RULES = 25
REGISTRY_ID_PATTERN = re.compile(r"^[0-9]{12}$")


def destination_of(region, registry_id):
    return {"region": region, "registryId": registry_id}


def registry_id_problem(registry_id):
    """Why ``registry_id`` cannot name an ECR registry (an account id), None when it can."""
    if registry_id is None or REGISTRY_ID_PATTERN.match(registry_id):
        return None
    return f"registry_id {registry_id!r} is not an AWS account id (12 digits)"


def backfill_problem(own_id, registry_id, source_region, region):
    """Why the backfill cannot run with the credentials of registry ``own_id``, None when it can.

    The backfill reads and writes the destination registry (DescribeImages, PutImage,
    BatchDeleteImage): with the source account's credentials that works for the source account's own
    registry only. A registry of another account needs that account's credentials (the replication
    rule itself lives in the source registry and needs none).
    """
    if registry_id == own_id:
        return None
    return (
        f"backfill cannot write into registry {registry_id} in {region}: it belongs to another account than "
        f"these credentials (registry {own_id}, the source in {source_region}), and copying images there needs "
        f"account {registry_id}'s credentials. Set backfill: false to manage the replication rule only (images "
        f"pushed from now on replicate to {registry_id}), or leave registry_id unset to backfill a DR region "
        f"of account {own_id}"
    )


def normalize_filters(prefixes):
    return [{"filter": prefix, "filterType": PREFIX_MATCH} for prefix in sorted(set(prefixes or []))]


def filters_key(rule):
    return tuple(
        sorted((f.get("filter"), f.get("filterType", PREFIX_MATCH)) for f in rule.get("repositoryFilters") or [])
    )


def _same_destination(a, b):
    return a.get("region") == b.get("region") and a.get("registryId") == b.get("registryId")


def remove_destination(rules, destination):
    """Rules without ``destination``; rules left with no destination are dropped."""
    out = []
    for rule in rules or []:
        destinations = [d for d in rule.get("destinations", []) if not _same_destination(d, destination)]
        if destinations:
            out.append(dict(rule, destinations=destinations))
    return out


def merge_destination(rules, destination, prefixes):
    """Rules in which ``destination`` receives exactly the repositories matching ``prefixes``.

    Other destinations stay where they are. Our destination leaves rules with other filters and
    joins the rule whose filters equal ours (a new rule when there is none).
    """
    wanted = tuple(sorted((prefix, PREFIX_MATCH) for prefix in set(prefixes or [])))
    kept = []
    placed = False
    for rule in rules or []:
        destinations = list(rule.get("destinations", []))
        if filters_key(rule) == wanted:
            if not placed:
                if not any(_same_destination(d, destination) for d in destinations):
                    destinations.append(dict(destination))
                placed = True
            else:
                destinations = [d for d in destinations if not _same_destination(d, destination)]
        else:
            destinations = [d for d in destinations if not _same_destination(d, destination)]
        if destinations:
            kept.append(dict(rule, destinations=destinations))
    if not placed:
        rule = {"destinations": [dict(destination)]}
        if prefixes:
            rule["repositoryFilters"] = normalize_filters(prefixes)
        kept.append(rule)
    return kept


def normalize_rules(rules):
    out = []
    for rule in rules or []:
        normalized = {
            "destinations": sorted(
                ({"region": d.get("region"), "registryId": d.get("registryId")} for d in rule.get("destinations", [])),
                key=lambda d: (d["region"], d["registryId"]),
            )
        }
        if rule.get("repositoryFilters"):
            normalized["repositoryFilters"] = [{"filter": f, "filterType": t} for f, t in filters_key(rule)]
        out.append(normalized)
    return sorted(out, key=lambda r: json.dumps(r, sort_keys=True))


def same_rules(a, b):
    return normalize_rules(a) == normalize_rules(b)


def rule_for(rules, destination):
    """The first rule that sends images to ``destination``, or None."""
    for rule in rules or []:
        if any(_same_destination(d, destination) for d in rule.get("destinations", [])):
            return rule
    return None


def matches(prefixes, repository):
    return not prefixes or any(repository.startswith(prefix) for prefix in prefixes)


def unique_destinations(rules):
    return {(d.get("region"), d.get("registryId")) for rule in rules or [] for d in rule.get("destinations", [])}


# -- calls ---------------------------------------------------------------------------------------------------
@DRErrorHandler.call("read the ECR registry of {1}")
def read_registry(client, region):
    """(registry id, replication rules) of the caller's own registry in ``region`` (the source)."""
    answer = client.describe_registry(aws_retry=True)
    return answer["registryId"], (answer.get("replicationConfiguration") or {}).get("rules", [])


@DRErrorHandler.call("set the replication rules of the {1} registry")
def put_rules(client, region, rules):
    """PutReplicationConfiguration of the caller's own registry in ``region`` (it takes no registryId)."""
    client.put_replication_configuration(replicationConfiguration={"rules": rules}, aws_retry=True)
