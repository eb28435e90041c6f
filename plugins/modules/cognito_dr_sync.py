#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cognito_dr_sync
version_added: 0.1.0
short_description: Keep a Cognito user pool in the DR region in step with the primary pool
description:
  - Makes the user pool of the module's region (the DR pool) hold the same users and groups as the source
    pool in O(source_region). Tokens issued in one region are not valid in another, so the application
    switches to the DR pool on failover.
  - With O(replication_mode=native) (or V(auto) on an eligible pool) Cognito's own multi-Region replication
    (C(CreateUserPoolReplica)) does it instead, passwords included; see O(replication_mode).
  - It is a diff, not a copy. Both pools are read with paginators, compared, and only the differences are
    written. Missing users are created with C(MessageAction=SUPPRESS) (no invitation is sent),
    changed attributes are updated, the enabled state is mirrored, and groups and group memberships
    are mirrored. With O(purge), users gone from the source are disabled or deleted.
  - Passwords cannot be exported. With O(confirm_users=all) each synced user with a verified email or phone
    number gets a random password that is never shown, logged or returned, so the user is C(CONFIRMED) and
    the app's "forgot password" flow works in DR; users without one are counted in RV(counts.needs_admin_reset).
  - Only attributes the DR pool lets you write are copied. C(sub) never is, immutable attributes only when
    a user is created, and attributes the DR pool schema does not have are left out. Differences in
    immutable attributes are counted in RV(counts.immutable_differences).
  - Usernames, emails and other attributes never appear in the result, the diff or error messages unless
    O(show_users=true). Results carry counts.
  - Writes run concurrently (O(max_concurrency)) under a request rate limit (O(max_rps)) that keeps within
    the Cognito quotas of the account.
  - With O(create_user_pool=true) a missing DR pool is created with the source pool's settings (password
    policy, sign-in attributes, schema, MFA, account recovery), and with O(mirror_app_clients=true) the
    source pool's app clients are created in the DR pool (with new secrets).
  - Neither amazon.aws nor community.aws has a Cognito user pool module; this fills that gap for DR.
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  source_region:
    description:
      - The region of the source (primary) user pool. Must differ from O(region).
      - Not called at all when O(sync_users=false), O(sync_groups=false), O(mirror_app_clients=false) and the
        DR pool exists, which makes the module usable while the primary region is down.
    type: str
    required: true
    version_added: 0.1.0
  source_user_pool_id:
    description:
      - Id of the source user pool. One of O(source_user_pool_id) and O(source_user_pool_name) is needed
        whenever the source is read.
    type: str
    version_added: 0.1.0
  source_user_pool_name:
    description:
      - Name of the source user pool; it must be the only pool with that name in O(source_region).
    type: str
    version_added: 0.1.0
  user_pool_id:
    description:
      - Id of the DR user pool, in the module's region.
    type: str
    version_added: 0.1.0
  user_pool_name:
    description:
      - Name of the DR user pool, in the module's region; it must be the only pool with that name there.
      - Needed to create the pool with O(create_user_pool=true).
    type: str
    version_added: 0.1.0
  create_user_pool:
    description:
      - Create the DR pool, named O(user_pool_name), when it does not exist, with the source pool's settings.
      - Lambda triggers and SES email settings are regional and are not copied; set them on the DR pool.
    type: bool
    default: false
    version_added: 0.1.0
  mirror_app_clients:
    description:
      - Create in the DR pool each app client of the source pool that the DR pool does not have (same name
        and settings, a new secret when the source client has one). Existing DR clients are not changed.
    type: bool
    default: false
    version_added: 0.1.0
  sync_users:
    description:
      - Mirror users (attributes and enabled state).
    type: bool
    default: true
    version_added: 0.1.0
  sync_groups:
    description:
      - Mirror groups (description, precedence, IAM role) and group memberships.
    type: bool
    default: true
    version_added: 0.1.0
  purge:
    description:
      - What to do with DR users whose key is not in the source pool any more.
      - V(none) leaves them, V(disable) disables them (they come back enabled if they reappear),
        V(delete) deletes them (and DR groups that the source does not have).
    type: str
    choices: [none, disable, delete]
    default: none
    version_added: 0.1.0
  match_by:
    description:
      - How users of the two pools are matched.
      - V(auto) uses the source pool's sign-in attribute (C(email) or C(phone_number)) when people sign in
        with it (the username is then a generated id that differs per pool), else the username.
    type: str
    choices: [auto, username, email, phone_number]
    default: auto
    version_added: 0.1.0
  attributes_exclude:
    description:
      - Attributes never copied, for example C(custom:last_login).
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  show_users:
    description:
      - Return the keys (usernames or emails) of the users created, updated, enabled, disabled, deleted and
        failed, and show them in the diff. Off by default because they are personal data.
    type: bool
    default: false
    version_added: 0.1.0
  confirm_users:
    description:
      - Give each new (V(created)), or each new and C(FORCE_CHANGE_PASSWORD) (V(all)), DR user who has a verified
        email or phone number (that the DR pool's account recovery setting allows) a permanent random password
        (C(AdminSetUserPassword)), never shown. Without it such users cannot use "forgot password" (Cognito refuses
        it in C(FORCE_CHANGE_PASSWORD)). Use V(created) when the target is a primary pool (failback), whose
        C(FORCE_CHANGE_PASSWORD) users may hold a real invitation.
    type: str
    choices: [all, created, none]
    default: all
    version_added: 0.1.0
  identity_providers:
    description:
      - Identity providers of the source pool to create (or update) in the DR pool, for federated sign-in. Their
        settings are copied from the source pool; their secret is read from Secrets Manager in the DR region.
    type: list
    elements: dict
    default: []
    version_added: 0.1.0
    suboptions:
      name:
        description: The provider's name in the source pool (for example V(Google)).
        type: str
        required: true
        version_added: 0.2.0
      client_secret_id:
        description:
          - Name or ARN of the Secrets Manager secret, in the module's region, that holds the provider's secret
            (C(client_secret); C(private_key) for Sign in with Apple). Needed for every provider type but SAML.
        type: str
        version_added: 0.2.0
      client_secret_key:
        description: The JSON key of the secret that holds the value; empty when the secret is the value itself.
        type: str
        version_added: 0.2.0
  domain_prefix:
    description:
      - Domain prefix of the DR pool (C(<prefix>.auth.<region>.amazoncognito.com)) for the hosted UI and
        federated sign-in; created when the pool has no domain. A pool with another domain is an error.
    type: str
    version_added: 0.1.0
  replication_mode:
    description:
      - V(sync) copies users and groups by diff (this module's own sync). V(native) uses Cognito multi-Region
        replication; it fails when the source pool does not qualify. V(auto) uses V(native) when it qualifies,
        else V(sync), and says why in RV(replication.not_eligible).
      - A pool qualifies on the Essentials or Plus feature plan, encrypted with a customer managed multi-Region
        KMS key (C(mrk-)) that has a replica key in the DR region (AWS developer guide, multi-Region replication).
      - In native mode the DR pool is the replica (same id and name as the source pool); users, groups, app
        clients and identity providers are replicated by AWS, so nothing else is copied.
    type: str
    choices: [auto, native, sync]
    default: auto
    version_added: 0.1.0
  max_rps:
    description:
      - Most requests per second to each pool. Every write to the DR pool and every page read from either pool
        (C(ListUsers), C(ListGroups), C(ListUsersInGroup)...) counts; the source and DR pools each have their own
        limit, as each region has its own quotas.
      - Cognito's default quotas are 50 requests per second for user creation, 25 for user updates and 30 for
        C(ListUsers) per account and region, shared with the application.
      - Each page read is retried with back-off when Cognito throttles it.
    type: float
    default: 20
    version_added: 0.1.0
notes:
  - Nothing in this module is asynchronous, so it has no C(wait) option.
  - A sync that leaves nothing behind tags the DR pool with its time and user count (not reported as a change);
    RV(last_sync_at) reads it back, also when the source is not called.
  - Federated source users (status C(EXTERNAL_PROVIDER), signed in through Google, SAML...) are not created as local
    users in the DR pool; the identity provider creates them there at their first sign-in. They are counted in
    RV(counts.skipped_external); their group memberships are not mirrored and DR users with their keys are never
    purged.
  - App clients created before their identity providers existed in the DR pool are not updated; providers are
    mirrored before new app clients are created.
attributes:
  check_mode:
    support: full
    description: Reads both pools and returns the counts of what would change; makes no write call.
  diff_mode:
    support: full
    description:
      - Shows user and group counts before and after (user keys only with O(show_users=true)), identity providers
        (secrets masked) and the domain.
extends_documentation_fragment:
  - pilotlight.dr.concurrency
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Create the Tokyo pool like the Seoul one (with its app clients) and copy users and groups
  pilotlight.dr.cognito_dr_sync:
    region: ap-northeast-1
    source_region: ap-northeast-2
    source_user_pool_name: portforge-user-pool
    user_pool_name: portforge-dr-user-pool
    create_user_pool: true
    mirror_app_clients: true
  register: cognito_sync

- name: Show what was done (counts only) and when the DR pool was last in step
  ansible.builtin.debug:
    msg: "{{ cognito_sync.counts }} at {{ cognito_sync.last_sync_at }}"

- name: Federated sign-in in Tokyo - Google (its secret read from Secrets Manager in Tokyo) and the pool's domain
  pilotlight.dr.cognito_dr_sync:
    region: ap-northeast-1
    source_region: ap-northeast-2
    source_user_pool_name: portforge-user-pool
    user_pool_name: portforge-dr-user-pool
    identity_providers:
      - name: Google
        client_secret_id: portforge/google-oauth
        client_secret_key: client_secret
    domain_prefix: portforge-dr

- name: Dry run of a nightly sync that also disables users removed from Seoul
  pilotlight.dr.cognito_dr_sync:
    region: ap-northeast-1
    source_region: ap-northeast-2
    source_user_pool_name: portforge-user-pool
    user_pool_name: portforge-dr-user-pool
    purge: disable
    max_rps: 10
  check_mode: true
  register: planned

- name: Nightly sync
  pilotlight.dr.cognito_dr_sync:
    region: ap-northeast-1
    source_region: ap-northeast-2
    source_user_pool_name: portforge-user-pool
    user_pool_name: portforge-dr-user-pool
    purge: disable
    max_rps: 10
  when: planned.changed

- name: On failover, read the DR pool and its app clients from Tokyo only
  pilotlight.dr.cognito_dr_sync:
    region: ap-northeast-1
    source_region: ap-northeast-2
    user_pool_name: portforge-dr-user-pool
    sync_users: false
    sync_groups: false
  register: dr_pool

- name: Point the application at the DR pool
  ansible.builtin.set_fact:
    cognito_user_pool_id: "{{ dr_pool.user_pool.id }}"
    cognito_app_client_id: >-
      {{ (dr_pool.app_clients | selectattr('client_name', 'equalto', 'portforge-client') | first).client_id }}
"""

RETURN = r"""
user_pool:
  description: The DR user pool (id null in check mode when it would be created).
  returned: always
  type: dict
  contains:
    id:
      description: Id of the DR pool.
      type: str
      sample: ap-northeast-1_AbCdEf123
    name:
      description: Name of the DR pool.
      type: str
      sample: portforge-dr-user-pool
    arn:
      description: ARN of the DR pool.
      type: str
      sample: arn:aws:cognito-idp:ap-northeast-1:123456789012:userpool/ap-northeast-1_AbCdEf123
    region:
      description: Region of the DR pool.
      type: str
      sample: ap-northeast-1
    created:
      description: Whether this task created the pool.
      type: bool
      sample: false
source_user_pool:
  description: The source pool, when it was read.
  returned: when the source pool was read
  type: dict
  contains:
    id:
      description: Id of the source pool.
      type: str
      sample: ap-northeast-2_XyZ987654
    name:
      description: Name of the source pool.
      type: str
      sample: portforge-user-pool
    region:
      description: Region of the source pool.
      type: str
      sample: ap-northeast-2
app_clients:
  description: App clients of the DR pool (no secrets), for the application's configuration.
  returned: always
  type: list
  elements: dict
  contains:
    client_name:
      description: Name of the app client.
      type: str
      sample: portforge-client
    client_id:
      description: Id of the app client (null in check mode for one that would be created).
      type: str
      sample: 4tq8f2k0example1h3m9r
    created:
      description: Whether this task created it.
      type: bool
      sample: true
    providers_added:
      description: Identity providers added to an existing DR client (its source client uses them).
      type: list
      elements: str
      returned: when some were added
      sample: [Google]
match_by:
  description: How users were matched (after resolving V(auto)).
  returned: always
  type: str
  sample: email
counts:
  description: What the sync did (would do, in check mode). No user data.
  returned: always
  type: dict
  contains:
    source_users:
      description: Users in the source pool, federated ones included (0 when not read).
      type: int
      sample: 10000
    dr_users:
      description: Users in the DR pool at the end (predicted in check mode; 0 when users were not read).
      type: int
      sample: 10000
    created:
      description: Users created.
      type: int
      sample: 12
    updated:
      description: Users whose attributes were changed.
      type: int
      sample: 3
    enabled:
      description: Users enabled again (enabled in the source).
      type: int
      sample: 0
    disabled:
      description: Users disabled (disabled in the source, or gone from it with O(purge=disable)).
      type: int
      sample: 1
    deleted:
      description: Users deleted (O(purge=delete)).
      type: int
      sample: 0
    unchanged:
      description: Matched users that needed nothing.
      type: int
      sample: 9985
    immutable_differences:
      description: Users whose immutable attributes differ; these cannot be changed after creation.
      type: int
      sample: 0
    skipped:
      description: Source users without a value for the match key, or with a duplicate key, not synced.
      type: int
      sample: 0
    skipped_external:
      description:
        - Federated source users (status C(EXTERNAL_PROVIDER)), not synced; the identity provider creates them in
          the DR pool at their first sign-in.
      type: int
      sample: 0
    groups_created:
      description: Groups created.
      type: int
      sample: 1
    groups_updated:
      description: Groups whose description, precedence or role changed.
      type: int
      sample: 0
    groups_deleted:
      description: Groups deleted (O(purge=delete)).
      type: int
      sample: 0
    memberships_added:
      description: Users added to groups.
      type: int
      sample: 12
    memberships_removed:
      description: Users removed from groups.
      type: int
      sample: 0
    confirmed:
      description: Users given a random password so that "forgot password" works (O(confirm_users)).
      type: int
      sample: 12
    needs_admin_reset:
      description: New or C(FORCE_CHANGE_PASSWORD) users without a verified contact; an administrator resets them.
      type: int
      sample: 0
    failed:
      description: Write calls that failed (the module then fails after doing the rest).
      type: int
      sample: 0
replication_mode:
  description: V(native) when the DR pool is a Cognito replica, else V(sync).
  returned: always
  type: str
  sample: sync
replication:
  description: The native replica, and why the pool does not qualify for it.
  returned: always
  type: dict
  contains:
    replica:
      description: The DR region's replica (C(region), C(status), C(role), C(arn)); null in sync mode.
      type: dict
      sample: {"region": "ap-northeast-1", "status": "ACTIVE", "role": "SECONDARY", "arn": "arn:aws:cognito-idp:..."}
    not_eligible:
      description: Why the source pool cannot have a native replica (V(auto) then syncs by diff).
      type: list
      elements: str
      sample: ["it is encrypted with an AWS owned key: ..."]
identity_providers:
  description: Identity providers mirrored (no secrets), with V(created), V(updated) or V(unchanged).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "Google", "type": "Google", "action": "created", "changes": []}]
domain:
  description: The DR pool's domain prefix and whether it was created; null without O(domain_prefix).
  returned: always
  type: dict
  sample: {"prefix": "portforge-dr", "action": "created"}
last_sync_at:
  description: UTC time of the last sync that left nothing behind (this one, or the one recorded on the DR pool).
  returned: always
  type: str
  sample: "2026-12-06T00:00:00Z"
last_sync_users:
  description: Users in the DR pool at that sync.
  returned: always
  type: int
  sample: 10000
users:
  description: Keys of the users per outcome.
  returned: when O(show_users=true)
  type: dict
  sample: {"created": ["alice@example.com"], "updated": [], "enabled": [], "disabled": [], "deleted": [],
           "failed": []}
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.access import CONFIRM_CHOICES
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.diff import PURGE_CHOICES
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.replication import MODES as REPLICATION_MODES
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.sync import PoolSync
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.sync import validate
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.writer import failure_message
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule


def run(module, params):
    validate(params, module.region)
    sync = PoolSync(module, params)
    sync.resolve_pools()
    data = sync.read()
    plan = sync.plan(data)
    if module.check_mode:
        sync.pool_created = sync.dr_pool is None and not sync.native  # predicted
        sync.mirror_federation()
        sync.mirror_clients(data)
        sync.count(data, plan)
        return sync.result([])
    if sync.dr_pool is None and not sync.native:
        sync.create_pool()
    sync.mirror_federation()
    sync.mirror_clients(data)
    done, failures = sync.apply(plan)
    sync.count(data, plan, done, failures)
    sync.record(failures)
    result = sync.result(failures)
    if failures:
        raise DRError(failure_message(failures, params["show_users"]), **result)
    return result


def main():
    argument_spec = dict(
        source_region=dict(type="str", required=True),
        source_user_pool_id=dict(type="str"),
        source_user_pool_name=dict(type="str"),
        user_pool_id=dict(type="str"),
        user_pool_name=dict(type="str"),
        create_user_pool=dict(type="bool", default=False),
        mirror_app_clients=dict(type="bool", default=False),
        sync_users=dict(type="bool", default=True),
        sync_groups=dict(type="bool", default=True),
        purge=dict(type="str", choices=list(PURGE_CHOICES), default="none"),
        match_by=dict(type="str", choices=["auto", "username", "email", "phone_number"], default="auto"),
        attributes_exclude=dict(type="list", elements="str", default=[]),
        show_users=dict(type="bool", default=False),
        max_rps=dict(type="float", default=20),
        max_concurrency=dict(type="int", default=8),
        confirm_users=dict(type="str", choices=list(CONFIRM_CHOICES), default="all"),
        identity_providers=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                name=dict(type="str", required=True),
                client_secret_id=dict(type="str"),
                client_secret_key=dict(type="str", no_log=False),
            ),
        ),
        domain_prefix=dict(type="str"),
        replication_mode=dict(type="str", choices=list(REPLICATION_MODES), default="auto"),
    )
    module = PilotLightModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_one_of=[("user_pool_id", "user_pool_name")],
        mutually_exclusive=[("user_pool_id", "user_pool_name"), ("source_user_pool_id", "source_user_pool_name")],
    )
    module.require_distinct_regions(source_region=module.params["source_region"], region=module.region)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
