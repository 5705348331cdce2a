"""Training channels read from a file system: Amazon EFS and FSx for Lustre."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from .locations import InputMode


class FileSystemType(str, Enum):
    """The file system a ``FileSystemInput`` reads (the API's ``FileSystemType``)."""

    EFS = "EFS"
    FSX_LUSTRE = "FSxLustre"


class FileSystemAccessMode(str, Enum):
    """How training containers mount a file system (the API's ``FileSystemAccessMode``)."""

    READ_ONLY = "ro"
    READ_WRITE = "rw"


@dataclass(frozen=True, kw_only=True)
class FileSystemInput:
    """A training channel read from an Amazon EFS or FSx for Lustre file system (``FileSystemDataSource``). The
    training jobs must run in the file system's VPC (``TrainingDefinition(vpc=...)``, rule HPO-CHAN-001), and the
    training security groups must reach it (e.g. ``file_system.connections.allow_default_port_from(job)``). Build it
    with ``FileSystemInput.efs`` or ``FileSystemInput.fsx_lustre``.

    :param file_system_id: the file system's id, ``fs-`` and at least 8 hex digits.
    :param type: EFS or FSx for Lustre.
    :param directory_path: the directory to read, an absolute path (FSx for Lustre: starting with the mount name,
        e.g. ``/fsx/train``).
    :param access_mode: read-only or read-write. Default: ``READ_ONLY``.
    :param content_type: the MIME type of the data, e.g. ``text/csv``. Default: none.
    :param input_mode: overrides the training definition's input mode for this channel. Default: inherit.
    """

    file_system_id: str
    type: FileSystemType
    directory_path: str
    access_mode: FileSystemAccessMode = FileSystemAccessMode.READ_ONLY
    content_type: str | None = None
    input_mode: InputMode | None = None

    @staticmethod
    def efs(
        file_system_id: str,
        directory_path: str,
        *,
        access_mode: FileSystemAccessMode = FileSystemAccessMode.READ_ONLY,
        content_type: str | None = None,
        input_mode: InputMode | None = None,
    ) -> FileSystemInput:
        """A channel reading ``directory_path`` of the EFS file system ``file_system_id``."""
        return FileSystemInput(
            file_system_id=file_system_id,
            type=FileSystemType.EFS,
            directory_path=directory_path,
            access_mode=access_mode,
            content_type=content_type,
            input_mode=input_mode,
        )

    @staticmethod
    def fsx_lustre(
        file_system_id: str,
        directory_path: str,
        *,
        access_mode: FileSystemAccessMode = FileSystemAccessMode.READ_ONLY,
        content_type: str | None = None,
        input_mode: InputMode | None = None,
    ) -> FileSystemInput:
        """A channel reading ``directory_path`` (``/<mount name>/...``) of the FSx for Lustre ``file_system_id``."""
        return FileSystemInput(
            file_system_id=file_system_id,
            type=FileSystemType.FSX_LUSTRE,
            directory_path=directory_path,
            access_mode=access_mode,
            content_type=content_type,
            input_mode=input_mode,
        )

    def _render(self, channel_name: str) -> dict[str, Any]:
        channel: dict[str, Any] = {
            "ChannelName": channel_name,
            "DataSource": {
                "FileSystemDataSource": {
                    "FileSystemId": self.file_system_id,
                    "FileSystemAccessMode": self.access_mode.value,
                    "FileSystemType": self.type.value,
                    "DirectoryPath": self.directory_path,
                }
            },
        }
        if self.content_type is not None:
            channel["ContentType"] = self.content_type
        if self.input_mode is not None:
            channel["InputMode"] = self.input_mode.value
        return channel
