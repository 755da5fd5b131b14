# SPDX-License-Identifier: GPL-3.0-or-later
"""One file's way out: scan folders, inspect (inventory), plan by policy, preview, export and verify.

- ``scan``: walk imported folders. ``inspection``: open a file read-only and inventory it.
- ``preview``: inventory + policy -> a ``Plan`` (what leaves, what stays and why).
- ``cleaning``: clean one file in memory and verify it (``verification``), within its time budget.
- ``export``: the export job (threads or ``workers`` processes, folder or zip), ``staging``: how outputs
  land and how a killed export is accounted for, ``receipts``: the result and the receipt that travels.

Imports core.model, core.metadata, core.formats and core.imaging (faces, for blurring); never the
library: the library calls the pipeline, not the other way round. One bad file never stops a batch:
every per-file step reports its problem on that file.
"""
