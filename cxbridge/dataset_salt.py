"""The salt of a dataset's respondent keys: made at random on its first sync and kept with the
data (`cxbridge_metadata`), so its keys are stable from run to run and machine to machine, yet
unguessable, and differ from every other dataset's. `[settings] respondent_salt = "${VAR}"`
wins; of a salt from the environment only a fingerprint is kept, never the salt.

A dataset's salt is never changed by accident: a sync whose salt is not the one the stored keys
were made with stops before anything moves, unless `--rehash` accepts the new one. Keys are
hashes, so the stored ones cannot be made again under the new salt: records written from then on
get keys under it, the stored ones keep theirs until they are written again, and
`--rehash --full-refresh` re-keys every record its sources still have. `--rehash` accepts a
change; it never makes one of its own accord.
"""

from __future__ import annotations

import hashlib
import logging

from cxbridge.destinations import Destination
from cxbridge.errors import ConfigError
from cxbridge.masking import redact_value
from cxbridge.respondents import RespondentKeys, random_salt

log = logging.getLogger("cxbridge.sync")

SALT = "respondent_salt"
"""The salt made for the dataset (absent when the salt comes from the environment)."""
FINGERPRINT = "respondent_salt_fingerprint"
"""What tells whether a salt is the one the stored keys were made with, without being it."""
_WHAT_REHASH_DOES = (
    "records written from now on get keys under the new salt, stored ones keep theirs until they are written "
    "again (--rehash --full-refresh re-keys every record its sources still have)"
)


def fingerprint(salt: str) -> str:
    """32 hex digits that name a salt without giving it away."""
    return hashlib.blake2b(b"cxbridge respondent salt", key=salt.encode()[:64], digest_size=16).hexdigest()


def dataset_keys(
    destination: Destination,
    configured: str | None,
    *,
    rehash: bool = False,
    dry_run: bool = False,
    phone_region: str | None = None,
) -> RespondentKeys:
    """The respondent keys of the dataset in `destination` (opened, unless it does not exist
    yet): the configured salt or the stored one, a new one stored on the first sync (not in a
    dry run), national phone numbers placed in `phone_region`. ConfigError when the salt would
    change without `rehash`."""
    stored = destination.read_metadata() if destination.exists() else {}
    salt, changes, replaced = _chosen(destination, stored, configured, rehash=rehash)
    redact_value(salt)
    if changes and not dry_run:
        destination.write_metadata(changes)
    if replaced:
        log.warning("%s: the respondent salt changed (--rehash): %s", destination.display_name, _WHAT_REHASH_DOES)
    return RespondentKeys(salt, phone_region=phone_region, kept_apart=configured is not None)


def known_keys(
    destination: Destination | None, configured: str | None, *, phone_region: str | None = None
) -> RespondentKeys | None:
    """The respondent keys a sync into `destination` (opened, if it exists) would use, when they
    are known without choosing a salt — the configured one, else the one stored — for the check
    pass, which runs before them (a column named with an address is named by them); None when
    a sync would choose a new one."""
    stored = destination.read_metadata() if destination is not None and destination.exists() else {}
    salt = configured if configured is not None else stored.get(SALT)
    if salt is None or (configured is None and stored.get(FINGERPRINT) != fingerprint(salt)):
        return None
    redact_value(salt)
    return RespondentKeys(salt, phone_region=phone_region, kept_apart=configured is not None)


def _chosen(
    destination: Destination, stored: dict[str, str], configured: str | None, *, rehash: bool
) -> tuple[str, dict[str, str | None], bool]:
    """The salt to use, the metadata to write for it (nothing when it is the stored one), and
    whether it replaces the salt stored keys were made with."""
    known = stored.get(FINGERPRINT)
    if configured is not None:
        if known == fingerprint(configured):
            return configured, {}, False
        if known is not None and not rehash:
            raise ConfigError(
                f"settings.respondent_salt is not the salt the respondent keys in {destination.display_name} were made "
                f"with; set it back, or run `cxbridge sync --rehash` to accept the new one: {_WHAT_REHASH_DOES}"
            )
        return configured, {FINGERPRINT: fingerprint(configured), SALT: None}, known is not None
    made = stored.get(SALT)
    if made is not None and known == fingerprint(made):
        return made, {}, False
    replaced = known is not None or _holds_keys(destination)
    if replaced and not rehash:
        raise ConfigError(_why_a_salt_is_needed(destination, known is not None))
    salt = random_salt()
    return salt, {FINGERPRINT: fingerprint(salt), SALT: salt}, replaced


def _why_a_salt_is_needed(destination: Destination, was_configured: bool) -> str:
    where = destination.display_name
    if was_configured:
        start = f"the respondent keys in {where} were made with settings.respondent_salt, which the config no longer sets"
    else:
        start = (f"the respondent keys in {where} were made before cxbridge kept a salt with the data, with the "
                 "salt every copy of cxbridge then shared, which anyone can look up")  # fmt: skip
    return (
        f"{start}; set respondent_salt = \"${{VAR}}\" to the salt they were made with, or run `cxbridge sync --rehash` "
        f"to give the dataset a new random salt: {_WHAT_REHASH_DOES}"
    )


def _holds_keys(destination: Destination) -> bool:
    """Whether a dataset without a stored salt holds records, and so keys made without one."""
    if not destination.exists():
        return False
    [row] = destination.query(
        "SELECT (SELECT COUNT(*) FROM feedback) + (SELECT COUNT(*) FROM quarantine) "
        "+ (SELECT COUNT(*) FROM crm_contacts) AS n"
    )
    return int(row["n"]) > 0
