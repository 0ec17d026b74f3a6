"""The Snowflake destination on fakesnow (an in-process Snowflake emulator), with checks of the
SQL it sends: staged Parquet loads, MERGE, one transaction per batch, no secrets in statements."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fakesnow.cursor import FakeSnowflakeCursor

from cxbridge.errors import ConfigError
from cxbridge.plugins.snowflake.destination import SnowflakeDestination, connect_arguments
from cxbridge.source_result import SourceResult
from cxbridge.testing.destinations import DestinationConformance, assert_same, deliver, deliver_copies, snapshot
from tests.snowflake_emulator import (
    LOAD_MARKER,
    TRANSLATIONS,
    copy_database,
    emulated_snowflake,
    load_database,
    run_folder,
    save_database,
)

URL = "snowflake://loader:{password}@acme-eu1/CX_{name}/FEEDBACK?warehouse=LOAD_WH&role=LOADER"
BATCH_SIZE = 20  # fakesnow translates every statement anew: three batches a source, not nine
SAMPLE = "sample"  # the database of the sample's delivery, of the same name in every module


@pytest.fixture(scope="module")
def snowflake(tmp_path_factory) -> Iterator[Callable[[str], SnowflakeDestination]]:
    """Snowflake destinations on one fakesnow session for the module, one database per name
    (every test uses its own names), each statement translated once a run (tests/snowflake_emulator.py),
    files PUT into stages kept in a pytest temporary folder; one writer at a time, so every
    destination gets the same staging tables' names (and statements)."""

    def destination(name: str) -> SnowflakeDestination:
        made = SnowflakeDestination(URL.format(password="pw-123", name=name.upper()))
        made._session = "test0session"
        return made

    with emulated_snowflake(tmp_path_factory.mktemp("snowflake_stages"), shared=run_folder(tmp_path_factory)):
        yield destination


@pytest.fixture(scope="module")
def delivered(snowflake, tmp_path_factory) -> tuple[SnowflakeDestination, list[str], list[SourceResult]]:
    """The sample data delivered once, with every statement the destination sent, in order, and
    the delivery's results; saved for the modules that read it (`the_sample`)."""
    sent: list[str] = []
    real_execute = FakeSnowflakeCursor.execute

    def execute(self, command, *args, **kwargs):
        sent.append(" ".join(command.split()))
        return real_execute(self, command, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FakeSnowflakeCursor, "execute", execute)
        results = deliver(snowflake(SAMPLE), batch_size=BATCH_SIZE)
    save_database(connect_arguments(snowflake(SAMPLE).url)["database"], run_folder(tmp_path_factory))
    return snowflake(SAMPLE), sent, results


def the_sample(snowflake, tmp_path_factory: pytest.TempPathFactory) -> SnowflakeDestination:
    """The sample delivered as `delivered` delivers it, for a module that only reads it (and
    writes nothing through cxbridge): a copy of the run's first delivery of it (`save_database`,
    this module's or another's, in any test process of the run), delivered and saved here where
    there is none yet. One warm delivery is 2–3 s of CPU; a copy ≈ 0.1 s."""
    destination, folder = snowflake(SAMPLE), run_folder(tmp_path_factory)
    database = connect_arguments(destination.url)["database"]
    if not load_database(database, folder):
        deliver(destination, batch_size=BATCH_SIZE)
        save_database(database, folder)
    return snowflake(SAMPLE)


@pytest.fixture(scope="module")
def delivered_copies(snowflake) -> tuple[SnowflakeDestination, list[SourceResult]]:
    """The sample through two sources whose responses are exact copies (`deliver_copies`),
    delivered once, and the delivery's results."""
    return snowflake("copies_first"), deliver_copies(snowflake("copies_first"), batch_size=BATCH_SIZE)


def delivered_into(destination: SnowflakeDestination, delivered) -> SnowflakeDestination:
    """`destination`, a new database, made a copy of a module's delivery (`delivered` or
    `delivered_copies`, never written after), which fakesnow makes in milliseconds where a
    delivery takes seconds."""
    source = delivered[0]
    copy_database(connect_arguments(source.url)["database"], connect_arguments(destination.url)["database"])
    return destination


class TestSnowflakeConformance(DestinationConformance):
    batch_size = BATCH_SIZE

    @pytest.fixture
    def destination_factory(self, snowflake):
        return snowflake

    @pytest.fixture
    def delivered(self, delivered, request):
        """The suite's sample into a new Snowflake database as a copy of the module's delivery
        (`delivered` above, or `delivered_copies` for the copies: the same deliver, batches and
        session, never written after), which fakesnow makes in milliseconds where a delivery
        takes seconds, with that delivery's results; into the SQLite reference delivered."""

        def copy_of_first(factory, name: str, *, copies: bool = False) -> list[SourceResult]:
            destination = factory(name)
            if not isinstance(destination, SnowflakeDestination):
                return self.deliver_first(destination, copies=copies)
            first = request.getfixturevalue("delivered_copies") if copies else delivered
            delivered_into(destination, first)
            return first[-1]

        return copy_of_first


def test_a_batch_is_staged_as_parquet_then_merged_in_one_transaction(delivered):
    _, statements, _ = delivered
    transactions = [statements[start : statements.index("COMMIT", start) + 1]
                    for start, statement in enumerate(statements) if statement == "BEGIN"]  # fmt: skip
    first_batch = next(t for t in transactions if any(s.startswith("PUT ") for s in t))  # after the run row, the reading
    puts = [s for s in first_batch if s.startswith("PUT ")]
    assert puts and all(s.startswith("PUT 'file://") and " @cx_load/cx_stage_" in s for s in puts)
    copies = [s for s in first_batch if s.startswith("COPY INTO cx_stage_")]
    assert copies and all("FILE_FORMAT = (TYPE = PARQUET)" in s and "PURGE = TRUE" in s for s in copies)
    merges = [s for s in first_batch if s.startswith("MERGE INTO ")]
    assert [s.split()[2] for s in merges] == ["feedback", "quarantine", "sync_state"]
    assert "PARSE_JSON(answers)" in merges[0] and "CAST(submitted_at AS TIMESTAMP_TZ)" in merges[0]
    assert not [s for s in first_batch if s.startswith("INSERT INTO feedback ")], "no row-by-row inserts"


def test_a_batch_empties_only_the_staging_tables_an_earlier_one_filled_and_reads_no_empty_quarantine(delivered):
    """Each statement is a round trip: a stage is emptied only if an earlier batch of the session
    loaded it, and nothing reads the quarantine's or the outbox's stage when the batch loaded none."""
    _, statements, _ = delivered
    batches = [statements[start : statements.index("COMMIT", start) + 1]
               for start, s in enumerate(statements) if s == "BEGIN"]  # fmt: skip
    batches = [batch for batch in batches if any(s.startswith("MERGE INTO feedback ") for s in batch)]
    filled: set[str] = set()
    for batch in batches:
        loaded = {s.split()[2] for s in batch if s.startswith("COPY INTO ")}
        assert {s.split()[2] for s in batch if s.startswith("DELETE FROM cx_stage_")} == filled
        for stage in ("cx_stage_quarantine_test0session", "cx_stage_loop_outbox_test0session"):
            writes = ("PUT ", "COPY INTO ", "DELETE FROM cx_stage_")
            readers = [s for s in batch if stage in s and not s.startswith(writes)]
            assert bool(readers) == (stage in loaded), (stage, readers)
        filled = loaded
    assert any("COPY INTO cx_stage_quarantine_" in b for b in map(" ".join, batches)), "a batch loaded quarantine"


def test_the_password_never_reaches_a_statement(delivered):
    _, statements, _ = delivered
    assert statements and not [s for s in statements if "pw-123" in s]


def test_a_load_s_copy_into_is_translated_once_a_table_whatever_its_load_s_prefix(delivered):
    """Each load's COPY INTO differs from the table's last one by its load's prefix only: fakesnow's
    translation of it is kept once a table and run with each load's prefix written in (the rows
    each copy loads are the conformance tests' and `delivered_into`'s, against SQLite's)."""
    _, statements, _ = delivered
    copies = [s for s in statements if s.startswith("COPY INTO ")]
    prefixes = {s.split()[4].rsplit("/", 1)[1] for s in copies}
    assert len(prefixes) == len(copies) > 10, "one prefix a load"
    marked = {s.replace(s.split()[4].rsplit("/", 1)[1], LOAD_MARKER) for s in copies}
    assert len(marked) == len({s.split()[2] for s in copies})
    kept = {key[0]: translation for key, translation in TRANSLATIONS.kept.items() if key[0] in marked}
    assert set(kept) == marked and None not in kept.values()


def test_the_saved_sample_loads_as_the_delivery_it_was(delivered, snowflake, tmp_path_factory):
    """What a module that reads the sample reads (`the_sample`): the saved delivery, loaded into a
    database of this module's fakesnow session, is the delivery, table by table and view by view."""
    saved_as = connect_arguments(delivered[0].url)["database"]
    assert load_database("CX_SAVED_SAMPLE", run_folder(tmp_path_factory), saved_as=saved_as)
    assert_same(snapshot(snowflake("saved_sample")).results, snapshot(delivered[0]).results, label="saved")


def test_files_put_into_stages_are_kept_where_pytest_removes_them(delivered, tmp_path_factory):
    """Not in a `fakesnow_bucket_*` folder of the system's temporary folder, which fakesnow makes
    when it is imported and never removes."""
    from fakesnow.transforms import stage

    from tests.snowflake_emulator import FAKESNOW_BUCKET

    bucket = Path(stage.LOCAL_BUCKET_PATH)
    assert bucket.is_relative_to(tmp_path_factory.getbasetemp()) and any(bucket.iterdir())
    assert not Path(FAKESNOW_BUCKET).exists()


def test_a_test_run_leaves_no_fakesnow_folder_in_the_temporary_folder(tmp_path):
    """Every pytest process that imports fakesnow — each worker collects this module — made one
    `fakesnow_bucket_*` folder there, kept after the run (39 on the test machine). A collection
    of this module is such a process, at a fraction of a test run's CPU."""
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", "--collect-only", __file__],
        cwd=Path(__file__).parents[1],
        env={**os.environ, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert not list(tmp_path.glob("fakesnow_bucket_*"))


def test_json_is_stored_as_variant_and_queryable(delivered):
    destination, _, _ = delivered
    destination.open(read_only=True)
    rows = destination.query("SELECT answers:q_nps:text::VARCHAR AS question FROM feedback LIMIT 1")
    destination.close()
    assert rows == [{"question": "How likely are you to recommend us?"}]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("snowflake://me:pw@acct/DB/SCH?warehouse=WH", {"account": "acct", "user": "me", "password": "pw",
                                                         "database": "DB", "schema": "SCH", "warehouse": "WH"}),
        ("snowflake://me@acct?private_key_file=/keys/me.p8", {"account": "acct", "user": "me", "database": "CXBRIDGE",
                                                               "schema": "CX", "private_key_file": "/keys/me.p8"}),
    ],
)  # fmt: skip
def test_url_to_connection_arguments(url, expected):
    assert connect_arguments(url) == expected


@pytest.mark.parametrize(
    "url", ["snowflake://acct/DB", "snowflake://me@acct/DB/S/extra", "snowflake://me@acct?colour=red"]
)
def test_bad_urls_say_how_to_write_one(url):
    with pytest.raises(ConfigError, match="Snowflake URL|unknown option"):
        connect_arguments(url)


KEY_URL = "snowflake://loader@acme-eu1/CX_KEYS/FEEDBACK?warehouse=LOAD_WH&private_key_file={file}{pwd}"


@pytest.fixture
def rsa_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def write_key(path, key, *, passphrase: str | None = None, traditional: bool = False):
    from cryptography.hazmat.primitives import serialization

    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
    )
    form = serialization.PrivateFormat.TraditionalOpenSSL if traditional else serialization.PrivateFormat.PKCS8
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, form, encryption))
    return path


def key_url(file: str, passphrase: str | None = None) -> str:
    from urllib.parse import quote

    return KEY_URL.format(file=quote(file), pwd=f"&private_key_file_pwd={quote(passphrase)}" if passphrase else "")


@pytest.fixture
def connected(snowflake) -> Iterator[list[dict]]:
    """The keyword arguments of every connector.connect call (served by fakesnow);
    restored before fakesnow's own patch is undone."""
    from snowflake import connector

    calls: list[dict] = []
    fake_connect = connector.connect

    def connect(**kwargs):
        calls.append(kwargs)
        return fake_connect(**kwargs)

    connector.connect = connect
    try:
        yield calls
    finally:
        connector.connect = fake_connect


@pytest.mark.parametrize(
    ("passphrase", "traditional"), [(None, False), ("correct horse & battery", False), ("s3cret", True)]
)
def test_key_pair_sign_in_hands_the_connector_the_decrypted_key(tmp_path, rsa_key, connected, passphrase, traditional):
    import jwt
    from cryptography.hazmat.primitives import serialization
    from snowflake.connector.auth import AuthByKeyPair

    write_key(tmp_path / "keys" / "rsa_key.p8", rsa_key, passphrase=passphrase, traditional=traditional)
    destination = SnowflakeDestination(key_url("keys/rsa_key.p8", passphrase), base_dir=tmp_path)
    destination.open()
    assert destination.query("SELECT 1 AS one") == [{"one": 1}]
    destination.close()

    (arguments,) = connected[:1]
    assert arguments["authenticator"] == "SNOWFLAKE_JWT" and arguments["user"] == "loader"
    assert not {"private_key_file", "private_key_file_pwd", "password"} & set(arguments)
    key = arguments["private_key"]
    assert isinstance(key, bytes)  # unencrypted PKCS#8 DER, the form the connector documents
    loaded = serialization.load_der_private_key(key, password=None)
    assert loaded.private_numbers() == rsa_key.private_numbers()
    token = AuthByKeyPair(private_key=key).prepare(account="acme-eu1", user="loader")
    claims = jwt.decode(token, rsa_key.public_key(), algorithms=["RS256"])
    assert claims["sub"] == "ACME-EU1.LOADER"


@pytest.mark.parametrize(
    ("written", "given", "message"),
    [
        ("right one", "wrong one", "cannot be decrypted with private_key_file_pwd"),
        ("right one", None, "is encrypted: add private_key_file_pwd"),
        (None, "unneeded", "is not encrypted: remove private_key_file_pwd"),
        ("garbage", None, "is not a private key in PEM or DER"),
        ("missing", None, "cannot be read"),
    ],
)
def test_an_unusable_key_is_a_config_error_naming_the_file(tmp_path, rsa_key, connected, written, given, message):
    path = tmp_path / "keys" / "rsa_key.p8"
    if written == "garbage":
        path.parent.mkdir()
        path.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    elif written != "missing":
        write_key(path, rsa_key, passphrase=written)
    destination = SnowflakeDestination(key_url("keys/rsa_key.p8", given), base_dir=tmp_path)
    with pytest.raises(ConfigError) as raised:
        destination.open()
    assert message in str(raised.value) and str(path) in str(raised.value)
    assert not given or given not in str(raised.value), "the passphrase never appears in an error"
    assert connected == [], "nothing is sent to Snowflake with a key that cannot be used"


def test_a_sync_takes_its_lock_rows_on_one_connection_of_its_own(delivered):
    """Every batch takes a lock row (the identity section), and the migrations one: all on one
    connection beside the destination's, not a sign-in each (a second or so on Snowflake); each
    row let go once its work is done."""
    destination, statements, _ = delivered
    connections = statements.count("CREATE SCHEMA IF NOT EXISTS FEEDBACK")  # each writing connection's first
    assert connections == 2, "the destination's connection and its lock rows'"
    assert sum(s.startswith("CREATE TABLE IF NOT EXISTS cxbridge_locks ") for s in statements) == 1
    destination.open(read_only=True)
    try:
        assert destination.query("SELECT name, holder FROM cxbridge_locks") == []
    finally:
        destination.close()


def test_an_erasure_removes_a_respondent_s_records_and_quarantined_ones_in_one_transaction(snowflake, delivered):
    """`cxbridge erase` on Snowflake: the quarantined record is found through its VARIANT's JSON
    text (`TO_JSON`), every row of the key goes, and the tombstones are read back."""
    import re

    destination = delivered_into(snowflake("erase"), delivered)
    destination.open()
    try:
        raws = [row["raw"] for row in destination.query("SELECT raw FROM quarantine ORDER BY record_id")]
        key = next(found[1] for raw in raws if (found := re.search(r"hashed:([0-9a-f]{32})", raw)))
        held = sum(f"hashed:{key}" in raw for raw in raws)
        before = {table: destination.query(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"] for table in ("feedback", "quarantine")}
        stored = destination.query(f"SELECT COUNT(*) AS n FROM feedback WHERE respondent_key = '{key}'")[0]["n"]

        erasure = destination.erase([key], phones=["447700900123"])  # the phone's pages read too: none writes it
        counts = erasure.rows

        after = {table: destination.query(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"] for table in ("feedback", "quarantine")}
        assert (counts["feedback"], counts["quarantine"]) == (stored, held) and erasure.mentioned == []
        assert after == {"feedback": before["feedback"] - stored, "quarantine": before["quarantine"] - held}
        assert key in destination.erased().keys and len(destination.erased().records) == stored + held
    finally:
        destination.close()


def test_an_erasure_lists_the_records_keyed_by_a_contact_written_beside_the_person_s(snowflake, delivered):
    """The key in the raw payload of a record erased (a second contact column: `hashed:<key>` in
    its VARIANT, read through `TO_JSON`) names the records it keys, which are kept, for review."""
    destination = delivered_into(snowflake("erase_linked"), delivered)
    destination.open()
    try:
        keys = destination.query("SELECT DISTINCT respondent_key FROM feedback WHERE respondent_key IS NOT NULL "
                                 "ORDER BY respondent_key")  # fmt: skip
        key, other = keys[0]["respondent_key"], keys[1]["respondent_key"]
        theirs = destination.query(f"SELECT MIN(record_id) AS id FROM feedback WHERE respondent_key = '{key}'")[0]["id"]
        others = destination.query(f"SELECT record_id FROM feedback WHERE respondent_key = '{other}' ORDER BY record_id")
        with destination.transaction():  # their record holds a second contact, which keys another's records
            destination.execute(f"UPDATE feedback SET raw = PARSE_JSON('{{\"phone\": \"hashed:{other}\"}}') "
                                f"WHERE record_id = '{theirs}'")  # fmt: skip

        erasure = destination.erase([key])

        assert others and erasure.linked == {other: [row["record_id"] for row in others]}
        left = destination.query(f"SELECT COUNT(*) AS n FROM feedback WHERE respondent_key = '{other}'")[0]["n"]
        assert left == len(others)
    finally:
        destination.close()


def test_a_prune_removes_the_records_of_a_source_not_read_with_their_rows(snowflake, delivered):
    """`sync --full-refresh --prune` on Snowflake: the source's records (stored and quarantined)
    whose ids the read lacks go with their scores and comments; the rest, and other sources', stay."""
    from cxbridge.pruning import ReadIds

    destination = delivered_into(snowflake("prune"), delivered)
    destination.open()
    try:

        def ids(table: str, where: str = "") -> set[str]:
            return {row["record_id"] for row in destination.query(f"SELECT record_id FROM {table}{where}")}

        source = destination.query("SELECT MIN(source) AS s FROM quarantine")[0]["s"]
        where = f" WHERE source = '{source}'"
        theirs = sorted(ids("feedback", where)) + sorted(ids("quarantine", where))
        gone = set(theirs[::3])
        read = ReadIds()
        [stream] = {row["stream"] for row in destination.query(f"SELECT stream FROM feedback{where}")}
        read.add(stream, (rid for rid in theirs if rid not in gone))
        read.finished.add(stream)
        before = {table: ids(table) for table in ("feedback", "feedback_scores", "feedback_comments", "quarantine")}
        assert gone & before["feedback_scores"] and gone & before["quarantine"], "stored and quarantined ones go"

        assert destination.prune(source, read, dry_run=True).total == len(gone) and ids("feedback") == before["feedback"]
        assert destination.prune(source, read).removed == {stream: len(gone)}

        assert {table: ids(table) for table in before} == {table: held - gone for table, held in before.items()}
    finally:
        destination.close()
