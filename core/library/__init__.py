# SPDX-License-Identifier: GPL-3.0-or-later
"""The camera roll the app remembers. ``db`` (connection, schema, migrations), ``rows`` (row dataclasses),
``repositories``, ``consent_repos``, ``ledger_repo``, ``live_photos_repo`` and ``gallery`` (all the SQL of
the project), role services composed by the facade in ``service`` (``importer``, ``recipients``,
``consent_service``, ``sharing``, ``gallery_service``), the consent rules (``consent``), the ledger
(``ledger``: chain and checkpoint; ``events``: typed entries and their one wording; ``ledger_service``:
append, checkpoint in the keyring, verify) and the sample roll.

Imports core.model, core.pipeline, core.imaging and core.security.
"""
