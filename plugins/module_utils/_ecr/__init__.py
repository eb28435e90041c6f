# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: ECR registry replication for ecr_replication and ecr_image_info (internal use only; may change).

rules     the registry's replication rules: merging our destination in (pure) and the registry calls
images    the two sides (a client and the registry every call names) and the repository and image calls
backfill  copying the images pushed before the rule existed: the plan (pure) and its execution
"""
