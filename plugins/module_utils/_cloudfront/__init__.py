# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: CloudFront origin failover for cloudfront_origin_group and the cdn readiness checks (internal use
only; may change).

origin_groups  pure: origins, the origin group, cache behavior targets, plans for present/absent, result views
distributions  thin CloudFront calls (find, read, read-compare-write with If-Match, wait for Deployed)
"""
