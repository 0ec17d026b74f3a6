"""A Singer tap that replays what a real tap printed: `--discover` prints the catalog file its
config names, a sync prints its messages file, byte for byte (the arguments are otherwise
ignored). Plain Python, no singer-sdk: the recording is the tap."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(arguments: list[str]) -> None:
    config = json.loads(Path(arguments[arguments.index("--config") + 1]).read_text(encoding="utf-8"))
    printed = config["catalog_path"] if "--discover" in arguments else config["messages_path"]
    sys.stdout.write(Path(printed).read_text(encoding="utf-8"))


if __name__ == "__main__":
    main(sys.argv[1:])
