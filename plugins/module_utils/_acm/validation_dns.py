# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The DNS validation records of an ACM certificate in Route 53: the zone, what to write, the calls."""

from ansible_collections.pilotlight.dr.plugins.module_utils._acm.certificates import normalize
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors


def record_changes(wanted, current):
    """The records to UPSERT: missing, or with another value/TTL (``current``: name -> (values, ttl))."""
    changes = []
    for record in wanted:
        values, ttl = current.get(normalize(record["name"]), ([], None))
        if [normalize(v) for v in values] != [normalize(record["value"])] or ttl != record["ttl"]:
            changes.append(record)
    return changes


def change_batch(records):
    return {
        "Comment": "ACM DNS validation (pilotlight.dr.acm_certificate_dns)",
        "Changes": [
            {
                "Action": "UPSERT",
                "ResourceRecordSet": {
                    "Name": record["name"],
                    "Type": record["type"],
                    "TTL": record["ttl"],
                    "ResourceRecords": [{"Value": record["value"]}],
                },
            }
            for record in records
        ],
    }


@DRErrorHandler.reader("read Route 53 hosted zone {1}", missing=("NoSuchHostedZone",))
def get_zone(route53, zone_id):
    """GetHostedZone's zone, or None when there is no such zone."""
    return route53.get_hosted_zone(Id=zone_id, aws_retry=True)["HostedZone"]


@DRErrorHandler.call("read Route 53 hosted zone {1}")
def zones_named(route53, zone_name):
    """The hosted zones named exactly ``zone_name`` (public and private)."""
    wanted = normalize(zone_name)
    found = route53.list_hosted_zones_by_name(DNSName=wanted + ".", aws_retry=True).get("HostedZones", [])
    return [z for z in found if normalize(z["Name"]) == wanted]


def find_zone(route53, zone_name=None, zone_id=None):
    """The public hosted zone (Id, Name) by id or by name; DRError saying what to fix otherwise."""
    if zone_id:
        zone_id = zone_id.split("/")[-1]
        zone = get_zone(route53, zone_id)
        if zone is None:
            raise DRError(f"hosted zone {zone_id} not found: check hosted_zone_id")
        zones = [zone]
    else:
        zones = zones_named(route53, zone_name)
        if not zones:
            raise DRError(
                f"no Route 53 hosted zone named {normalize(zone_name)}: create it (amazon.aws.route53_zone) "
                "or fix hosted_zone"
            )
    public = [z for z in zones if not (z.get("Config") or {}).get("PrivateZone")]
    if not public:
        raise DRError(
            f"hosted zone {zones[0]['Name']} ({zones[0]['Id'].split('/')[-1]}) is private: ACM validates over public "
            "DNS, give the public zone of the domain"
        )
    if len(public) > 1:
        ids = ", ".join(z["Id"].split("/")[-1] for z in public)
        raise DRError(f"several public hosted zones are named {normalize(zone_name)} ({ids}): set hosted_zone_id")
    return {"id": public[0]["Id"].split("/")[-1], "name": normalize(public[0]["Name"])}


def current_records(route53, zone_id, names):
    """name -> (values, ttl) of the CNAMEs named ``names`` in the zone."""
    current = {}
    for name in names:
        with aws_errors(f"read record {name} in hosted zone {zone_id}"):
            result = route53.list_resource_record_sets(
                HostedZoneId=zone_id, StartRecordName=name, StartRecordType="CNAME", MaxItems="1", aws_retry=True
            )
        for rrset in result.get("ResourceRecordSets", []):
            if normalize(rrset["Name"]) == normalize(name) and rrset["Type"] == "CNAME":
                current[normalize(name)] = ([r["Value"] for r in rrset.get("ResourceRecords", [])], rrset.get("TTL"))
    return current


def upsert(route53, zone_id, records):
    """UPSERT the records in one change; the change id."""
    with aws_errors(f"write the validation records {', '.join(r['name'] for r in records)} in hosted zone {zone_id}"):
        return route53.change_resource_record_sets(
            HostedZoneId=zone_id, ChangeBatch=change_batch(records), aws_retry=True
        )["ChangeInfo"]["Id"]
