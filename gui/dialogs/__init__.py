# SPDX-License-Identifier: GPL-3.0-or-later
"""Windows a person opens for one task: Share, History, Recipients, About."""
