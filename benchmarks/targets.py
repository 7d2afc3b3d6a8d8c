"""The performance targets of ``benchmarks/run.py --sections targets``: each a ratio whose two
sides are measured interleaved in the same run (:data:`TARGETS`); a missed target says by how
much."""
import argparse
import gc
import json
import os.path as osp
import sys
from typing import Dict, Optional

import numpy as np
import torch

from benchmarks.lib import build_pose_model, measure_interleaved
from benchmarks.lib.memory import run_json_subprocess
from benchmarks.lib.throughput import compare_throughput
from benchmarks.lib.zoo import resolve_config

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(HERE)
COCO_TINY = osp.join(REPO, 'tests', 'data', 'coco_tiny')

# name -> (required value, what it is); ratios are "ours over theirs" unless stated
TARGETS = {
    'b_vs_hrnet_w32_throughput': (1.2, 'TokenPose-B / HRNet-W32 throughput, fp32'),
    's_v1_vs_res50_throughput': (2.5, 'TokenPose-S-v1 / SimpleBaseline-R50 throughput, fp32'),
    'transformer_forward_speedup': (1.3, 'our transformer / einsum baseline, forward speed'),
    'transformer_train_speedup': (1.2, 'our transformer / einsum baseline, training-step speed'),
    'transformer_forward_memory': (1.0, 'our transformer / einsum baseline, forward peak memory '
                                   '(lower is better, must be < 1)'),
    'transformer_train_memory': (1.0, 'our transformer / einsum baseline, training peak memory '
                                 '(lower is better, must be < 1)'),
    'b_bf16_speedup': (1.5, 'TokenPose-B bf16 autocast / fp32 throughput'),
    'b_bf16_keypoints': (0.5, 'TokenPose-B bf16 against fp32 keypoints, max distance (px)'),
    'l_d24_transformer_efficiency': (0.6, 'TokenPose-L/D24 transformer MAC rate / torch.mm rate'),
}


def check(name: str, measured: Optional[float], note: str = '', lower_is_better: bool = False,
          fmt: str = '{:.2f}x', strict: bool = False) -> dict:
    """One target: whether ``measured`` meets :data:`TARGETS` ``[name]`` (``>=``; with
    ``lower_is_better`` ``<=``, or ``<`` when ``strict``), and by how much not."""
    required, what = TARGETS[name]
    relation = ('<' if strict else '<=') if lower_is_better else '>='
    out = dict(key=name, name=what, measured=measured, required=required,
               measured_text='-' if measured is None else fmt.format(measured),
               required_text=f'{relation} {fmt.format(required)}', met=None, note=note)
    if measured is None or not np.isfinite(measured):
        out['note'] = (note + '; ' if note else '') + 'not measured'
        return out
    if lower_is_better:
        met = measured < required if strict else measured <= required
        miss = (f'missed: {measured - required:.3g} over the limit '
                f'({(measured / required - 1) * 100:.1f}% too high)')
    else:
        met = measured >= required
        miss = (f'missed by {required - measured:.3g} '
                f'({(required / measured - 1) * 100:.1f}% more needed)')
    out['met'] = bool(met)
    if not met:
        out['note'] = (note + '; ' if note else '') + miss
    return out


def run_targets(device: torch.device, s: dict, args: argparse.Namespace) -> dict:
    """Every target on ``device`` (CPU for the stated targets)."""
    out: Dict = {'device': str(device), 'batch': s['batch']}
    checks = []

    # 1, 2: TokenPose against the CNN it replaces, fp32 throughput, interleaved
    for key, ours, theirs in (('b_vs_hrnet_w32_throughput', 'b', 'hrnet-w32'),
                              ('s_v1_vs_res50_throughput', 's-v1', 'res50')):
        models = {n: build_pose_model(resolve_config(n), device) for n in (ours, theirs)}
        fig = compare_throughput(models, s['batch'], device, ('fp32', ), 'forward', s['warmup'],
                                 s['repeats'])
        a, b = fig[ours]['fp32']['images_per_s'], fig[theirs]['fp32']['images_per_s']
        out[key] = dict(ours=a, theirs=b, ratio=a / b,
                        timings={n: fig[n]['fp32']['timing'] for n in fig})
        checks.append(check(key, a / b, f'{a:.1f} against {b:.1f} img/s'))
        print(f'  {key}: {a / b:.2f}x', flush=True)
        del models
        gc.collect()

    # 3: our transformer against the einsum baseline, same weights and tokens
    from einsum_transformer import workloads
    forward, train, diff = workloads('b', s['batch'], device)
    tf = measure_interleaved(forward, device, s['warmup'], s['repeats'])
    tt = measure_interleaved(train, device, s['warmup'], s['train_repeats'])
    t = dict(arch='b', batch=s['batch'], max_abs_diff=diff,
             forward={k: v.to_dict() for k, v in tf.items()},
             train={k: v.to_dict() for k, v in tt.items()}, memory={})
    del forward, train
    gc.collect()
    checks.append(check('transformer_forward_speedup',
                        tf['einsum'].median_s / tf['ours'].median_s,
                        f'max abs output difference {diff:.1e}'))
    checks.append(check('transformer_train_speedup',
                        tt['einsum'].median_s / tt['ours'].median_s))
    if s['memory']:
        for mode in (('forward', ) if s['quick'] else ('forward', 'train')):
            mem = {impl: _transformer_memory(impl, mode, s['batch'], device)
                   for impl in ('ours', 'einsum')}
            t['memory'][mode] = mem
            ratio = None
            if 'peak_mib' in mem['ours'] and 'peak_mib' in mem['einsum']:
                ratio = mem['ours']['peak_mib'] / mem['einsum']['peak_mib']
            checks.append(check(f'transformer_{mode}_memory', ratio,
                                '{:.0f} against {:.0f} MiB'.format(
                                    mem['ours'].get('peak_mib', float('nan')),
                                    mem['einsum'].get('peak_mib', float('nan'))),
                                lower_is_better=True, strict=True))
    out['transformer'] = t
    print('  transformer: ' + ', '.join(f"{c['key']} {c['measured_text']}" for c in checks
                                        if c['key'].startswith('transformer')), flush=True)

    # 4: bfloat16 autocast against float32 on TokenPose-B, speed and keypoints
    low = 'bf16'
    model = build_pose_model(resolve_config('b'), device)
    fig = compare_throughput({'b': model}, s['batch'], device, ('fp32', low), 'forward',
                             s['warmup'], s['repeats'])['b']
    speedup = fig[low]['images_per_s'] / fig['fp32']['images_per_s']
    out['b_bf16'] = fig
    checks.append(check('b_bf16_speedup', speedup,
                        f"{fig[low]['images_per_s']:.1f} against {fig['fp32']['images_per_s']:.1f}"
                        ' img/s'))
    if args.checkpoint_b:
        from mmengine.runner import load_checkpoint
        load_checkpoint(model, args.checkpoint_b, map_location=device)
    acc = bf16_keypoint_agreement(model, device, s['quick'])
    acc['weights'] = (f'checkpoint {args.checkpoint_b}' if args.checkpoint_b else
                      "random (the config's initialization; pass --checkpoint-b for trained weights)")
    out['bf16_keypoints'] = acc
    note = (f"mean {acc['mean_px']:.3f} px, heatmap max abs difference "
            f"{acc['heatmap_max_abs_diff']:.2e} (peak {acc['heatmap_peak']:.2e})")
    kp = check('b_bf16_keypoints', acc['max_px'], note, lower_is_better=True, fmt='{:.3f} px')
    if not args.checkpoint_b:  # flat random heatmaps: the argmax is arbitrary, so is the figure
        kp['met'] = None
        kp['note'] = ('not judged: random weights give flat heatmaps whose argmax is arbitrary; '
                      'pass --checkpoint-b for a meaningful figure; ' + note)
    checks.append(kp)
    del model
    gc.collect()
    print(f'  bf16: {speedup:.2f}x, keypoints max {acc["max_px"]:.3f} px', flush=True)

    # 5: TokenPose-L/D24's transformer against the machine's matrix-multiply rate
    out['l_d24_efficiency'] = eff = transformer_efficiency('l-d24', device, s)
    checks.append(check('l_d24_transformer_efficiency', eff['efficiency'],
                        f"{eff['gmacs_per_s']:.1f} against {eff['mm_gmacs_per_s']:.1f} GMAC/s",
                        fmt='{:.2f}'))
    print(f"  l-d24 efficiency: {eff['efficiency']:.2f}", flush=True)
    out['checks'] = checks
    return out


def _transformer_memory(impl: str, mode: str, batch: int, device: torch.device) -> dict:
    if device.type == 'cpu':
        return run_json_subprocess([sys.executable, osp.join(HERE, 'einsum_transformer.py'),
                                    '--impl', impl, '--mode', mode, '--batch', str(batch)])
    from einsum_transformer import workloads
    from benchmarks.lib import peak_memory_mib
    forward, train, _ = workloads('b', batch, device, check=False)
    fn = (forward if mode == 'forward' else train)[impl]
    return peak_memory_mib(fn, device, runs=2 if mode == 'train' else 1)


def transformer_efficiency(arch: str, device: torch.device, s: dict) -> dict:
    """MAC rate of ``arch``'s transformer stacks (tokens -> tokens, float32, batch N) over the
    rate of a large ``torch.mm``, both interleaved."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    from einsum_transformer import build_pair, ours_run
    neck, _, pos, K = build_pair(arch, device)
    n = neck.grid[0] * neck.grid[1]
    dim = neck.stacks[0].layers[0].norm1.normalized_shape[0]
    x1 = torch.randn(1, K + n, dim, device=device)
    with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as fc:
        ours_run(neck, x1, pos)
    macs = fc.get_total_flops() // 2 * s['batch']
    x = torch.randn(s['batch'], K + n, dim, device=device)
    size = s['mm_size']
    a, b = torch.randn(size, size, device=device), torch.randn(size, size, device=device)

    def transformer():
        with torch.no_grad():
            ours_run(neck, x, pos)

    t = measure_interleaved({'transformer': transformer, 'mm': lambda: torch.mm(a, b)}, device,
                            s['warmup'], s['repeats'])
    rate = macs / t['transformer'].median_s / 1e9
    mm_rate = size**3 / t['mm'].median_s / 1e9
    return dict(arch=arch, batch=s['batch'], transformer_gmacs=macs / 1e9, mm_size=size,
                gmacs_per_s=rate, mm_gmacs_per_s=mm_rate, efficiency=rate / mm_rate,
                timings={k: v.to_dict() for k, v in t.items()})


def bf16_keypoint_agreement(model, device: torch.device, quick: bool) -> dict:
    """Keypoints of float32 and bfloat16-autocast inference on the people of coco_tiny, through
    MMPose's ``inference_topdown`` (its pipeline, flip test and decoding)."""
    from mmpose.apis import inference_topdown
    from benchmarks.lib import autocast
    with open(osp.join(COCO_TINY, 'test_coco.json')) as f:
        coco = json.load(f)
    boxes: Dict[int, list] = {}
    for ann in coco['annotations']:
        x, y, w, h = ann['bbox']
        boxes.setdefault(ann['image_id'], []).append([x, y, x + w, y + h])
    images = {img['id']: osp.join(COCO_TINY, img['file_name']) for img in coco['images']}
    if quick:
        boxes = dict(list(boxes.items())[:1])
    model.eval()
    test_cfg = model.test_cfg
    model.test_cfg = dict(test_cfg or {}, output_heatmaps=True)
    dists, hm_diff, hm_peak = [], 0., 0.
    for image_id, bboxes in boxes.items():
        bboxes = np.array(bboxes, dtype=np.float32)
        ref = inference_topdown(model, images[image_id], bboxes, bbox_format='xyxy')
        with autocast('bf16', device), _float_head_outputs(model.head):
            low = inference_topdown(model, images[image_id], bboxes, bbox_format='xyxy')
        for r, l in zip(ref, low):
            d = np.linalg.norm(r.pred_instances.keypoints - l.pred_instances.keypoints, axis=-1)
            dists.append(d.ravel())
            if 'heatmaps' in r.get('pred_fields', {}):
                a, b = (torch.as_tensor(x.pred_fields.heatmaps).float() for x in (r, l))
                hm_diff = max(hm_diff, float((a - b).abs().max()))
                hm_peak = max(hm_peak, float(a.abs().max()))
    model.test_cfg = test_cfg
    d = np.concatenate(dists)
    return dict(images=len(boxes), instances=int(sum(len(b) for b in boxes.values())),
                max_px=float(d.max()), mean_px=float(d.mean()), median_px=float(np.median(d)),
                within_0_5_px=float((d <= 0.5).mean()), heatmap_max_abs_diff=hm_diff,
                heatmap_peak=hm_peak)


class _float_head_outputs:
    """Within the block, ``head.forward`` returns float32 heatmaps (MMPose's decoding goes
    through numpy, which has no bfloat16)."""

    def __init__(self, head) -> None:
        self.head = head

    def __enter__(self):
        original = type(self.head).forward.__get__(self.head)
        self.head.forward = lambda *a, **k: original(*a, **k).float()
        return self

    def __exit__(self, *exc) -> None:
        del self.head.forward
