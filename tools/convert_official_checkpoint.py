"""Convert an official TokenPose checkpoint into an MMEngine checkpoint for one of our configs.

    python tools/convert_official_checkpoint.py CONFIG OFFICIAL.pth OUT.pth [--cfg-options ...]

Accepts ``final_state.pth``, ``model_best.pth`` and ``checkpoint.pth`` (``module.`` prefix).
The conversion is strict; a mismatch lists every missing, unexpected or mis-shaped tensor.
"""
import argparse
import sys

from mmengine.config import DictAction

from tokenpose_mm.converters import CheckpointMismatchError, convert_official_checkpoint
from tokenpose_mm.utils import CheckpointError


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='our config of the same variant')
    parser.add_argument('src', help='official checkpoint')
    parser.add_argument('dst', help='output MMEngine checkpoint')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. model.neck.depth=3')
    args = parser.parse_args(argv)
    try:
        convert_official_checkpoint(args.src, args.config, args.dst, args.cfg_options)
    except (CheckpointMismatchError, CheckpointError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    print(f'saved {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
