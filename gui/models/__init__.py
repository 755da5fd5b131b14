# SPDX-License-Identifier: GPL-3.0-or-later
"""Qt item models over core data: rows are ids, the truth stays in the library (core services only)."""
