"""Compare pose models: parameters, GMACs, throughput and AP as one Markdown table.

    python tools/analysis/compare.py b hrnet-w32 res50
    python tools/analysis/compare.py configs/tokenpose/coco/td-hm_tokenpose-b_4xb32-300e_coco-256x192.py \
        mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192.py \
        --names TokenPose-B HRNet-W32 --ap TokenPose-B=0.747 --ap-json HRNet-W32=work_dirs/x/metrics.json

Models are given as config files, ``mmpose::...`` configs or short names (TokenPose variants
``t s-v1 s-v2 b l-d6 l-d24 l-d24-384 l-d6-mpii``; baselines ``hrnet-w32 res50 vitpose-s``).
GMACs count every matmul (``tokenpose_mm.analysis.model_complexity``); throughput is measured
for all models interleaved, on synthetic inputs, after a warm-up (median of ``--repeats``).
AP comes from ``--ap NAME=VALUE`` (0.747 or 74.7) or ``--ap-json NAME=FILE`` (an MMEngine
metrics file: a JSON object or the JSON lines of ``vis_data/*.json``).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from benchmarks.lib import PRECISIONS, machine_info, parse_device  # noqa: E402
from benchmarks.lib.compare import (compare_models, markdown_table, parse_ap,  # noqa
                                    read_metric_json)
from tokenpose_mm.cli import CfgOptionsAction, run_cli  # noqa: E402
from tokenpose_mm.utils import atomic_write  # noqa: E402


def _pairs(items, what: str) -> list:
    out = []
    for item in items or []:
        name, sep, value = item.partition('=')
        if not sep or not name or not value:
            raise ValueError(f'{what} expects NAME=VALUE, got {item!r}')
        out.append((name, value))
    return out


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog='\n'.join(__doc__.splitlines()[1:]))
    parser.add_argument('configs', nargs='+', help='config files, mmpose::... or short names')
    parser.add_argument('--names', nargs='+', help='a label per config')
    parser.add_argument('--ap', nargs='+', metavar='NAME=AP', help='AP per model')
    parser.add_argument('--ap-json', nargs='+', metavar='NAME=FILE',
                        help='MMEngine metrics file per model')
    parser.add_argument('--metric', help='metric key in --ap-json files (default coco/AP, ...)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--precision', choices=PRECISIONS, default='fp32')
    parser.add_argument('--no-throughput', action='store_true', help='complexity only')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    parser.add_argument('--out', help='also write the table to this Markdown file')
    args = parser.parse_args(argv)
    if args.batch < 1 or args.repeats < 1:
        parser.error(f'--batch and --repeats must be >= 1, got {args.batch}, {args.repeats}')
    parse_device(args.device)
    ap = {name: parse_ap(value) for name, value in _pairs(args.ap, '--ap')}
    ap.update({name: read_metric_json(path, args.metric)
               for name, path in _pairs(args.ap_json, '--ap-json')})
    rows = compare_models(args.configs, args.names, ap, args.device, args.batch, args.repeats,
                          args.precision, not args.no_throughput, args.cfg_options)
    info = machine_info()
    table = markdown_table(rows, args.batch, args.precision, args.device)
    table += (f"\nload average {', '.join(f'{x:.2f}' for x in info['loadavg'])}, "
              f"torch threads {info['torch_num_threads']}, torch {info['torch']}\n")
    print(table)
    if args.out:  # atomically, never through a symlink
        atomic_write(args.out, table.encode(), '--out')
    return table


if __name__ == '__main__':
    sys.exit(run_cli(main))
