# SPDX-License-Identifier: GPL-3.0-or-later
"""Photo Consent core: pure Python, never imports Qt."""

import os

# onnxruntime (the face detector) starts Microsoft telemetry when it is imported: DNS look-ups and a device id
# under ~/.cache/Microsoft. It reads this variable at import, and every onnxruntime import in the app comes
# after `core` is imported, in the CLI, the GUI, worker processes and the bundle alike. Forced, not defaulted:
# nothing may turn it back on.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

__version__ = "0.1.0"
