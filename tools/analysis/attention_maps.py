"""The TokenPose paper's attention analysis for any checkpoint and image, as PNG figures.

    python tools/analysis/attention_maps.py CONFIG CKPT IMAGE --out-dir outputs/attention \
        [--box X1 Y1 X2 Y2] [--keypoints nose left_wrist 13] [--layers 0 5 11] \
        [--constraint-layer -1] [--cfg-options model.arch.depth=3]

Writes ``layer_attention.png`` (per-layer attention of the chosen keypoint tokens over the
visual tokens, on the person crop), ``token_similarity.png`` (inner products of the learned
keypoint tokens) and ``keypoint_constraints.png`` (keypoint-to-keypoint attention and each
keypoint's two most attended keypoints), and prints the top-2 list.
"""
import argparse
import os.path as osp
import sys

from tokenpose_mm.analysis.attention_figures import save_attention_figures
from tokenpose_mm.apis import init_pose_model
from tokenpose_mm.cli import CfgOptionsAction, check_device, run_cli


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='TokenPose config (path or mmpose::...)')
    parser.add_argument('checkpoint', help='checkpoint (.pth)')
    parser.add_argument('image', help='image file')
    parser.add_argument('--out-dir', default='outputs/attention')
    parser.add_argument('--box', type=float, nargs=4, metavar=('X1', 'Y1', 'X2', 'Y2'),
                        help='person box (default: the whole image)')
    parser.add_argument('--keypoints', nargs='+', help='joint names or indices to draw')
    parser.add_argument('--layers', type=int, nargs='+', help='0-based layers (default: all)')
    parser.add_argument('--constraint-layer', type=int, default=-1,
                        help='layer of the top-2 keypoint analysis (default: the last)')
    parser.add_argument('--device', default='cpu',
                        help='cpu, cuda or cuda:N (the maps are computed there)')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    args = parser.parse_args(argv)
    check_device(args.device)
    model = init_pose_model(args.config, args.checkpoint, args.device, args.cfg_options)
    out = save_attention_figures(
        model, args.image, args.out_dir, box=args.box, keypoints=args.keypoints,
        layers=args.layers, constraint_layer=args.constraint_layer,
        label=osp.basename(args.checkpoint))
    print('top-2 most attended keypoints (query: 1st, 2nd):')
    for joint, (first, second) in out['top2'].items():
        print(f'  {joint:>16}: {first}, {second}')
    for key in ('layer_attention', 'token_similarity', 'keypoint_constraints'):
        print(f'wrote {out[key]}')
    return 0


if __name__ == '__main__':
    sys.exit(run_cli(main))
