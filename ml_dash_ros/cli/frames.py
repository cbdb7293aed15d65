"""``frames PREFIX TRACK``: a camera's frame at a stamp, or the frames of a window, as images.

PNG keeps 8-bit and 16-bit images exactly; ``.npy`` keeps any (32FC1 depth included).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ml_dash_ros.cli.timerange import add_range, resolve_range
from ml_dash_ros.tools.catalog import open_experiment
from ml_dash_ros.video.frames import HOW, Frames

SUFFIXES = (".png", ".npy")


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    """Register the frames command."""
    parser = subparsers.add_parser(
        "frames", parents=[common], help="save a camera's frames as images",
        description="With --at, save the frame nearest TIME as --out FILE (.png or .npy); "
                    "with --start/--end, save the frames of that window into the directory "
                    "--out as frame_NNNNNN.png (the frame index; --suffix .npy for arrays).")
    parser.add_argument("prefix", metavar="PREFIX")
    parser.add_argument("track", metavar="TRACK")
    parser.add_argument("--at", metavar="TIME", help="the frame nearest TIME (forms as --start)")
    parser.add_argument("--how", choices=HOW, default="nearest",
                        help="with --at: nearest (default) or the last at or before TIME")
    add_range(parser)
    parser.add_argument("--out", metavar="PATH", required=True,
                        help="the file (--at) or the directory (a window) to write")
    parser.add_argument("--suffix", choices=SUFFIXES, default=".png",
                        help="image files of a window: .png (default) or .npy")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Save the frame or frames."""
    exp = open_experiment(args.prefix, dash_root=args.dash_root)
    frames = Frames(exp, args.track)
    if args.at is not None:
        if args.start is not None or args.end is not None:
            raise ValueError("give --at, or --start / --end, not both")
        at = resolve_range(exp, args.at, None)[0]
        out = Path(args.out)
        if out.suffix.lower() not in SUFFIXES:
            raise ValueError(f"--out {args.out}: the name must end in .png or .npy")
        frame = frames.at(at, how=args.how)
        save_image(frame.image, out)
        print(f"{out}: frame {frame.frame_index} at {frame.ts:.6f} "
              f"({frame.encoding}, {_shape(frame.image)})")
        return 0
    start, end = resolve_range(exp, args.start, args.end)
    directory = Path(args.out)
    directory.mkdir(parents=True, exist_ok=True)
    window = frames.window(start, end)
    for frame in window:
        save_image(frame.image, directory / f"frame_{frame.frame_index:06d}{args.suffix}")
    print(f"{directory}: {len(window)} frames")
    return 0


def save_image(image: np.ndarray, path: Path) -> None:
    """Write an array as .npy, or as PNG (uint8 HxW, HxWx3, HxWx4; uint16 HxW)."""
    if path.suffix.lower() == ".npy":
        np.save(path, image)
        return
    from PIL import Image

    if image.dtype == np.uint16 and image.ndim == 2:
        Image.fromarray(image).save(path, format="PNG")
        return
    if image.dtype != np.uint8:
        raise ValueError(f"{path}: a {image.dtype} image cannot be a PNG; use .npy")
    Image.fromarray(np.ascontiguousarray(image)).save(path, format="PNG")


def _shape(image: np.ndarray) -> str:
    return "x".join(str(n) for n in image.shape)
