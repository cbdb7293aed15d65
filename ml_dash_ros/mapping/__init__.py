"""The recorder's YAML mapping: topics to tracks, validated before recording starts."""

from ml_dash_ros.mapping.load import load_config, parse_config
from ml_dash_ros.mapping.model import (BufferConfig, ExperimentConfig, QosConfig, RecordConfig,
                                       RecorderConfig, TopicConfig, VideoSettings)

__all__ = ["BufferConfig", "ExperimentConfig", "QosConfig", "RecordConfig", "RecorderConfig",
           "TopicConfig", "VideoSettings", "load_config", "parse_config"]
