"""Exceptions raised by ml_dash_ros: one base class, a few specific kinds."""


class MlDashRosError(Exception):
    """Base class of every error this package raises on purpose."""


class TimestampError(MlDashRosError, ValueError):
    """An entry's `_ts` is missing or is not a finite number."""


class FieldTypeError(MlDashRosError, TypeError):
    """A field value has a type a track cannot store."""


class FieldValueError(MlDashRosError, ValueError):
    """A field name or value a track cannot store (reserved name, too deep, not Unicode)."""


class StoreError(MlDashRosError, OSError):
    """Writing or reading the Parquet store failed; buffered rows are kept."""


class TopicBusyError(MlDashRosError):
    """Another process is already writing this topic of this prefix."""


class NotFoundError(MlDashRosError, KeyError):
    """A prefix, track or column does not exist."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class TrackNotFoundError(NotFoundError):
    """A read names a track the experiment does not hold; the message lists the tracks."""


class ColumnNotFoundError(NotFoundError):
    """A read names a column no segment of the track has; the message lists the columns."""


class ConfigError(MlDashRosError, ValueError):
    """A mapping YAML file is invalid: names the file, the key path and what was expected."""


class ConversionError(MlDashRosError, ValueError):
    """A message cannot be turned into track fields."""


class InvalidNameError(MlDashRosError, ValueError):
    """A prefix or topic name cannot be mapped safely to a path under dash_root."""


class ExperimentClosedError(MlDashRosError, RuntimeError):
    """An append or write reached an Experiment that is closed."""


class BagError(MlDashRosError, OSError):
    """A bag cannot be opened or read."""


class RecordingExistsError(MlDashRosError):
    """The target prefix already holds a recording; an import never writes into one."""


class CorruptFileError(StoreError):
    """A stored file (segment, JSON side file) cannot be read: names the file and the fault."""

    def __init__(self, path: object, fault: str) -> None:
        """Keep the path and the fault; the message names both."""
        super().__init__(f"{path}: {fault}")
        self.path = path
        self.fault = fault

    def __str__(self) -> str:  # OSError would show the args tuple
        return str(self.args[0])

    def __reduce__(self):  # pickle (process pools) with the two-argument constructor
        return type(self), (self.path, self.fault)


class PrefixBusyError(TopicBusyError):
    """Another recorder is writing this prefix; a second one is refused at start."""


class PartialExportError(StoreError):
    """An export wrote every readable track and skipped the others: ``written``, ``skipped``."""

    def __init__(self, message: str, written: list, skipped: list) -> None:
        """Keep the files written and the skipped tracks' errors."""
        super().__init__(message)
        self.written = written
        self.skipped = skipped

    def __str__(self) -> str:  # OSError would show the args tuple
        return str(self.args[0])


class BufferFullError(StoreError):
    """``when_full="drop"``: the buffer limit is reached; this entry was refused, not stored."""


class FormatVersionError(StoreError):
    """A recording or segment was written in a newer format than this version reads."""


class LeRobotExportError(MlDashRosError, ValueError):
    """Episodes cannot be exported as a LeRobot dataset: names the episode, feature and fault."""


class RemoteError(StoreError):
    """The object store behind an ``s3://`` dash_root refused a request or cannot be reached."""


class MissingDependencyError(MlDashRosError, ImportError):
    """An optional package a feature needs is not installed; the message says how to get it."""


class EpisodeJobError(MlDashRosError, RuntimeError):
    """Work over episodes failed for some: ``failed`` maps each prefix to its fault."""

    def __init__(self, message: str, failed: dict, written: list) -> None:
        """Keep the failed episodes' faults and the shards that were written."""
        super().__init__(message)
        self.failed = failed
        self.written = written
