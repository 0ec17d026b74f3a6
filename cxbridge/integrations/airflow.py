"""Airflow (`pip install 'cxbridge[airflow]'`, Airflow 3): `CxbridgeSyncOperator`, a task that
syncs one source of a `cxbridge.toml` and turns cxbridge's exit codes into task states —

| exit code | meaning                                              | task state                      |
|-----------|------------------------------------------------------|---------------------------------|
| 0         | synced (some records may be quarantined: a warning)  | success; XCom: the run's counts |
| 1         | the source failed, or another sync held its lock     | failed; Airflow's retries apply |
| 2         | a configuration error                                | failed at once, no retry        |
| 3         | paused on a spent daily API quota                    | skipped; the next run resumes   |

Each task takes its source's own lock, so on PostgreSQL the tasks of a DAG run side by side
(docs/orchestration.md#airflow)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cxbridge.errors import ConfigError, CxbridgeError

try:
    from airflow.sdk import BaseOperator
    from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException
except ImportError:  # pragma: no cover - the message is the point
    raise ConfigError("the Airflow integration needs Airflow 3: pip install 'cxbridge[airflow]'") from None

class CxbridgeSyncOperator(BaseOperator):
    """`cxbridge sync --source SOURCE --config CONFIG` as a task (task id `cxbridge_SOURCE`
    unless given); `destination`, `wait` and `full_refresh` are the command's options. Returns
    the run's counts (`run_id`, `status`, `records_read`, `records_written`,
    `records_unchanged`, `records_quarantined`, `records_skipped`, `seconds`) as its XCom."""

    template_fields: Sequence[str] = ("source", "config", "destination")

    def __init__(
        self,
        *,
        source: str,
        config: str | Path,
        destination: str | None = None,
        wait: float | None = None,
        full_refresh: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("task_id", f"cxbridge_{source}")
        super().__init__(**kwargs)
        self.source, self.config, self.destination = source, str(config), destination
        self.wait, self.full_refresh = wait, full_refresh

    def execute(self, context: Any) -> dict[str, Any]:
        import cxbridge

        try:
            synced = cxbridge.sync(self.config, sources=[self.source], destination=self.destination, wait=self.wait,
                                   full_refresh=self.full_refresh)  # fmt: skip
        except ConfigError as exc:  # exit code 2: the same configuration fails again
            raise AirflowFailException(f"cxbridge: {exc}") from None
        except CxbridgeError as exc:  # exit code 1 before any source ran (the source's lock held, …)
            raise AirflowException(f"cxbridge: {exc}") from None
        [result] = synced.results
        counts = {"run_id": synced.run_id, "status": result.status, "records_read": result.read,
                  "records_written": result.written, "records_unchanged": result.unchanged,
                  "records_quarantined": result.quarantined, "records_skipped": result.skipped,
                  "seconds": round(result.seconds, 3)}  # fmt: skip
        if synced.exit_code == 3:
            raise AirflowSkipException(f"cxbridge: {self.source} paused: {result.error}")
        if synced.exit_code != 0:
            raise AirflowException(f"cxbridge sync of {self.source} failed: {result.error}")
        if result.quarantined:
            self.log.warning("cxbridge: %s quarantined %d of %d records read; list them: cxbridge quarantine list "
                             "--source %s", self.source, result.quarantined, result.read, self.source)  # fmt: skip
        return counts
