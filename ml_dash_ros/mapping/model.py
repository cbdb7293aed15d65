"""The recorder's mapping as plain data (no rclpy): what to record, and how."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

from ml_dash_ros.convert.stamps import DEFAULT_POLICY, STAMP_POLICIES
from ml_dash_ros.video.camera import VideoSettings

__all__ = ["STAMP_POLICIES", "VIDEO_CODECS", "X264_PRESETS", "BufferConfig",
           "ExperimentConfig", "QosConfig", "RecordConfig", "RecorderConfig", "TopicConfig",
           "TopicPattern", "VideoSettings"]

QOS_PRESETS = ("sensor_data", "reliable", "transient_local", "system_default")
QOS_CHOICES = {"reliability": ("reliable", "best_effort"),
               "durability": ("volatile", "transient_local"),
               "history": ("keep_last", "keep_all")}
TEMPLATE_KEYS = ("frame_id", "child_frame_id")      # placeholders of a track name
TOPIC_KEY = "topic"             # the topic name without its leading '/', expanded at selection
# Never picked by topic_regex / all_topics (a listed topic still is): the log, parameter
# events and hidden topics (a name part starting with '_', such as actions' /_action/).
DEFAULT_EXCLUDE = ("/rosout", "/parameter_events", r".*/_.*")
PREFIX_KEYS = ("date", "time")                       # placeholders of experiment.prefix
LATCHED_TOPICS = ("/tf_static",)
TIME_JUMP_CHOICES = ("new_episode", "ignore")
VIDEO_CODECS = ("h264", "ffv1")
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
                "slower", "veryslow")


@dataclass(frozen=True)
class QosConfig:
    """A QoS preset and/or explicit settings; None leaves the preset's (or default) value."""

    preset: Optional[str] = None
    reliability: Optional[str] = None
    durability: Optional[str] = None
    history: Optional[str] = None
    depth: Optional[int] = None


@dataclass(frozen=True)
class TopicConfig:
    """One mapped topic: where its entries go and how they are stamped and filtered."""

    topic: str
    track: str
    type: Optional[str] = None
    qos: Optional[QosConfig] = None
    stamp: str = DEFAULT_POLICY
    fields: Union[dict, tuple, None] = None
    on_change: bool = False
    # Image / CompressedImage topics: None records them as video with the defaults, False
    # as plain rows (the pixels in Parquet), VideoSettings as video with these settings.
    video: Union[VideoSettings, bool, None] = None

    @property
    def latched(self) -> bool:
        """Tell whether the topic is static / latched (transient_local, or /tf_static)."""
        if self.qos is not None:
            return self.qos.preset == "transient_local" or self.qos.durability == "transient_local"
        return self.topic in LATCHED_TOPICS


@dataclass(frozen=True)
class TopicPattern:
    """A mapping entry for each discovered topic whose name matches ``regex`` (re.fullmatch).

    ``template`` is the entry's settings; its ``track`` may hold ``{topic}``. With ``type``
    set, only topics announcing that type match.
    """

    regex: str
    template: TopicConfig


@dataclass(frozen=True)
class ExperimentConfig:
    """Where the recording goes."""

    prefix: str
    dash_root: Optional[str] = None  # None: $ML_DASH_ROOT, else .dash (tracks.roots)


@dataclass(frozen=True)
class BufferConfig:
    """Track API buffering; None keeps the Track API's default (or its environment variable)."""

    flush_interval: Optional[float] = None
    batch_size: Optional[int] = None
    max_buffer_rows: Optional[int] = None
    when_full: Optional[str] = None     # None: the recorder drops (counted), never blocks


@dataclass(frozen=True)
class RecorderConfig:
    """Node timing, stamp jumps back, topic selection and recording limits (None: no limit)."""

    status_period: float = 1.0
    discovery_period: float = 1.0
    on_time_jump: str = "new_episode"       # or "ignore": see ml_dash_ros.convert.passes
    time_jump_threshold: float = 1.0
    all_topics: bool = False                # every discovered topic, as ros2 bag record -a
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE  # regexes no pattern / all_topics picks
    max_episode_duration: Optional[float] = None    # seconds (recorder clock), then a new one
    max_episode_size: Optional[int] = None          # bytes written, then a new episode
    max_duration: Optional[float] = None            # seconds in all, then the node exits 0


@dataclass(frozen=True)
class RecordConfig:
    """A whole mapping file."""

    source: str
    experiment: ExperimentConfig
    topics: tuple[TopicConfig, ...]
    patterns: tuple[TopicPattern, ...] = ()
    buffer: BufferConfig = field(default_factory=BufferConfig)
    recorder: RecorderConfig = field(default_factory=RecorderConfig)
    # copied into every episode's params (``exp.params``), flattened to dotted keys
    params: dict = field(default_factory=dict)
