# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: ACM certificates validated through Route 53, for acm_certificate_dns and the certificate readiness
checks (internal use only; may change).

certificates    pure: names, wildcard cover, matching existing certificates, validation records, tags, views
acm             thin ACM calls (list, describe, request, tags, waits for records and issuance, delete)
validation_dns  the validation CNAMEs in Route 53: the public zone, what to UPSERT, the calls
listeners       detaching a certificate from ALB/NLB listeners before deleting it (force)
lifecycle       the module's steps over clients: ensure_present, ensure_absent
"""
