"""What a dataset's records were read by: cxbridge's *reading* of what sources give.

Turning a vendor's answer into a record — its score and scale, its comment, its respondent's key,
what is left out of it — is the part of cxbridge that changes as mistakes are found and mended. A
stored record keeps the meaning it was given when it was read: after an upgrade, records read
before and records read after sit side by side, and a number over both mixes two readings. So
each change to what a stored record means raises `READING` and says in `CHANGES` what changed and
for which connectors; the dataset keeps, per source, the oldest reading its stored records were
read by (`cxbridge_metadata`, `reading.SOURCE`); a sync of a source read by an older reading says
once what changed since and how to read it again (`sync --full-refresh --source NAME`), and
`cxbridge status` says it every time.

A source's oldest reading is its first run's, kept until a `--full-refresh` of the source reads
every record it still gives again — from its beginning (no `start_date` holding it back, no
retention window of its service's, `Source.keeps_days`, losing the oldest), and to
its end, in that run or, after it paused on a daily quota in its last stream, in the plain syncs
that go on with it, no full refresh begun since — or `cxbridge remove` leaves it no record. A source run before readings were kept has none: reading 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cxbridge.destinations import Destination
from cxbridge.erasure import Statements
from cxbridge.layout import METADATA
from cxbridge.sources import Source
from cxbridge.sql_rows import utc_now

FILES = frozenset({"csv", "excel", "json"})
SURVEYS = frozenset({"google_forms", "qualtrics", "questionpro", "salesforce", "surveymonkey", "typeform"})


@dataclass(frozen=True)
class Change:
    """A change to what records read by `connectors` (every connector when empty) mean."""

    reading: int
    what: str
    connectors: frozenset[str] = frozenset()

    def concerns(self, connector: str) -> bool:
        return not self.connectors or connector in self.connectors


CHANGES = (
    Change(1, "a record's comment is the answer explaining its score, no longer its first text answer",
           FILES | SURVEYS),
    Change(1, "phone numbers in more spellings (+CC (0)…, 00CC…, national numbers with phone_region) key their "
              "respondent; placeholders (\"n/a\", \"anonymous\", too short a number) key no one"),
    Change(1, "disqualified, screened-out and over-quota responses are left out",
           FILES | {"qualtrics", "surveymonkey"}),
    Change(1, "scores written in words on a reversed scale, \"7/10\" and stars are scored; labels beyond \"very\" "
              "and agreement options numbered against their words are not", FILES | SURVEYS),
    Change(1, "personal export columns (names, IP, latitude/longitude, user agent, referer) are left out of raw; "
              "repeated export rows are copies of one response", FILES),
    Change(1, "respondents' names are no longer stored", {"google_forms", "questionpro", "typeform"}),
    Change(1, "a grouped question's text is \"Group - Field\", and a satisfaction-worded group's star ratings "
              "are CSAT", {"typeform"}),
    Change(1, "answers are placed by their own option's position and direction, times read from utctimestamp, "
              "matrix rows read one by one", {"questionpro"}),
    Change(1, "the first question of a metric in the survey is the record's primary one",
           {"questionpro", "salesforce"}),
    Change(1, "responses never rated are left out; ratings gain their requester's respondent key",
           {"freshdesk", "zendesk"}),
    Change(1, "answers under a configured scale of another size than the form's are refused, not scored on it",
           {"questionpro", "typeform"}),
    Change(1, "an answer between two points (3.5 of 1–5) is in a box only from that box's own point: no longer "
              "satisfied; a score's sixth decimal is rounded half away from zero, not to even"),
    Change(1, "a quarantined row replayed reads its time zone, day/month order and question texts as its file's "
              "read did", FILES),
    Change(1, "answers in Mac Roman files are read as Mac Roman (accented letters were other signs)", {"csv"}),
    Change(1, "a recommend question naming another scale (\"on a scale of 1 to 10\") is no NPS: kept unscored",
           {"questionpro"}),
    Change(1, "a multi-select stores the labels chosen, not their recodes; every text entry is a comment",
           {"qualtrics", "json"}),
    Change(1, "a scale whose end labels put the satisfied end first is scored with that end the best",
           {"google_forms"}),
    Change(1, "an answer naming only a row (a click-map region) is kept, no longer dropped", {"surveymonkey", "json"}),
    Change(1, "question texts lose Typeform's bold and italic marks", {"typeform"}),
    Change(1, "agreement answers under direction = \"lower_is_better\" make \"Strongly agree\" the worst, not the best",
           {"freshdesk"}),
    Change(1, "properties HubSpot sends unasked (hs_submission_name among them) are left out of raw", {"hubspot"}),
    Change(1, "a custom object's answers in satisfaction words are scored, no longer quarantined", {"salesforce"}),
    Change(1, "two identical records sent in one sync are both stored: the second was lost", {"singer"}),
    Change(2, "answers under a configured scale that is not the question's own range in the survey are quarantined "
              "(point-of-another-scale), not scored on the configured range",
           {"google_forms", "qualtrics", "questionpro", "surveymonkey"}),
    Change(2, "an override keyed by a matrix question's id applies to each of its rows", {"questionpro"}),
    Change(2, "a star slider's rows are scored on 1 to its stars: a rating, as other connectors' star ratings are, "
              "or CSAT when its words ask satisfaction", {"qualtrics"}),
    Change(2, "a rating keyed default_questions is the overall question: the record's CSAT", {"freshdesk"}),
    Change(2, "an override of a rating matrix's question naming no metric (ignore_values, a scale alone) holds "
              "for its rows' rating", {"surveymonkey"}),
    Change(2, "a Qualtrics export imported with its survey definition scores a star slider's rows on 1 to its "
              "stars, as the qualtrics connector does: a rating, or CSAT when its words ask satisfaction", FILES),
    Change(2, "an offered rating the customer commented on without rating is kept with its comment and no score, "
              "no longer left out", {"zendesk"}),
    Change(2, "a file whose dates show the other day/month order than the source's date_order is refused whole: "
              "its dates were misread or quarantined", FILES),
    Change(3, "a SurveyMonkey star or smiley rating imported from responses/bulk JSON with its details is a rating "
              "on 1 to its icons, as the surveymonkey connector reads it, no longer an unscored answer", {"json"}),
    Change(3, "answers worded Poor, Fair, Good, Very good, Excellent (or Very poor … Excellent, or four points) are "
              "a rating on 1–5 (1–4), or CSAT when the question asks about satisfaction (typed under a header "
              "asking for comments they stay text; answers reaching only Poor, Good, Excellent, which two wordings "
              "value otherwise, stay unscored), no longer unscored text or quarantined as unknown labels",
           FILES | SURVEYS),
    Change(3, "a CSAT or CES configured without a direction (or a Zendesk survey's rating) whose answers list the "
              "best first in words of no built-in scale (\"Great\" 1 … \"Awful\" 3) counts the best as satisfied, "
              "no longer the worst", FILES | SURVEYS | {"zendesk"}),
    Change(3, "an import of several files reads a lone survey definition named after some of them with those "
              "alone: another survey's export beside them no longer takes its survey id, question texts and labels",
           FILES),
    Change(3, "rows appended to a file since the last sync whose dates show the other day/month order than the "
              "source's are refused, and where the rows above them could not show one the file is read again in "
              "theirs: they were misread or quarantined", FILES),
    Change(3, "a SurveyMonkey CSV or xlsx export imported with the survey's details reads each question the details "
              "head as the surveymonkey connector does (its NPS by place, a rating on its weights), keyed by its id: "
              "the details were ignored", {"csv", "excel"}),
    Change(3, "an import of a folder reads SurveyMonkey responses/bulk JSON with the details of the survey id they "
              "carry, whatever the files' names, and never with another survey's details named like them: they were read "
              "without them, as choice ids, or stored under the other survey's id", {"json"}),
)  # fmt: skip
"""Every change to a stored meaning, oldest first. A commit that changes what a record read
again would hold adds its line here, under the reading of the next release: one more than the
last release's (`READING` follows)."""

READING = max(change.reading for change in CHANGES)
"""The reading of this cxbridge."""

KEY = "reading."
"""`cxbridge_metadata` row `reading.SOURCE`: the oldest reading of the source's stored records."""
TOLD = "reading_told."
"""`reading_told.SOURCE`: the reading whose changes a sync's summary last told of."""
RESUMES = "reading_resumes."
"""`reading_resumes.SOURCE`: the reading of a full read of the source from its beginning that
paused in its last stream (a daily quota spent): the plain sync that finishes it records it; a
full refresh forgets it as it begins (`begin`)."""
SHOWN = 3
"""The changes a sync's summary lists; `cxbridge status` lists every one."""


@dataclass(frozen=True)
class SourceReading:
    """What one source's stored records were read by, as its run began."""

    source: str
    connector: str
    oldest: int
    told: int = 0
    resumes: int | None = None
    """The reading of a paused full read this run goes on with (`RESUMES`), if any."""

    @property
    def changes(self) -> list[Change]:
        """The changes since the source's oldest reading that concern its connector."""
        return [change for change in CHANGES if change.reading > self.oldest and change.concerns(self.connector)]

    def note(self) -> str | None:
        """What a sync's summary says of the source (the first `SHOWN` changes, the rest counted),
        or None when nothing it holds was read otherwise than today."""
        if not (changes := self.changes):
            return None
        more = len(changes) - SHOWN
        listed = "; ".join(c.what for c in changes[:SHOWN]) + (f"; and {more} more (cxbridge status)" if more > 0 else "")
        when = "before it kept its readings" if not self.oldest else f"reading {self.oldest}"
        return (
            f"its stored records were read by an older cxbridge ({when}), and this one (reading {READING}) reads "
            f"some of them otherwise: {listed}. Read them again: cxbridge sync --full-refresh --source "
            f"{self.source} (a file source's files must still be in its folder)"
        )


def begin(
    destination: Destination, source: str, connector: str, *, full_refresh: bool, dry_run: bool
) -> SourceReading:
    """The source's reading as its run begins; a first run of it (none recorded before, none in
    `sync_runs`) records today's, unless `dry_run`. A `full_refresh` forgets a paused full read
    (`RESUMES`) as it begins: it reads every stream from its beginning again, so a kill or a
    failure leaves the plain syncs after it no read to finish but its own, which it records only
    when it pauses in the source's last stream (`end`)."""
    stored = destination.read_metadata() if destination.exists() else {}
    told = int(stored.get(TOLD + source) or 0)
    resumes = int(paused) if (paused := stored.get(RESUMES + source)) is not None else None
    if full_refresh and resumes is not None:
        resumes = None
        if not dry_run:
            destination.write_metadata({RESUMES + source: None})
    if (oldest := stored.get(KEY + source)) is not None:
        return SourceReading(source, connector, int(oldest), told, resumes)
    if destination.exists() and _has_run(destination, source):
        return SourceReading(source, connector, 0, told, resumes)
    if not dry_run:
        destination.write_metadata({KEY + source: str(READING)})
    return SourceReading(source, connector, READING, told)


def end(
    destination: Destination, reading: SourceReading, *, full: bool, ok: bool, paused_last: bool, dry_run: bool
) -> str | None:
    """After the source's run: today's reading recorded when the run finished reading every record
    from the source's beginning — it is such a read (`full`: a --full-refresh no `start_date` holds
    back) and `ok`, or it went on with one that paused (`reading.resumes`) and is `ok`; a `full`
    read that paused in the source's last stream (`paused_last`) kept for the runs that go on
    with it. Else the note of older readings, once a reading (a dry run tells it and records
    nothing)."""
    source, changes, note = reading.source, dict[str, str | None](), None
    finished = ok and (full or reading.resumes is not None)
    pending = READING if full and paused_last else None  # the runs that go on with a paused full read finish it
    if (full or finished) and pending != reading.resumes:
        changes[RESUMES + source] = None if pending is None else str(pending)
    read_by = min(READING, reading.resumes or READING)  # a pause's reading, if an upgrade came between
    if finished and reading.oldest < read_by:
        changes[KEY + source] = str(read_by)
    if not finished and reading.told < READING:
        note = reading.note()
        if note is not None:
            changes[TOLD + source] = str(READING)
    if changes and not dry_run:
        destination.write_metadata(changes)
    return note


def reads_from_beginning(source: Source) -> bool:
    """Whether a full read of `source` reads its every record: an API source's `start_date` holds
    it back to the records after, and a service that keeps only its last `Source.keeps_days` of
    responses gives none older (those it does not give keep the reading they were read by)."""
    held_back = getattr(getattr(source, "config", None), "start_date", None) is not None
    return not held_back and getattr(source, "keeps_days", None) is None


def emptied(db: Statements, source: str) -> None:
    """Every record of `source` removed (`cxbridge remove` left it none, whatever it chose): none
    is left that an older reading read, and what the next sync stores is read by today's. In the
    removal's transaction (`cxbridge.removal.removal_rows`): a kill after it commits cannot bring
    the older reading back."""
    names = [KEY + source, TOLD + source]
    db.execute(f"DELETE FROM {METADATA.name} WHERE name IN ({db.param(0)}, {db.param(1)})", names)
    db.execute(f"INSERT INTO {METADATA.name} (name, value, updated_at) VALUES ({db.param(0)}, {db.param(1)}, "
               f"{db.param(2)})", [KEY + source, str(READING), utc_now()])  # fmt: skip


def older_readings(destination: Destination, connectors: Mapping[str, str]) -> list[SourceReading]:
    """The sources of `connectors` (source → connector) whose stored records were read by an
    older reading whose changes concern them, for `cxbridge status`."""
    stored = destination.read_metadata()
    found = (SourceReading(source, connector, int(stored.get(KEY + source) or 0))
             for source, connector in sorted(connectors.items()))  # fmt: skip
    return [reading for reading in found if reading.changes]


def _has_run(destination: Destination, source: str) -> bool:
    [row] = destination.query(f"SELECT COUNT(*) AS runs FROM sync_runs WHERE source = {destination.param(0)}", [source])
    return bool(row["runs"])


def connectors_named(rows: Iterable[Mapping[str, object]]) -> dict[str, str]:
    """Source → connector of `sync_runs` rows, the newest row's connector winning (rows newest first)."""
    found: dict[str, str] = {}
    for row in rows:
        found.setdefault(str(row["source"]), str(row["connector"]))
    return found
