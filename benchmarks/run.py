"""The benchmark suite: TokenPose variants against MMPose's HRNet-W32, SimpleBaseline-R50 and
ViTPose-S, measured in one run on one machine.

    python benchmarks/run.py                      # everything (about 45 min on 2 quiet cores)
    python benchmarks/run.py --update-readme      # ... and refresh the README's table
    python benchmarks/run.py --quick              # smoke test: tiny batches, model S-v1, ~1 min
    python benchmarks/run.py --sections models --models b hrnet-w32 --devices cpu

Sections:
- ``models``: per model, params/GMACs/paper GFLOPs, batch-1 latency, batch-N throughput, a
  batch-N training step (forward, MMPose's loss, backward, Adam) and peak memory (fresh process
  per figure on CPU), float32 and low-precision autocast (bfloat16 on CPU; float16 and bfloat16
  on CUDA), on every device asked for.
- ``targets``: the performance targets, each a ratio whose two sides are measured interleaved
  in the same run (``benchmarks/targets.py``); a missed target says by how much.
- ``masking``: TMPose masking / attention pruning against unmasked B and L/D24.

Results go to ``--out`` (default ``benchmarks/results/``, quick mode ``benchmarks/results/quick/``
so that a smoke run never overwrites real figures): ``results.json`` (every timing, the
machine, its load average before and after, torch's thread count), ``results.md`` and
``ap_vs_cost.png``. Timings are medians of interleaved repeats after warm-up.
"""
import argparse
import gc
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional

import torch

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(HERE)
sys.path[:0] = [HERE, REPO]

from benchmarks.lib import (build_pose_model, complexity, forward_fn, input_shape,  # noqa
                            machine_info, matmul_rate, measure_interleaved, parse_device,
                            synthetic_data_samples, synthetic_inputs, train_step_fn)
from benchmarks.lib.memory import measure_in_subprocess  # noqa: E402
from benchmarks.lib.throughput import compare_throughput  # noqa: E402
from benchmarks.lib.zoo import (display_name, known_models, published_ap,  # noqa: E402
                                resolve_config)
from targets import run_targets  # noqa: E402

SECTIONS = ('models', 'targets', 'masking')
FULL_MODELS = ('t', 's-v1', 's-v2', 'b', 'l-d6', 'l-d24', 'l-d24-384', 'hrnet-w32', 'res50',
               'vitpose-s')


def settings_for(args: argparse.Namespace) -> dict:
    """Batch sizes and repeat counts of this run."""
    if args.quick:
        s = dict(batch=args.batch or 2, warmup=0, repeats=1, train_repeats=1, latency_repeats=1,
                 mm_size=1024, memory=not args.no_memory, masking_families=['b'])
    else:
        s = dict(batch=args.batch or 32, warmup=1, repeats=args.repeats, train_repeats=max(
            3, args.repeats - 2), latency_repeats=20, mm_size=4096, memory=not args.no_memory,
                 masking_families=['b', 'l-d24'])
    s['masking_train'] = args.masking_train
    return s


# --------------------------------------------------------------------------------------------
# models


def measure_model(name: str, devices: List[torch.device], s: dict) -> dict:
    """Every figure of one model (an ``error`` entry when it cannot be built)."""
    row = dict(display=display_name(name), config=None, published_ap=published_ap(name))
    try:
        row['config'] = resolve_config(name)
        model = build_pose_model(row['config'], torch.device('cpu'))
    except Exception as e:  # noqa: BLE001  (recorded: e.g. ViTPose-S needs mmpretrain)
        row['error'] = f'{type(e).__name__}: {e}'
        print(f'  {name}: cannot build: {row["error"]}', flush=True)
        return row
    c = complexity(model)
    row.update(params=c.params, gmacs=c.gmacs, paper_gflops=c.paper_gflops,
               transformer_gmacs=c.transformer_gmacs, input_shape=list(input_shape(model)))
    row['devices'] = {}
    for device in devices:
        model = model.to(device)
        precisions = ('fp32', 'bf16') if device.type == 'cpu' else ('fp32', 'fp16', 'bf16')
        d = {}
        d['latency'] = _latency(model, device, precisions, s)
        d['throughput'] = compare_throughput({name: model}, s['batch'], device, precisions,
                                             'forward', s['warmup'], s['repeats'])[name]
        d['train'] = compare_throughput({name: model}, s['batch'], device, precisions, 'train',
                                        s['warmup'], s['train_repeats'])[name]
        if s['memory']:
            # quick mode: one figure is enough to prove the path
            modes = ('forward', ) if s['quick'] else ('forward', 'train')
            for mode in modes:
                d[f'memory_{mode}'] = {
                    p: _memory(row['config'], mode, s['batch'], p, device, model)
                    for p in (precisions[:1] if s['quick'] else precisions)}
        row['devices'][device.type] = d
        print(f"  {name} on {device}: " + ', '.join(
            f"{p} {d['throughput'][p]['images_per_s']:.1f} img/s" for p in precisions), flush=True)
    del model
    gc.collect()
    return row


def _latency(model, device: torch.device, precisions, s: dict) -> dict:
    inputs = synthetic_inputs(model, 1, device)
    model.eval()
    fns = {p: forward_fn(model, inputs, p, device) for p in precisions}
    timings = measure_interleaved(fns, device, warmup=min(2, s['warmup'] * 2),
                                  repeats=s['latency_repeats'],
                                  min_time_s=0. if s['quick'] else 1.)
    return {p: dict(median_s=t.median_s, timing=t.to_dict()) for p, t in timings.items()}


def _memory(config: str, mode: str, batch: int, precision: str, device: torch.device,
            model) -> dict:
    """Peak memory: a fresh process per figure on CPU; in this process on CUDA."""
    if device.type == 'cpu':
        return measure_in_subprocess([config, '--mode', mode, '--batch', str(batch),
                                      '--precision', precision, '--device', 'cpu'])
    from benchmarks.lib import peak_memory_mib
    inputs = synthetic_inputs(model, batch, device)
    if mode == 'forward':
        fn = forward_fn(model.eval(), inputs, precision, device)
    else:
        fn = train_step_fn(model.train(), inputs, synthetic_data_samples(model, batch, device),
                           precision, device)
    result = peak_memory_mib(fn, device, runs=2 if mode == 'train' else 1)
    model.eval()
    return result


# --------------------------------------------------------------------------------------------


def main(argv: Optional[List[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='smoke test: batch 2, one repeat, model S-v1 only (unless --models)')
    parser.add_argument('--sections', nargs='+', choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument('--models', nargs='+', help=f'short names ({", ".join(known_models())}) '
                        'or config files; default: every TokenPose COCO variant and the baselines')
    parser.add_argument('--devices', nargs='+', help="default: cpu, plus cuda when available")
    parser.add_argument('--batch', type=int, help='throughput/training batch (default 32)')
    parser.add_argument('--repeats', type=int, default=5, help='timed rounds (default 5)')
    parser.add_argument('--no-memory', action='store_true', help='skip peak-memory figures')
    parser.add_argument('--masking-train', action='store_true',
                        help='token masking: also time training steps')
    parser.add_argument('--checkpoint-b', help='trained TokenPose-B weights for the bf16 '
                        'keypoint comparison (default: random initialization)')
    parser.add_argument('--threads', type=int, help='torch.set_num_threads (default: torch)')
    parser.add_argument('--out', help='default benchmarks/results/ (quick: .../results/quick/)')
    parser.add_argument('--update-readme', action='store_true',
                        help="rewrite README.md's benchmark table (refused in --quick mode)")
    args = parser.parse_args(argv)
    if args.batch is not None and args.batch < 1:
        parser.error(f'--batch must be >= 1, got {args.batch}')
    if args.repeats < 1:
        parser.error(f'--repeats must be >= 1, got {args.repeats}')
    if args.update_readme and args.quick:
        parser.error('--update-readme is refused with --quick: quick figures are not benchmarks')
    if args.threads is not None:
        if args.threads < 1:
            parser.error(f'--threads must be >= 1, got {args.threads}')
        torch.set_num_threads(args.threads)
    args.out = args.out or osp.join(HERE, 'results', *(['quick'] if args.quick else []))
    devices = [parse_device(d) for d in (args.devices or (
        ['cpu', 'cuda'] if torch.cuda.is_available() else ['cpu']))]
    models = args.models or (['s-v1'] if args.quick else list(FULL_MODELS))
    for m in models:
        resolve_config(m)  # fail early on a bad name
    s = settings_for(args)
    s['quick'] = args.quick
    results: Dict = dict(quick=args.quick, settings=s, devices=[str(d) for d in devices],
                         machine=machine_info(devices[-1]))
    print(f"load average {results['machine']['loadavg']}, torch threads "
          f"{results['machine']['torch_num_threads']}", flush=True)
    results['matmul'] = matmul_rate(torch.device('cpu'), s['mm_size'], 1, s['repeats'] + 1)
    if 'models' in args.sections:
        print('models', flush=True)
        results['models'] = {m: measure_model(m, devices, s) for m in models}
    if 'targets' in args.sections:
        print('targets (CPU)', flush=True)
        results['targets'] = run_targets(torch.device('cpu'), s, args)
        results['targets_cuda'] = [run_targets(d, s, args) for d in devices if d.type == 'cuda']
    if 'masking' in args.sections:
        print('token masking', flush=True)
        from token_masking import run_token_masking
        results['token_masking'] = run_token_masking(devices[0], s['batch'], s['warmup'],
                                                     s['repeats'], s['masking_families'],
                                                     s['masking_train'])
    results['machine_after'] = machine_info(devices[-1])
    write_results(results, args.out)
    if args.update_readme:
        from update_readme import update_readme
        update_readme(osp.join(REPO, 'README.md'), results)
        print('README.md benchmark table updated', flush=True)
    return results


def write_results(results: dict, out: str) -> None:
    """results.json, results.md and ap_vs_cost.png into ``out``."""
    import report
    os.makedirs(out, exist_ok=True)
    with open(osp.join(out, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1, default=float)
    has_plot = report.plot(results, osp.join(out, 'ap_vs_cost.png'))
    with open(osp.join(out, 'results.md'), 'w') as f:
        f.write(report.full_report(results, 'ap_vs_cost.png' if has_plot else None))
    if 'token_masking' in results:
        from token_masking import markdown
        with open(osp.join(out, 'token_masking.md'), 'w') as f:
            f.write(markdown(results['token_masking']))
    print(f'wrote {out}/results.json, results.md' + (', ap_vs_cost.png' if has_plot else ''),
          flush=True)
    for t in results.get('targets', {}).get('checks', []):
        status = {True: 'met', False: 'MISSED', None: 'n/a'}[t['met']]
        print(f"  [{status}] {t['name']}: {t['measured_text']} (needs {t['required_text']}) "
              f"{t['note']}", flush=True)


if __name__ == '__main__':
    main()
