"""How far a file stream's read has got, in bytes of the files it reads (`ReadProgress`)."""

from __future__ import annotations

from cxbridge.events import ReadProgress
from cxbridge.tabular.files import SourceFile
from cxbridge.tabular.grid import ReadPosition
from cxbridge.tabular.table import Table


class FilesRead:
    """How many bytes of a stream's files have been read: those of the files done, and the
    share of the file being read that its table's reader has got to."""

    def __init__(self, files: list[SourceFile]):
        self.sizes = {file.identity: file.path.stat().st_size for file in files}
        self.done = 0
        self.current: tuple[int, ReadPosition] | None = None

    def reading(self, file: SourceFile, table: Table) -> None:
        self.current = (self.sizes[file.identity], table.position)

    def finished(self, file: SourceFile) -> None:
        self.done += self.sizes[file.identity]
        self.current = None

    def now(self) -> ReadProgress:
        within = int(self.current[0] * self.current[1].share) if self.current else 0
        return ReadProgress(done=self.done + within, total=sum(self.sizes.values()))
