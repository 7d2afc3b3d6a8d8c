"""Convert an official TokenPose checkpoint into an MMEngine checkpoint for one of our configs.

usage:
    python tools/convert_official_checkpoint.py CONFIG OFFICIAL.pth OUT.pth [--cfg-options ...]

CONFIG is our config of the same variant (configs/tokenpose/...: T, S-v1, S-v2, B, L/D6,
L/D24, L/D24 384, MPII L/D6). OFFICIAL.pth is any file the official TokenPose code writes:
  final_state.pth, model_best.pth   a flat state dict (keys transformer.*, features.*,
                                    pre_feature.*), float32 or float16
  checkpoint.pth                    {'state_dict': {'module.' + key: tensor}, 'epoch': ...}
It is read weights-only (tensors and plain containers; a file that carries code is refused).
OUT.pth is an MMEngine checkpoint ({'meta', 'state_dict'}, float32) that tools/test.py,
tools/demo/topdown_demo.py, MMPose's init_model and `mim test mmpose` load.

The conversion is strict: every official tensor lands on exactly one of ours with the same
shape and every tensor of ours is filled; otherwise the tool lists every unknown, missing,
unexpected or mis-shaped tensor and exits with status 1.

example:
    python tools/convert_official_checkpoint.py \
        configs/tokenpose/coco/td-hm_tokenpose-b_4xb32-300e_coco-256x192.py \
        output/coco/pose_tokenpose_b/final_state.pth tokenpose-b_coco-256x192.pth
    python tools/test.py configs/tokenpose/coco/td-hm_tokenpose-b_4xb32-300e_coco-256x192.py \
        tokenpose-b_coco-256x192.pth
"""
import argparse
import sys

from tokenpose_mm.apis.runner_cfg import CfgOptionsAction

from tokenpose_mm.converters import CheckpointMismatchError, convert_official_checkpoint
from tokenpose_mm.utils import CheckpointError


def main(argv=None) -> int:
    doc = __doc__.split('\n\n', 1)
    parser = argparse.ArgumentParser(description=doc[0], epilog=doc[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', metavar='CONFIG', help='our config of the same variant')
    parser.add_argument('src', metavar='OFFICIAL.pth',
                        help='official checkpoint (final_state.pth, model_best.pth or '
                        'checkpoint.pth)')
    parser.add_argument('dst', metavar='OUT.pth', help='output MMEngine checkpoint')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                        help='override config settings, e.g. model.arch.depth=3')
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
