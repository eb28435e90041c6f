#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: config_leak_info
version_added: 0.2.0
short_description: Find configuration in the DR region that still points at the primary region
description:
  - Reads what the DR application reads, in the module's region (the DR region) only, and reports every value that
    still points at O(primary_region) - the region name as a whole token (C(ap-northeast-2), not C(ap-northeast-21)),
    ARNs with C(:ap-northeast-2:), host names such as C(*.ap-northeast-2.rds.amazonaws.com) - or contains one of
    O(markers) (the primary's own host names, IP addresses and endpoints).
  - "Sources: the user data of launch templates (by name or by tag filter; base64-decoded; the latest and the default
    version), the SSM parameters under application paths (C(GetParametersByPath), recursive, decrypted), Secrets Manager
    secrets (JSON values walked key by key, plain strings line by line), the application's config map given as
    O(app_config), and ECS task definitions (environment, secrets ARNs, image URIs, log options)."
  - "Each finding names the source and the key that holds the value (C(secret portforge/db: host),
    C(launch template MegaTicket-DR-Web-LT v3 user data line 12: API_URL)), never the value. Secret values and
    SecureString parameters are read only to be scanned; they are never returned, logged or put in a diff."
  - A source whose read failed (throttled past the retries, 5xx, denied, unreachable) is reported as C(not_checked),
    never as clean.
  - Nothing in amazon.aws or community.aws does this. M(amazon.aws.ec2_launch_template) and
    M(amazon.aws.ssm_parameter) write one resource, the C(amazon.aws.aws_secret) and C(amazon.aws.aws_ssm) lookups
    return values in clear, and no module compares configuration across regions.
  - The C(config) readiness component (M(pilotlight.dr.readiness_info)) runs the same scan, one check per source.
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  primary_region:
    description:
      - The primary region, whose names, ARNs and host names must not appear. Must differ from O(region).
    type: str
    required: true
    version_added: 0.2.0
  launch_templates:
    description:
      - Names of launch templates whose user data to scan (the latest and the default version).
    type: list
    elements: str
    default: []
    version_added: 0.2.0
  launch_template_filters:
    description:
      - 'C(DescribeLaunchTemplates) filters that find more launch templates to scan, for example
        C({"tag:App": "megaticket"}). A value may be a list. Templates already named in O(launch_templates) are
        scanned once.'
    type: dict
    default: {}
    version_added: 0.2.0
  ssm_paths:
    description:
      - SSM parameter paths of the application (C(/megaticket)); every parameter under each one is scanned,
        SecureStrings decrypted. A path that names one parameter (C(/shared/rds/dr/endpoint)) scans that parameter.
    type: list
    elements: str
    default: []
    version_added: 0.2.0
  secrets:
    description:
      - Names or ARNs of Secrets Manager secrets. A primary-region ARN is read as its replica in the module's region.
    type: list
    elements: str
    default: []
    version_added: 0.2.0
  app_config:
    description:
      - The application's config map (for example C(dr_identity_app_config) of the dr_identity role). Omit to skip.
    type: dict
    version_added: 0.2.0
  app_config_name:
    description:
      - How findings in O(app_config) name their source.
    type: str
    default: app config
    version_added: 0.2.0
  app_config_required:
    description:
      - Keys O(app_config) must hold, each with the value it must have (null for any value).
      - 'Default C({"AWS_REGION": <region>}), the region the SDK in the application calls.'
    type: dict
    version_added: 0.2.0
  task_definitions:
    description:
      - ECS task definition families (or C(family:revision)); the latest ACTIVE revision of each is scanned.
    type: list
    elements: str
    default: []
    version_added: 0.2.0
  markers:
    description:
      - More strings of the primary that carry no region name - its custom host names, IP addresses, endpoints -
        matched as whole names, case-insensitively. They appear in the findings (they are the caller's, not values).
    type: list
    elements: str
    default: []
    version_added: 0.2.0
  switched_at_failover:
    description:
      - Places the failover switches to the DR region. A finding there is reported in RV(switched) (a warning)
        instead of RV(findings), unless O(after_failover=true).
      - "An entry names a whole source (C(portforge/ai-service/rds), C(secret portforge/ai-service/rds),
        C(SSM path /megaticket)), one parameter (C(/shared/rds/dr/endpoint)) or one finding
        (C(secret portforge/ai-service/rds: host))."
    type: list
    elements: str
    default: []
    version_added: 0.2.0
  after_failover:
    description:
      - The failover has run, so places in O(switched_at_failover) must point at the DR region too, and their findings
        are leaks.
    type: bool
    default: false
    version_added: 0.2.0
  max_concurrency:
    description:
      - How many sources are read at the same time.
    type: int
    default: 8
    version_added: 0.2.0
attributes:
  check_mode:
    support: full
    description: Reads only; the same result in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is no diff (and no value is ever shown).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Does anything MegaTicket reads in Tokyo still point at Seoul?
  pilotlight.dr.config_leak_info:
    region: ap-northeast-1
    primary_region: ap-northeast-2
    launch_template_filters:
      "tag:Name": [MegaTicket-DR-Web-LT, MegaTicket-DR-App-LT]
    ssm_paths: [/megaticket]
    app_config:
      AWS_REGION: ap-northeast-1
      INTERNAL_API_URL: http://internal-megaticket-dr-nlb.elb.ap-northeast-1.amazonaws.com:3001
    markers: [api.megaticket.internal]
  register: megaticket_leaks

- name: Name every place that still points at Seoul (keys only, never values)
  ansible.builtin.debug:
    msg: "{{ megaticket_leaks.findings | join('; ') or 'nothing points at Seoul' }}"

- name: PortForge after the failover - the promoted secrets too
  pilotlight.dr.config_leak_info:
    region: ap-northeast-1
    primary_region: ap-northeast-2
    secrets: [portforge/ai-service/rds, portforge/slack-bot/tokens]
    switched_at_failover: [portforge/ai-service/rds]
    after_failover: true
  register: portforge_leaks

- name: A failed read is not checked, never clean
  ansible.builtin.debug:
    msg: "clean={{ portforge_leaks.clean }}, not checked: {{ portforge_leaks.not_checked | join('; ') or 'none' }}"
"""

RETURN = r"""
sources:
  description: One entry per source scanned, in input order (launch templates found by filters after the named ones).
  returned: always
  type: list
  elements: dict
  contains:
    source:
      description: What was read.
      type: str
      sample: secret portforge/ai-service/rds
    kind:
      description: C(launch_template), C(ssm_path), C(secret), C(task_definition) or C(app_config).
      type: str
      sample: secret
    name:
      description: The name given (or found by the filters).
      type: str
      sample: portforge/ai-service/rds
    status:
      description: C(clean), C(leak), C(switched) (only places the failover switches), C(missing) or C(not_checked).
      type: str
      sample: leak
    findings:
      description: Where the source points at the primary, with the kind of reference; never a value.
      type: list
      elements: str
      sample: ["secret portforge/ai-service/rds: host (host name in ap-northeast-2)"]
    switched:
      description: Findings in places of O(switched_at_failover) (warnings before a failover).
      type: list
      elements: str
    scanned:
      description: How many values were read (parameters, template versions, containers, config keys; 1 per secret).
      type: int
    reason:
      description: The verdict in words.
      type: str
    fix:
      description: What to change, for C(leak) and C(missing).
      type: str
findings:
  description: Every finding of every source, as in RV(sources[].findings).
  returned: always
  type: list
  elements: str
  sample: ["launch template MegaTicket-DR-Web-LT v3 user data line 12: API_URL (host name in ap-northeast-2)"]
switched:
  description: Every finding in a place the failover switches (empty with O(after_failover=true)).
  returned: always
  type: list
  elements: str
not_checked:
  description: The sources that could not be read, with the AWS error.
  returned: always
  type: list
  elements: str
  sample:
    - "not checked: could not read secret portforge/db: cannot read the value of secret portforge/db in
      ap-northeast-1 (ThrottlingException)"
missing:
  description: Named sources that do not exist in the region.
  returned: always
  type: list
  elements: str
leaked:
  description: At least one source points at the primary region.
  returned: always
  type: bool
clean:
  description: Every source was read and none points at the primary (switched places aside, before a failover).
  returned: always
  type: bool
counts:
  description: Sources by status.
  returned: always
  type: dict
  sample: {"clean": 4, "leak": 1, "switched": 0, "missing": 0, "not_checked": 0}
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._config import leaks
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule


def run(module, params):
    region = module.region
    if not region:
        raise DRError("region is required: the DR region to scan (for example ap-northeast-1)")
    options = leaks.options_with_defaults(params, region)
    problems = leaks.validate(options, region, params["primary_region"])
    if problems:
        raise DRError("; ".join(problems))
    sources = leaks.scan_all(module.client, options, region, params["primary_region"])
    return dict(changed=False, sources=sources, **leaks.summary(sources))


def main():
    argument_spec = dict(
        primary_region=dict(type="str", required=True),
        launch_templates=dict(type="list", elements="str", default=[]),
        launch_template_filters=dict(type="dict", default={}),
        ssm_paths=dict(type="list", elements="str", default=[]),
        secrets=dict(type="list", elements="str", default=[], no_log=False),
        app_config=dict(type="dict"),
        app_config_name=dict(type="str", default="app config"),
        app_config_required=dict(type="dict"),
        task_definitions=dict(type="list", elements="str", default=[]),
        markers=dict(type="list", elements="str", default=[]),
        switched_at_failover=dict(type="list", elements="str", default=[]),
        after_failover=dict(type="bool", default=False),
        max_concurrency=dict(type="int", default=8),
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
