"""JSON Schemas of the records cxbridge writes, generated from `cxbridge.records`."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

FEEDBACK_RECORD_V1 = "feedback_record.v1.schema.json"


def load(name: str = FEEDBACK_RECORD_V1) -> dict[str, Any]:
    return json.loads((resources.files(__name__) / name).read_text(encoding="utf-8"))
