"""The Airflow operator (cxbridge.integrations.airflow), run for real: a DAG of one
CxbridgeSyncOperator per source is run with Airflow's own `dag.test()` — in a process of its own,
since Airflow reads its home, metadata database and DAG folder once per process — against CSV
files and a fake SurveyMonkey whose daily quota is spent. Each of cxbridge's exit codes becomes
its task state: 0 success (with the counts as XCom, quarantine or not), 1 failed, 2 failed
without a retry, 3 skipped."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from tests.many_sources import config_toml, write_files
from tests.sqlite_runs import SHARED_SALT
from tests.surveymonkey_api import SURVEY, TOKEN, support_account, surveymonkey

DAG = '''
import json
import sys
from datetime import datetime, timedelta, timezone

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

from cxbridge.integrations.airflow import CxbridgeSyncOperator

CONFIG = {config!r}

with DAG("cxbridge", schedule=None, start_date=datetime(2026, 1, 1, tzinfo=timezone.utc)) as dag:
    for source in ("branch_a", "branch_b", "support"):
        CxbridgeSyncOperator(source=source, config=CONFIG)
    for source in ("gone", "nope"):  # each may be tried twice, at once (dag.test sleeps a second for a later retry)
        CxbridgeSyncOperator(source=source, config=CONFIG, retries=1, retry_delay=timedelta(0))
    for source in ("support", "gone"):  # the BashOperator recipe of docs/orchestration.md
        BashOperator(task_id=f"bash_{{source}}", skip_on_exit_code=3,
                     bash_command=f"{{sys.executable}} -m cxbridge sync --source {{source}} --format json --config {{CONFIG}}")

if __name__ == "__main__":
    from airflow.utils.db import upgradedb

    upgradedb()  # `airflow db migrate`, in this process: one start of Airflow, not two
    run = dag.test()
    found = {{ti.task_id: {{"state": str(ti.state), "tries": ti.try_number,
                          "xcom": ti.xcom_pull(task_ids=ti.task_id) if str(ti.state) == "success" else None}}
             for ti in run.get_task_instances()}}
    print("RESULT " + json.dumps(found, default=str))
'''


@pytest.fixture
def project(tmp_path):
    write_files(tmp_path)
    (tmp_path / "gone.csv").write_text("id,submitted,store,nps,comment\n", encoding="utf-8")  # no rows: exit code 1
    text = config_toml("", forms=())
    extra = text[text.index("[sources.branch_a]"):text.index("[sources.branch_b]")].replace("branch_a", "gone")
    return tmp_path, text + "\n" + extra


def test_each_exit_code_becomes_its_task_state_in_a_dag_test(project):
    import importlib.util

    if importlib.util.find_spec("airflow") is None:
        pytest.fail("Airflow is not installed: pip install -e '.[test]' (it includes cxbridge[airflow])")
    folder, text = project
    account = support_account()
    account.day_used = 499  # one request left today: SurveyMonkey pauses the source, exit code 3
    with surveymonkey(account) as api:
        text += (f'\n[sources.support]\nconnector = "surveymonkey"\nbase_url = "{api.url}"\n'
                 f'access_token = "${{SURVEYMONKEY_TOKEN}}"\nsurveys = ["{SURVEY}"]\n')  # fmt: skip
        (folder / "cxbridge.toml").write_text(text, encoding="utf-8")
        (folder / "dags").mkdir()
        dag_file = folder / "dags" / "cxbridge_dag.py"
        dag_file.write_text(textwrap.dedent(DAG.format(config=str(folder / "cxbridge.toml"))), encoding="utf-8")
        env = {**{k: v for k, v in os.environ.items() if not k.startswith(("CXBRIDGE_", "AIRFLOW"))},
               "AIRFLOW_HOME": str(folder / "airflow"), "AIRFLOW__CORE__DAGS_FOLDER": str(folder / "dags"),
               "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "CXBRIDGE_TEST_SHARED_SALT": SHARED_SALT.get_secret_value(),
               "SURVEYMONKEY_TOKEN": TOKEN}  # fmt: skip
        ran = subprocess.run([sys.executable, str(dag_file)], cwd=folder, env=env, capture_output=True, text=True,
                             timeout=600)  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]  # the metadata database migrated, the DAG run to its end
    [line] = [line for line in ran.stdout.splitlines() if line.startswith("RESULT ")]
    tasks = json.loads(line.removeprefix("RESULT "))
    states = {task: found["state"] for task, found in tasks.items()}
    assert states == {"cxbridge_branch_a": "success", "cxbridge_branch_b": "success", "cxbridge_gone": "failed",
                      "cxbridge_support": "skipped", "cxbridge_nope": "failed",
                      "bash_support": "skipped", "bash_gone": "failed"}, ran.stdout[-5000:]  # fmt: skip
    assert tasks["cxbridge_gone"]["tries"] == 2  # a failed source is retried (retries=1)
    assert tasks["cxbridge_nope"]["tries"] == 1  # a configuration error is not, though retries=1
    with sqlite3.connect(folder / "cxbridge.db") as conn:
        runs = {source: (run_id, status, read, written, quarantined) for source, run_id, status, read, written, quarantined
                in conn.execute("SELECT source, run_id, status, records_read, records_written, records_quarantined "
                                "FROM sync_runs ORDER BY started_at")}  # fmt: skip
    for source, counts in (("branch_a", (2, 2, 0)), ("branch_b", (3, 2, 1))):  # branch_b: one NPS of 12
        xcom = tasks[f"cxbridge_{source}"]["xcom"]
        assert runs[source] == (xcom["run_id"], "success", *counts)
        assert (xcom["records_read"], xcom["records_written"], xcom["records_quarantined"]) == counts
    assert runs["support"][1] == "paused" and "nope" not in runs  # (the last run of each source)
    output = ran.stdout + ran.stderr
    assert "cxbridge: support paused: daily request quota spent" in output
    assert "AirflowException: cxbridge sync of gone failed: gone.csv: no rows below the header" in output
    assert "AirflowFailException: cxbridge: no source named 'nope' in " in output
    assert "cxbridge: branch_b quarantined 1 of 3 records read" in output
    assert "Bash command returned exit code 3. Skipping." in output and "exit code 1" in output
    assert TOKEN not in output
