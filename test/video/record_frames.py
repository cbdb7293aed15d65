"""Record frames of one camera until killed: python record_frames.py DASH_ROOT CODEC."""

import sys

from ml_dash_ros.tracks import Experiment
from ml_dash_ros.video import Cameras, VideoSettings

from test.video.support import image_fields, smooth


def main() -> None:
    exp = Experiment("cams/killed", dash_root=sys.argv[1]).open()
    cameras = Cameras(exp.files("video").directory, block=True)
    camera = cameras.camera("cam", VideoSettings(codec=sys.argv[2], segment_seconds=0.25))
    images = [image_fields(smooth(i, 320, 240), "rgb8") for i in range(30)]
    index = 0
    while True:
        ts = index / 32           # exact in binary: 8 frames per segment
        exp.tracks("cam").append(_ts=ts, **camera.submit(images[index % 30], ts))
        index += 1


if __name__ == "__main__":
    main()
