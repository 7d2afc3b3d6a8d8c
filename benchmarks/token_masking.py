"""Real throughput of TMPose token masking (keep 0.6) and attention pruning against unmasked
TokenPose, each family measured interleaved in one run (issue 6).

    python benchmarks/token_masking.py [--quick] [--out benchmarks/results]

Families: TokenPose-B (unmasked, random 0.6, uniform 0.6, attention pruning to ~0.6) and
TokenPose-L/D24 (unmasked, random 0.6, uniform 0.6). Writes ``token_masking.json`` and
``token_masking.md``; ``benchmarks/run.py`` runs the same section.
"""
import argparse
import gc
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from tokenpose_mm.config_zoo import CONFIG_ROOT, variant_config  # noqa: E402

_TMPOSE = osp.join(CONFIG_ROOT, 'tmpose', 'coco')
_UNIFORM = {'model.neck.token_masking': dict(strategy='uniform', keep_ratio=0.6)}

# family -> [(name, config, cfg_options)]
FAMILIES: Dict[str, List[Tuple[str, str, Optional[dict]]]] = {
    'b': [
        ('unmasked', variant_config('b'), None),
        ('random0.6', osp.join(_TMPOSE, 'td-hm_tmpose-b-random0.6_4xb32-300e_coco-256x192.py'), None),
        ('uniform0.6', variant_config('b'), _UNIFORM),
        ('attention0.6', osp.join(_TMPOSE, 'td-hm_tmpose-b-attention0.6_4xb32-300e_coco-256x192.py'),
         None),
    ],
    'l-d24': [
        ('unmasked', variant_config('l-d24'), None),
        ('random0.6', osp.join(_TMPOSE, 'td-hm_tmpose-l-d24-random0.6_4xb16-300e_coco-256x192.py'),
         None),
        ('uniform0.6', variant_config('l-d24'), _UNIFORM),
    ],
}


def run_token_masking(device: torch.device, batch: int, warmup: int, repeats: int,
                      families: Sequence[str] = ('b', 'l-d24'),
                      train: bool = False) -> Dict[str, dict]:
    """family -> {'rows': [per-setting figures], ...}; speedups are against ``unmasked``
    of the same family, measured interleaved with it."""
    from benchmarks.lib import build_pose_model, complexity
    from benchmarks.lib.throughput import compare_throughput
    unknown = set(families) - set(FAMILIES)
    if unknown:
        raise ValueError(f'unknown token-masking families {sorted(unknown)}; '
                         f'expected some of {sorted(FAMILIES)}')
    results = {}
    for family in families:
        models = {name: build_pose_model(cfg, device, opts) for name, cfg, opts in FAMILIES[family]}
        rows = {}
        for name, model in models.items():
            c = complexity(model)
            rows[name] = dict(setting=name, gmacs=c.gmacs, transformer_gmacs=c.transformer_gmacs,
                              paper_gflops_t=c.paper_gflops_t)
        modes = ('forward', 'train') if train else ('forward', )
        for mode in modes:
            figures = compare_throughput(models, batch, device, ('fp32', ), mode, warmup, repeats)
            base = figures['unmasked']['fp32']['images_per_s']
            for name in models:
                ips = figures[name]['fp32']['images_per_s']
                rows[name][f'{mode}_images_per_s'] = ips
                rows[name][f'{mode}_speedup'] = ips / base
                rows[name][f'{mode}_timing'] = figures[name]['fp32']['timing']
        results[family] = dict(batch=batch, precision='fp32', device=str(device),
                               rows=list(rows.values()))
        del models
        gc.collect()
    return results


def _num(value: Optional[float], digits: int) -> str:
    return '-' if value is None else f'{value:.{digits}f}'


def markdown(results: Dict[str, dict]) -> str:
    """One Markdown table over the families."""
    train = any('train_images_per_s' in r for f in results.values() for r in f['rows'])
    head = '| model | setting | GMACs | transformer GMACs | paper GFLOPsT | inference img/s | speedup |'
    rule = '| --- | --- | ---: | ---: | ---: | ---: | ---: |'
    if train:
        head += ' training img/s | speedup |'
        rule += ' ---: | ---: |'
    lines = [head, rule]
    for family, figures in results.items():
        for r in figures['rows']:
            line = (f"| TokenPose-{family.upper()} | {r['setting']} | {r['gmacs']:.2f} | "
                    f"{_num(r['transformer_gmacs'], 2)} | {_num(r['paper_gflops_t'], 3)} | "
                    f"{r['forward_images_per_s']:.1f} | {r['forward_speedup']:.2f}x |")
            if train:
                line += f" {r['train_images_per_s']:.1f} | {r['train_speedup']:.2f}x |"
            lines.append(line)
    return '\n'.join(lines) + '\n'


def main(argv: Optional[List[str]] = None) -> None:
    from benchmarks.lib import machine_info, parse_device
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='batch 2, family B, 1 repeat')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--families', nargs='+', default=list(FAMILIES), choices=list(FAMILIES))
    parser.add_argument('--train', action='store_true', help='also time a training step')
    parser.add_argument('--out', help='default benchmarks/results/ (quick: .../results/quick/)')
    args = parser.parse_args(argv)
    device = parse_device(args.device)
    if args.quick:
        args.batch, args.repeats, args.families = 2, 1, ['b']
    args.out = args.out or osp.join(osp.dirname(osp.abspath(__file__)), 'results',
                                    *(['quick'] if args.quick else []))
    before = machine_info(device)
    results = run_token_masking(device, args.batch, 1, args.repeats, args.families, args.train)
    os.makedirs(args.out, exist_ok=True)
    with open(osp.join(args.out, 'token_masking.json'), 'w') as f:
        json.dump(dict(machine=before, machine_after=machine_info(device), quick=args.quick,
                       results=results), f, indent=2)
    table = markdown(results)
    with open(osp.join(args.out, 'token_masking.md'), 'w') as f:
        f.write(table)
    print(table)


if __name__ == '__main__':
    main()
