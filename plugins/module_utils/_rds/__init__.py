# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: cross-region RDS read replicas for the rds_replica module and the dr_rds readiness checks
(internal use only; may change at any time).

instances  ARNs, what an instance is (replica, source, status), reading instances and subnet groups, result shape
lag        ReplicaLag evidence read in the replica's region, and the promotion lag gate
waits      waiting for an instance to be available, or to show a modification applied
present    state=present: create the replica, or check an existing one and bring it in line
promoted   state=promoted: the lag gate and an idempotent promotion (DR region only), then Multi-AZ and backups
failback   state=failed_back: the failback replica caught up, promoted, and the identifiers moved
endpoints  publish_endpoint: the promoted instance's address in SSM parameters and JSON secrets
inputs     the module's parameter checks
"""
