# SPDX-License-Identifier: GPL-3.0-or-later
"""The camera roll the app remembers: the SQLite database, its repositories (the only SQL in the
project), consent decisions per recipient, the signed ledger, import/rescan and the sample roll.

Imports core.model, core.pipeline, core.imaging and core.security.
"""
