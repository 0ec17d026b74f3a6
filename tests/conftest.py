"""Shared fixtures. The first check makes sure the tests exercise this checkout, not another one."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import settings

import cxbridge.cli
import cxbridge.masking
import cxbridge.plugins
from tests.postgres_server import postgres_database, postgres_url  # noqa: F401 — shared fixtures
from tests.worker_imports import pytest_collection  # noqa: F401 — a hook of the run

ROOT = Path(__file__).resolve().parents[1]

# The same examples on every run and machine (a failure reproduces), and no deadline: a test
# sharing two cores with parallel workers is slow, not wrong.
settings.register_profile("cxbridge", derandomize=True, deadline=None, database=None)
settings.load_profile("cxbridge")


@pytest.fixture(autouse=True, scope="session")
def _cache_of_the_test_run(tmp_path_factory: pytest.TempPathFactory):
    """What cxbridge keeps in its cache folder (key tables) goes to the test run's, not the
    home folder; syncs run as child processes inherit it."""
    import os

    before = os.environ.get("CXBRIDGE_CACHE_DIR")
    os.environ["CXBRIDGE_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("CXBRIDGE_CACHE_DIR", None)
    else:
        os.environ["CXBRIDGE_CACHE_DIR"] = before


@pytest.fixture(autouse=True)
def _secrets_masked_per_test():
    """Each test masks only the secrets it registered: the registry is process-wide, and a worker
    that ran a test whose secret is a common word ("token") masked it in every later test's output."""
    forms, longest_first = dict(cxbridge.masking._forms), list(cxbridge.masking._longest_first)
    yield
    cxbridge.masking._forms.clear()
    cxbridge.masking._forms.update(forms)
    cxbridge.masking._longest_first[:] = longest_first


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """Without pytest-xdist (an environment installed before it joined `[test]`, or `-p no:xdist`),
    the `--numprocesses`/`--dist` of addopts are accepted and the tests run one at a time."""
    if not pluginmanager.hasplugin("xdist"):
        parser.addoption("--numprocesses", dest="numprocesses", help="(pytest-xdist is not installed)")
        parser.addoption("--dist", dest="dist", default="no", help="(pytest-xdist is not installed)")


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: unknown without it (-p no:xdist)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`--numprocesses=auto` spreads the suite, or a folder of it, over one worker more than the
    machine has cores: about a tenth of the suite's time waits (on the syncs it runs as child
    processes, the PostgreSQL server, the disk), and a worker per core left the 2-core machine 12 %
    idle (2,516 s of CPU in 1,429 s). Named test files run in this process, as starting workers
    would cost a quick run more than it saves."""
    if config.args and all(Path(arg.split("::")[0]).is_file() for arg in config.args):
        return 0
    return len(os.sched_getaffinity(0)) + 1


def pytest_report_header(config: pytest.Config) -> str | None:
    if not config.pluginmanager.hasplugin("xdist"):
        return "pytest-xdist is not installed: tests run one at a time (pip install -e '.[test]' runs them in parallel)"
    return None


def pytest_configure(config: pytest.Config) -> None:
    _cache_bytecode_outside_the_checkout(config)
    for package, folder in ((cxbridge.plugins, "plugins"), (cxbridge.cli, "cli")):
        location = Path(package.__file__).resolve().parent
        if location != ROOT / folder:
            raise pytest.UsageError(
                f"{package.__name__} is imported from {location}, not from this checkout ({ROOT}).\n"
                "Install this checkout into its own virtual environment:\n"
                "  python3 -m venv --system-site-packages .venv && .venv/bin/pip install -e '.[test]'\n"
                "  .venv/bin/python -m pytest"
            )


def pytest_unconfigure(config: pytest.Config) -> None:
    """fakesnow makes a `fakesnow_bucket_*` folder in the system's temporary folder when it is
    imported (each worker collects the Snowflake tests) and never removes it; the files the tests
    PUT into stages go elsewhere (tests/snowflake_emulator.py), so it holds nothing of theirs."""
    stage = sys.modules.get("fakesnow.transforms.stage")
    if stage is not None:
        shutil.rmtree(stage.LOCAL_BUCKET_PATH, ignore_errors=True)


def _cache_bytecode_outside_the_checkout(config: pytest.Config) -> None:
    """Where PYTHONDONTWRITEBYTECODE is set (the 2-core machine the suite is timed on sets it),
    every process the tests start — each `python -m cxbridge`, each pytest-xdist worker — would
    compile this checkout's modules from source again: 0.23 s of CPU of a `cxbridge sync` of 1.2 s,
    hundreds of such processes. Compiled modules go to a folder of their own instead
    (PYTHONPYCACHEPREFIX), so the checkout still gets no `__pycache__`: in the virtual environment
    (`pycache/`), where the next run finds them — a prefix hides the compiled files pip wrote beside
    the installed packages and the standard library, and compiling those again cost every run
    ≈ 35 s of CPU at collection alone (a new folder gets them linked in) — else a folder removed at
    the end of the run. The controller decides; its workers and every process started after this
    inherit the environment."""
    if hasattr(config, "workerinput") or not (sys.dont_write_bytecode or os.environ.get("PYTHONDONTWRITEBYTECODE")):
        return
    if os.environ.get("PYTHONPYCACHEPREFIX"):  # someone chose where: write there
        folder = os.environ["PYTHONPYCACHEPREFIX"]
    elif sys.prefix != sys.base_prefix:
        folder = os.path.join(sys.prefix, "pycache")
    else:
        folder = tempfile.mkdtemp(prefix="cxbridge-tests-bytecode-")
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    if not os.path.isdir(folder) or not os.listdir(folder):
        _link_installed_bytecode(folder)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = folder
    sys.pycache_prefix, sys.dont_write_bytecode = folder, False


def _link_installed_bytecode(folder: str) -> None:
    """Fill a new prefix folder with the compiled files beside the standard library and the
    installed packages (pip writes them as it installs), linked where the prefix makes Python look
    for them: else the first run in a new environment — each of CI's — compiled them all again,
    each of the three workers at once while collecting. The run compiles this checkout's modules
    (pip compiles none of an editable install)."""
    compiled = f"*.{sys.implementation.cache_tag}.pyc"
    for entry in dict.fromkeys(Path(path) for path in sys.path if os.path.isdir(path) and Path(path) != ROOT):
        for cache in entry.rglob("__pycache__"):
            target = Path(folder, *cache.parent.parts[1:])
            target.mkdir(parents=True, exist_ok=True)
            for file in cache.glob(compiled):
                if not (target / file.name).exists():
                    try:
                        os.link(file, target / file.name)
                    except FileExistsError:  # another test run in this environment linked it meanwhile
                        pass
                    except OSError:  # another file system
                        shutil.copyfile(file, target / file.name)


# Test modules with the longest tests, longest first: first the modules holding one test that
# takes a minute or more, longest test first, then the ones whose tests add up to the most
# (`pytest --durations=120` on the 2-core machine at dad2328). pytest-xdist's worksteal hands
# each worker a contiguous share of the collection and lets an idle worker take the far end of
# another's; with these first, they start at once and run whole on one worker (their module
# fixtures — a fakesnow session, the plugin authors' venvs — set up once), and what is left at
# the end are short tests, so no worker waits alone for a two-minute test to finish (the broken
# sources' suite and the Airflow `dag.test` used to start near the end of the run).
SLOWEST_MODULES_FIRST = (
    "test_conformance_suite",  # one test, the broken sources' suites in a pytest of their own
    "test_report",
    "test_appended_files",
    "test_airflow",  # one test: `airflow db migrate` and a `dag.test()` of seven tasks
    "test_views_property",
    "test_scaffold",
    "test_sigkill",
    "test_snowflake_destination",
    "test_destination_conformance",  # the most time of any module, in 72 tests of under a minute
    "test_batch_normalizer",
    "test_fuzz_files",
    "test_loop_case_opening",
    "test_concurrent_syncs",
    "test_json_text",
    "test_status",
    "test_loop_exactly_once",
    "test_singer_source",
    "test_parallel_sync",
    "test_cli",
    "test_bigquery_destination",
    "test_api_names",
    "test_dagster",
    "test_waves",
    "test_privacy",
    "test_parquet_destination",
    "test_lock_rows",
    "test_hostile_files",
    "test_canary_secrets",
    "test_local_locks",
)


@pytest.hookimpl(wrapper=True)  # after pytest's own grouping by fixture: a stable sort keeps it within a module
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]):
    """Under pytest-xdist, the slowest modules are collected first (above); in one process the
    order is pytest's own."""
    result = yield
    if hasattr(config, "workerinput"):
        rank = {name: place for place, name in enumerate(SLOWEST_MODULES_FIRST)}
        items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))
    return result


SURVEY_HEADER = ["id", "submitted", "store", "nps", "satisfaction", "effort", "comment", "email"]

SURVEY_CONFIG = """
[settings]
batch_size = {batch_size}

[sources.survey]
connector = "csv"
path = "responses*.csv"

[sources.survey.columns]
id = "id"
submitted_at = "submitted"
location_id = "store"
comment = "comment"
email = "email"

[[sources.survey.metrics]]
column = "nps"
metric = "nps"

[[sources.survey.metrics]]
column = "satisfaction"
metric = "csat"
scale = [1, 5]
labels = {{ "Very satisfied" = 5, "Satisfied" = 4, "Neutral" = 3, "Dissatisfied" = 2, "Very dissatisfied" = 1 }}

[[sources.survey.metrics]]
column = "effort"
metric = "ces"
scale = [1, 7]
"""


def half_up(exact: Fraction | int, digits: int = 1) -> float:
    """`exact` to `digits` decimals, half away from zero as cxbridge rounds (docs/report.md
    "Rounding"): −6.25 → −6.3 where Python's round() gives −6.2. Pass a Fraction, never a float."""
    scaled = abs(Fraction(exact)) * 10**digits
    whole = int(scaled + Fraction(1, 2))
    return (whole if exact >= 0 else -whole) / 10**digits


def nps_figures(scores: list[int]) -> tuple[int, float]:
    """Answers and NPS of these 0–10 answers, by the NPS rule, rounded as cxbridge rounds."""
    net = sum(score >= 9 for score in scores) - sum(score <= 6 for score in scores)
    return len(scores), half_up(Fraction(100 * net, len(scores)))


def survey_row(n: int, *, nps: object = None, satisfaction: str = "Satisfied", day: int | None = None) -> list[str]:
    """A plausible response; the defaults vary with n so that groups and months differ."""
    score = n % 11 if nps is None else nps
    return [
        f"R{n}",
        f"2025-{(day or n) % 12 + 1:02d}-{n % 27 + 1:02d}T10:{n % 60:02d}:00Z",
        f"S{n % 4}",
        str(score),
        satisfaction,
        str(n % 7 + 1),
        f"comment {n}" if n % 3 else "",
        f"person{n}@example.com",
    ]


class Workspace:
    """A folder with a cxbridge.toml and CSV files, synced into its own cxbridge.db."""

    def __init__(self, root: Path, *, batch_size: int = 1000):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.config = root / "cxbridge.toml"
        self.db = root / "cxbridge.db"
        self.config.write_text(SURVEY_CONFIG.format(batch_size=batch_size), encoding="utf-8")

    def write_csv(self, rows: list[list[str]], name: str = "responses.csv") -> Path:
        import csv

        path = self.root / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(SURVEY_HEADER)
            writer.writerows(rows)
        return path

    def sync(self, **options):
        import cxbridge
        from cxbridge.plugins_host import create_host

        options.setdefault("destination", f"sqlite:///{self.db}")
        return cxbridge.sync(self.config, host=create_host(), **options)

    def query(self, sql: str, params=()) -> list[tuple]:
        import sqlite3

        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, params).fetchall()

    def table(self, name: str, *, without: tuple[str, ...] = ()) -> list[tuple]:
        """Every row of a table, sorted, leaving out lineage columns that differ between runs."""
        import sqlite3

        with sqlite3.connect(self.db) as conn:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({name})") if row[1] not in without]
            return sorted(conn.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall(), key=repr)


def share_salt(monkeypatch: pytest.MonkeyPatch, *workspaces: Workspace) -> None:
    """One respondent salt for these datasets (each would make its own), so that their tables —
    respondent keys and hashed contacts included — compare equal."""
    monkeypatch.setenv("CXBRIDGE_TEST_SHARED_SALT", "salt-shared-by-the-test-datasets")
    for workspace in workspaces:
        text = workspace.config.read_text()
        workspace.config.write_text(text.replace("[settings]\n", '[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SHARED_SALT}"\n', 1))


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.chdir(tmp_path)
    return Workspace(tmp_path)
