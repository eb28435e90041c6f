# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: golden AMI copies in the DR region, for ami_cross_copy and readiness (internal use only; may change).

copies    choosing images, recognising our copies, retention and encryption (pure), the result shapes
ec2       the EC2 calls: describe images and snapshots, copy, tag, wait, retire
plan      the reads before any change: the source images and, per image, the copy to reuse or make
"""
