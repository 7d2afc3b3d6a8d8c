"""Heatmap, SimCC and RLE heads on the keypoint tokens of TokenPose-B and S-v1 (256x192), one
run: head parameters, model GMACs, CPU inference throughput of all six models measured
interleaved, and COCO AP on the bundled sample (tests/data/coco_tiny, 12 people) after the same
short training.

    python benchmarks/heads.py [--epochs 10] [--batch 4] [--repeats 5] [--out benchmarks/results]

The AP is a smoke figure, not a benchmark: every model trains ``--epochs`` steps from scratch
(its config's optimizer, Adam 1e-3, no schedule; all 12 people in one batch, no augmentation:
the config's test pipeline with its own ``GenerateTarget``) and is tested on the same people with
ground-truth boxes and the config's flip test. Writes ``heads-<UTC time>.md`` (the table and the
conditions) and ``.json`` (every timing) to ``--out``; an existing file is never overwritten.
"""
import argparse
import gc
import json
import os
import os.path as osp
import sys
import tempfile
import time
from typing import Dict, List, Optional, Tuple

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

from tokenpose_mm.config_zoo import CONFIG_ROOT  # noqa: E402

COCO_TINY = osp.join(REPO, 'tests', 'data', 'coco_tiny')
HEADS = ('heatmap', 'simcc', 'rle')
VARIANTS = {'b': 'b_4xb32', 's-v1': 's-v1_4xb32'}
DISPLAY = {'b': 'TokenPose-B', 's-v1': 'TokenPose-S-v1'}


def head_config(variant: str, head: str) -> str:
    """The COCO 256x192 config of ``variant`` (``b``, ``s-v1``) with ``head``."""
    prefix = {'heatmap': 'td-hm', 'simcc': 'td-simcc', 'rle': 'td-rle'}[head]
    return osp.join(CONFIG_ROOT, 'tokenpose', 'coco',
                    f'{prefix}_tokenpose-{VARIANTS[variant]}-300e_coco-256x192.py')


def smoke_config(config: str, epochs: int, work_dir: str):
    """``config`` set up for the smoke training: ``epochs`` one-batch epochs on the 12 people of
    the COCO sample without augmentation (the test pipeline with the config's own targets),
    then a test on the same people with ground-truth boxes; no checkpoints, no validation.

    Raises:
        ValueError: the config's train pipeline has no ``GenerateTarget``.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    targets = [t for t in cfg.train_dataloader.dataset.pipeline if t['type'] == 'GenerateTarget']
    if len(targets) != 1:
        raise ValueError(f'{config}: expected one GenerateTarget in the train pipeline, found '
                         f'{len(targets)}')
    test_pipeline = cfg.test_dataloader.dataset.pipeline
    train_pipeline = [*test_pipeline[:-1], *targets, test_pipeline[-1]]
    data = dict(data_root=COCO_TINY + '/', ann_file='test_coco.json', data_prefix=dict(img=''))
    loader = dict(batch_size=12, num_workers=0, persistent_workers=False)
    cfg.merge_from_dict({
        'work_dir': work_dir, 'randomness': {'seed': 0}, 'param_scheduler': [],
        'auto_scale_lr': {'enable': False}, 'val_cfg': None, 'val_dataloader': None,
        'val_evaluator': None, 'train_cfg.max_epochs': epochs,
        'default_hooks.checkpoint': dict(type='CheckpointHook', interval=-1, save_last=False),
        'default_hooks.logger.interval': 1,
        'train_dataloader': {**loader, 'dataset': {**data, 'pipeline': train_pipeline}},
        'test_dataloader': {**loader, 'dataset': {**data, 'bbox_file': None}},
        'test_evaluator': dict(type='CocoMetric', ann_file=osp.join(COCO_TINY, 'test_coco.json')),
    })
    return cfg


def smoke_run(config: str, epochs: int, work_dir: str) -> dict:
    """The smoke training and test of ``config``: ``{'ap', 'losses', 'seconds'}`` (COCO AP on the
    sample, the training loss of every step, wall-clock seconds of both)."""
    from mmengine.runner import Runner
    start = time.perf_counter()
    runner = Runner.from_cfg(smoke_config(config, epochs, work_dir))
    runner.train()
    losses = [float(x) for x in runner.message_hub.get_scalar('train/loss').data[0]]
    ap = float(runner.test()['coco/AP'])
    return dict(ap=ap, losses=losses, seconds=time.perf_counter() - start)


def run_heads(device: torch.device, batch: int, repeats: int, epochs: int) -> List[dict]:
    """One row per (variant, head); the six models' throughput measured in one interleaved
    run, then each model's smoke training."""
    from benchmarks.lib import build_pose_model, complexity
    from benchmarks.lib.throughput import compare_throughput
    keys = [(variant, head) for variant in VARIANTS for head in HEADS]
    models = {key: build_pose_model(head_config(*key), device) for key in keys}
    figures = compare_throughput(models, batch, device, ('fp32', ), 'forward', 1, repeats)
    rows = []
    for (variant, head), model in models.items():
        c = complexity(model)
        fig = figures[variant, head]['fp32']
        rows.append(dict(
            variant=variant, head=head, config=osp.relpath(head_config(variant, head), REPO),
            head_params=sum(p.numel() for p in model.head.parameters()),
            params=c.params, gmacs=c.gmacs, images_per_s=fig['images_per_s'],
            timing=fig['timing']))
    del models
    gc.collect()
    with tempfile.TemporaryDirectory() as tmp:
        for row in rows:
            smoke = smoke_run(osp.join(REPO, row['config']), epochs,
                              osp.join(tmp, f"{row['variant']}-{row['head']}"))
            row.update({f'smoke_{k}': v for k, v in smoke.items()}, smoke_epochs=epochs)
    return rows


def markdown(result: dict) -> str:
    """The table and the conditions it was measured under (Markdown)."""
    rows, machine, after = result['rows'], result['machine'], result['machine_after']
    lines = ['| model | head | head params | model params | GMACs | '
             f"CPU img/s (batch {result['batch']}) | smoke loss, step 1 -> {result['epochs']} | "
             'smoke AP |',
             '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |']
    for r in rows:
        loss = f"{r['smoke_losses'][0]:.4g} -> {r['smoke_losses'][-1]:.4g}"
        lines.append(f"| {DISPLAY[r['variant']]} | {r['head']} | {r['head_params']:,} | "
                     f"{r['params']:,} | {r['gmacs']:.2f} | {r['images_per_s']:.2f} | {loss} | "
                     f"{r['smoke_ap']:.3f} |")
    load = ' '.join(f'{x:.1f}' for x in machine['loadavg'])
    load_after = ' '.join(f'{x:.1f}' for x in after['loadavg'])
    lines += ['', f"`{result['command']}`, {machine['time_utc']}: {machine['cpu']}, "
              f"{machine['cpu_count']} cores, {machine['torch_num_threads']} torch threads, "
              f"load average {load} before and {load_after} after; torch {machine['torch']}, "
              f"MMPose {machine['mmpose']}. Throughput: fp32 inference of a batch of "
              f"{result['batch']}, median of {result['repeats']} interleaved rounds after one "
              f"warm-up round."]
    return '\n'.join(lines) + '\n'


def write_results(result: dict, out: str) -> Tuple[str, str]:
    """``heads-<UTC time>.json`` and ``.md`` in ``out``; (json path, md path).

    Raises:
        FileExistsError: a result of that name exists (it is never overwritten).
    """
    os.makedirs(out, exist_ok=True)
    stamp = result['machine']['time_utc'].replace(':', '').replace('-', '')
    paths = (osp.join(out, f'heads-{stamp}.json'), osp.join(out, f'heads-{stamp}.md'))
    for path in paths:
        if osp.exists(path):
            raise FileExistsError(f'{path} exists: an earlier result is never overwritten')
    with open(paths[0], 'x') as f:
        json.dump(result, f, indent=2)
    with open(paths[1], 'x') as f:
        f.write(markdown(result))
    return paths


def main(argv: Optional[List[str]] = None) -> None:
    from benchmarks.lib import machine_info, parse_device
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--batch', type=int, default=4, help='images per timed forward')
    parser.add_argument('--repeats', type=int, default=5, help='timed interleaved rounds')
    parser.add_argument('--epochs', type=int, default=10,
                        help='smoke training steps (one-batch epochs) per model')
    parser.add_argument('--out', default=osp.join(REPO, 'benchmarks', 'results'))
    args = parser.parse_args(argv)
    for name in ('batch', 'repeats', 'epochs'):
        if getattr(args, name) < 1:
            parser.error(f'--{name} must be >= 1, got {getattr(args, name)}')
    device = parse_device(args.device)
    command = ' '.join(['python benchmarks/heads.py', *(argv if argv is not None
                                                       else sys.argv[1:])])
    result: Dict = dict(command=command, machine=machine_info(device), batch=args.batch,
                        repeats=args.repeats, epochs=args.epochs)
    result['rows'] = run_heads(device, args.batch, args.repeats, args.epochs)
    result['machine_after'] = machine_info(device)
    paths = write_results(result, args.out)
    print(markdown(result))
    print('wrote ' + ' and '.join(paths))


if __name__ == '__main__':
    main()
