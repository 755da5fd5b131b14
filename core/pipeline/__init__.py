# SPDX-License-Identifier: GPL-3.0-or-later
"""One file's way out: scan folders, inspect (inventory), plan by policy, preview, export and verify.

Imports core.model, core.metadata, core.formats and core.imaging (faces, for blurring). Never imports
core.library: the library calls the pipeline, not the other way round.
"""
