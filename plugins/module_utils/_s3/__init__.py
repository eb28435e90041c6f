# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: S3 cross-region replication for s3_replication and s3_replication_info (internal use only; may change).

rules     the replication rule and configuration (pure: build, merge, compare)
buckets   the S3 calls on buckets: location, versioning, replication configuration, encryption
role      the replication role: its least-privilege policy (pure) and the IAM calls
plan      the reads before any change: what s3_replication would set
backfill  what a backfill must copy (pure) and the copy itself
metrics   the pending-replication metrics (RPO evidence) and the DR copy's summary
"""
