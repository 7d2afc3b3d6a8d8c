"""Heatmap, SimCC and RLE heads on the keypoint tokens of TokenPose-B and S-v1 (256x192), one
run: head parameters, model GMACs, CPU inference throughput measured interleaved, and COCO AP
on the bundled sample (tests/data/coco_tiny, 12 people) after the same short training.

    python benchmarks/heads.py [--steps 60] [--batch 8] [--repeats 5] [--out benchmarks/results]

The AP is a smoke figure, not a benchmark: every model trains ``--steps`` steps from scratch
(Adam 1e-3, no augmentation, all 12 people in one batch) and is evaluated on the same people
with ground-truth boxes. Writes ``heads.json`` and ``heads.md``.
"""
import argparse
import gc
import json
import os
import os.path as osp
import sys
import tempfile
from typing import Dict, List, Optional

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

from tokenpose_mm.config_zoo import CONFIG_ROOT  # noqa: E402

COCO_TINY = osp.join(REPO, 'tests', 'data', 'coco_tiny')
HEADS = ('heatmap', 'simcc', 'rle')
VARIANTS = {'b': 'b_4xb32', 's-v1': 's-v1_4xb32'}


def head_config(variant: str, head: str) -> str:
    prefix = {'heatmap': 'td-hm', 'simcc': 'td-simcc', 'rle': 'td-rle'}[head]
    return osp.join(CONFIG_ROOT, 'tokenpose', 'coco',
                    f'{prefix}_tokenpose-{VARIANTS[variant]}-300e_coco-256x192.py')


def smoke_ap(config: str, steps: int, work_dir: str) -> float:
    """COCO AP on the 12 people of the COCO sample after ``steps`` steps on them."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(config)
    val_pipeline = cfg.val_dataloader.dataset.pipeline
    # the test pipeline plus the config's own targets: no augmentation
    train_pipeline = [*val_pipeline[:-1], *[t for t in cfg.train_pipeline
                                            if t['type'] == 'GenerateTarget'], val_pipeline[-1]]
    data = dict(data_root=COCO_TINY + '/', ann_file='test_coco.json', data_prefix=dict(img=''))
    loader = dict(batch_size=12, num_workers=0, persistent_workers=False)
    cfg.merge_from_dict({
        'work_dir': work_dir, 'randomness': {'seed': 0}, 'param_scheduler': [],
        'auto_scale_lr': {'enable': False}, 'val_cfg': None, 'val_dataloader': None,
        'val_evaluator': None, 'train_cfg.max_epochs': steps,
        'default_hooks.checkpoint': dict(type='CheckpointHook', interval=-1, save_last=False),
        'default_hooks.logger.interval': 10,
        'train_dataloader': {**loader, 'dataset': {**data, 'pipeline': train_pipeline}},
        'test_dataloader': {**loader, 'dataset': {**data, 'bbox_file': None}},
        'test_evaluator': dict(type='CocoMetric', ann_file=osp.join(COCO_TINY, 'test_coco.json')),
    })
    runner = Runner.from_cfg(cfg)
    runner.train()
    return float(runner.test()['coco/AP'])


def run_heads(device: torch.device, batch: int, repeats: int, steps: int) -> List[dict]:
    """One row per (variant, head)."""
    from benchmarks.lib import build_pose_model, complexity
    from benchmarks.lib.throughput import compare_throughput
    rows = []
    for variant in VARIANTS:
        models = {head: build_pose_model(head_config(variant, head), device) for head in HEADS}
        figures = compare_throughput(models, batch, device, ('fp32', ), 'forward', 1, repeats)
        for head, model in models.items():
            c = complexity(model)
            rows.append(dict(
                variant=variant, head=head, config=osp.relpath(head_config(variant, head), REPO),
                head_params=sum(p.numel() for p in model.head.parameters()),
                params=c.params, gmacs=c.gmacs,
                images_per_s=figures[head]['fp32']['images_per_s'],
                timing=figures[head]['fp32']['timing']))
        del models
        gc.collect()
    with tempfile.TemporaryDirectory() as tmp:
        for row in rows:
            row['smoke_ap'] = smoke_ap(osp.join(REPO, row['config']), steps,
                                       osp.join(tmp, f"{row['variant']}-{row['head']}"))
            row['smoke_steps'] = steps
    return rows


def markdown(rows: List[dict], batch: int) -> str:
    lines = ['| model | head | head params | model params | GMACs | '
             f'CPU img/s (batch {batch}) | smoke AP ({rows[0]["smoke_steps"]} steps) |',
             '| --- | --- | ---: | ---: | ---: | ---: | ---: |']
    for r in rows:
        lines.append(f"| TokenPose-{r['variant'].upper()} | {r['head']} | {r['head_params']:,} | "
                     f"{r['params']:,} | {r['gmacs']:.2f} | {r['images_per_s']:.1f} | "
                     f"{r['smoke_ap']:.3f} |")
    return '\n'.join(lines) + '\n'


def main(argv: Optional[List[str]] = None) -> None:
    from benchmarks.lib import machine_info, parse_device
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--steps', type=int, default=60, help='smoke training steps')
    parser.add_argument('--out', default=osp.join(REPO, 'benchmarks', 'results'))
    args = parser.parse_args(argv)
    device = parse_device(args.device)
    before = machine_info(device)
    rows = run_heads(device, args.batch, args.repeats, args.steps)
    os.makedirs(args.out, exist_ok=True)
    result: Dict = dict(machine=before, machine_after=machine_info(device), batch=args.batch,
                        rows=rows)
    with open(osp.join(args.out, 'heads.json'), 'w') as f:
        json.dump(result, f, indent=2)
    table = markdown(rows, args.batch)
    with open(osp.join(args.out, 'heads.md'), 'w') as f:
        f.write(table)
    print(table)


if __name__ == '__main__':
    main()
