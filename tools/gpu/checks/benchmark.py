"""Step ``benchmark``: latency, throughput and peak memory of every variant against MMPose's
baselines, all interleaved in one measurement, and the throughput ratios."""
from typing import Dict

from .context import (Check, build_pose_model, compare_throughput, display_name, forward_fn,
                      peak_memory_mib, resolve_config, synthetic_data_samples, synthetic_inputs,
                      train_step_fn)

VARIANTS = ('t', 's-v1', 's-v2', 'b', 'l-d6', 'l-d24', 'l-d24-384', 'l-d6-mpii')
BASELINES = ('hrnet-w32', 'res50', 'vitpose-s')
RATIOS = (('b', 'hrnet-w32'), ('s-v1', 'res50'), ('tmpose-b-0.6', 'b'))
TMPOSE = {'model.neck.token_masking': dict(strategy='random', keep_ratio=0.6)}


def benchmark(check: Check) -> dict:
    """Every model measured together (interleaved), so each ratio is side by side."""
    device, quick = check.device, check.quick
    names = (('t', 'b', 'hrnet-w32', 'res50', 'vitpose-s') if quick
             else VARIANTS + BASELINES)
    batch, repeats, warmup = (2, 1, 0) if quick else (64, 5, 2)
    low = ('fp16', 'bf16') if device.type == 'cuda' else ('bf16', )
    models, rows = {}, {}
    for name in names:
        try:
            models[name] = build_pose_model(resolve_config(name), device)
        except Exception as e:  # noqa: BLE001  (recorded: e.g. ViTPose-S needs mmpretrain)
            rows[name] = dict(display=display_name(name), error=f'{type(e).__name__}: {e}')
    models['tmpose-b-0.6'] = build_pose_model(resolve_config('b'), device, TMPOSE)
    results: Dict[str, Dict[str, dict]] = {}

    def measure(mode: str, size: int, precisions) -> None:
        timed = compare_throughput(models, size, device, precisions, mode, warmup, repeats)
        for name, by_precision in timed.items():
            for p, t in by_precision.items():
                results.setdefault(name, {})[f'{mode} bs{size} {p}'] = dict(
                    median_ms=t['median_s'] * 1e3, images_per_s=t['images_per_s'])

    measure('forward', 1, ('fp32', *low))
    measure('forward', batch, ('fp32', *low))
    measure('train', batch, ('fp32', low[0]))
    if device.type == 'cuda':
        for name, model in models.items():
            inputs = synthetic_inputs(model, batch, device)
            results[name]['memory forward fp32 MiB'] = peak_memory_mib(
                forward_fn(model.eval(), inputs, 'fp32', device), device)['peak_mib']
            results[name]['memory train fp32 MiB'] = peak_memory_mib(
                train_step_fn(model.train(), inputs, synthetic_data_samples(model, batch, device),
                              'fp32', device), device, runs=2)['peak_mib']
    for name, figures in results.items():
        rows[name] = dict(display=display_name(name) if name in names else
                          'TMPose-B (random, keep 0.6)', **figures)
    ratios = {}
    for ours, theirs in RATIOS:
        key = f'forward bs{batch} fp32'
        if ours in results and theirs in results:
            ratios[f'{rows[ours]["display"]} / {rows[theirs]["display"]} throughput'] = (
                results[ours][key]['images_per_s'] / results[theirs][key]['images_per_s'])
    return dict(batch=batch, repeats=repeats, models=rows, ratios=ratios,
                training_low_precision=low[0])
