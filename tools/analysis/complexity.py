"""Parameters, true GMACs and the TokenPose paper's GFLOPs of any pose configs, as one table.

usage:
    python tools/analysis/complexity.py                       # every TokenPose variant
    python tools/analysis/complexity.py --variants b l-d24    # some of them
    python tools/analysis/complexity.py CONFIG [CONFIG ...] [--input-size W H]
                                        [--cfg-options KEY=VALUE ...]

CONFIG is a config file (configs/tmpose/coco/td-hm_tmpose-b-random0.6_4xb32-300e_coco-256x192.py),
an installed package's config (mmpose::body_2d_keypoint/topdown_heatmap/coco/
td-hm_hrnet-w32_8xb64-210e_coco-256x192.py) or a short name (t s-v1 s-v2 b l-d6 l-d24 l-d24-384
l-d6-mpii, hrnet-w32 res50 vitpose-s). Models are built with random weights (pretrained
weights are not loaded: nothing is downloaded); the input is the config's codec input size.

The Markdown table goes to stdout (logs and warnings, if any, to stderr), one row per model:
  params             every parameter tensor, the fixed sine table included
  GMACs              true multiply-accumulates of every matmul at batch 1 (torch's
                     FlopCounterMode, attention included)
  paper GFLOPs       the official TokenPose counter (Conv and Linear only, Linear scaled by the
                     token count, / 2**30)
  GFLOPsT            that counter over the transformer part (neck and head), as TMPose reports
  transformer GMACs  true MACs of the neck and head

example:
    python tools/analysis/complexity.py b \\
        configs/tmpose/coco/td-hm_tmpose-b-random0.6_4xb32-300e_coco-256x192.py \\
        mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192.py
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from tokenpose_mm.analysis import model_complexity  # noqa: E402
from tokenpose_mm.apis.runner_cfg import CfgOptionsAction  # noqa: E402
from tokenpose_mm.benchmark.models import build_pose_model, input_shape  # noqa: E402
from tokenpose_mm.benchmark.zoo import resolve_config  # noqa: E402
from tokenpose_mm.config_zoo import VARIANT_CONFIGS  # noqa: E402


def rows(configs, cfg_options=None, input_size=None):
    """(name, (3, H, W), Complexity) per (name, config)."""
    import torch
    for name, config in configs:
        model = build_pose_model(config, torch.device('cpu'), cfg_options, init_weights=False)
        shape = (3, input_size[1], input_size[0]) if input_size else input_shape(model)
        yield name, shape, model_complexity(model, shape)


def fmt(value, digits):
    return '-' if value is None else f'{value:.{digits}f}'


def parse_args(argv=None) -> argparse.Namespace:
    doc = __doc__.split('\n\n', 1)
    parser = argparse.ArgumentParser(description=doc[0], epilog=doc[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('configs', nargs='*', metavar='CONFIG',
                        help='config files, package::... configs or short names')
    parser.add_argument('--variants', nargs='+', choices=sorted(VARIANT_CONFIGS),
                        help='TokenPose variants (default: all, when no CONFIG is given)')
    parser.add_argument('--input-size', nargs=2, type=int, metavar=('W', 'H'),
                        help='input width and height (default: the config codec\'s input_size)')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                        help='overrides merged into every config, e.g. model.arch.depth=6')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.input_size and min(args.input_size) < 1:
        print(f'error: --input-size must be positive, got {args.input_size}', file=sys.stderr)
        return 1
    configs = [(osp.splitext(osp.basename(c))[0], c) for c in args.configs]
    if args.variants or not configs:
        configs += [(v, v) for v in (args.variants or VARIANT_CONFIGS)]
    try:
        configs = [(name, resolve_config(config)) for name, config in configs]
        print('| model | input | params | GMACs | paper GFLOPs | GFLOPsT | transformer GMACs |')
        print('| --- | --- | ---: | ---: | ---: | ---: | ---: |')
        for name, shape, c in rows(configs, args.cfg_options, args.input_size):
            print(f'| {name} | {shape[1]}x{shape[2]} | {c.params:,} | {c.gmacs:.2f} | '
                  f'{c.paper_gflops:.3f} | {fmt(c.paper_gflops_t, 3)} | '
                  f'{fmt(c.transformer_gmacs, 2)} |', flush=True)
    except (FileNotFoundError, ImportError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
