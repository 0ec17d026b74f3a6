"""The cycle collector's settings during a sync (cxbridge.collector) and after it."""

from __future__ import annotations

import gc
import threading

from cxbridge.collector import SYNC_THRESHOLD, fewer_collections


def test_the_threshold_is_raised_within_and_restored_after():
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == SYNC_THRESHOLD
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_overlapping_syncs_restore_once_the_last_one_ends():
    before = gc.get_threshold()
    inside, release = threading.Event(), threading.Event()

    def other_sync():
        with fewer_collections():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=other_sync)
    thread.start()
    inside.wait(10)
    with fewer_collections():
        pass
    assert gc.get_threshold() == SYNC_THRESHOLD  # the other sync still runs
    release.set()
    thread.join(10)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_an_error_inside_restores_the_collector():
    before = gc.get_threshold()
    try:
        with fewer_collections():
            raise RuntimeError("a source failed")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_sync_leaves_the_collector_as_it_found_it(tmp_path, monkeypatch):
    from cxbridge import api

    (tmp_path / "answers.csv").write_text("id,submitted,nps\n1,2025-01-01T00:00:00Z,9\n2,2025-01-02T00:00:00Z,3\n")
    (tmp_path / "cxbridge.toml").write_text(
        '[sources.shop]\nconnector = "csv"\npath = "answers.csv"\n\n[sources.shop.columns]\nid = "id"\n'
        'submitted_at = "submitted"\n\n[[sources.shop.metrics]]\ncolumn = "nps"\nmetric = "nps"\n'
    )
    monkeypatch.chdir(tmp_path)
    seen = []
    before = gc.get_threshold()
    result = api.sync(tmp_path / "cxbridge.toml", on_progress=lambda event: seen.append(gc.get_threshold()))
    assert [r.written for r in result.results] == [2]
    assert SYNC_THRESHOLD in seen
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
