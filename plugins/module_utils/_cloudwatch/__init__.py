# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: CloudWatch for cloudwatch_dashboard, readiness_metric and the dr_monitoring role (internal use only;
may change).

alarms      the alarms that watch what breaks recovery, built from the inventory (pure)
dashboard   the DR dashboard's body, built from the inventory (pure)
dashboards  the dashboard calls (get, put, delete) and the compare that makes a put idempotent
readiness   readiness results counted into the custom metric that "readiness has not passed" alarms on
"""
