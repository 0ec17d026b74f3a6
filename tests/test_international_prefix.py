"""A number written `(+44) 20 7946 0958`, which a sync keys, can be erased (docs/security.md)."""

from __future__ import annotations

from click.testing import CliRunner

from cxbridge.cli.main import cli
from tests.test_trunk_zero import keys, sync, write_csv


def test_erase_accepts_a_number_written_with_its_country_code_in_brackets(tmp_path):
    write_csv(tmp_path, "kiosk", [["K1", "2026-02-05T08:00:00Z", "2", "(+44) 20 7946 0958"]])
    sync(tmp_path, "kiosk")

    url = f"sqlite:///{tmp_path / 'cx.db'}"
    result = CliRunner().invoke(cli, ["erase", "(+44) 20 7946 0958", "--destination", url])

    assert result.exit_code == 0, result.output
    assert "feedback" in result.output and keys(tmp_path) == {}
