"""Render benchmark results (the dict that ``benchmarks/run.py`` writes as JSON): Markdown tables
and the AP-versus-cost plot (the paper's Figure 1, with published AP values)."""
import math
from typing import Dict, List, Optional


def _f(value: Optional[float], digits: int = 1, suffix: str = '') -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '-'
    return f'{value:.{digits}f}{suffix}'


def _get(d: dict, *keys):
    for key in keys:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def machine_line(results: dict) -> str:
    m, after = results['machine'], results.get('machine_after', {})
    load = ', '.join(f'{x:.2f}' for x in m['loadavg'])
    load_after = ', '.join(f'{x:.2f}' for x in after.get('loadavg', []))
    text = (f"{m['cpu']} ({m['cpu_count']} logical CPUs, torch threads {m['torch_num_threads']}), "
            f"torch {m['torch']}, {m['time_utc']}; load average at start {load}"
            + (f', at end {load_after}' if load_after else '') + '.')
    if results.get('quick'):
        text += (' **Quick mode: tiny batches and repeat counts, a smoke test only; the figures '
                 'are not benchmarks.**')
    return text


def targets_table(results: dict) -> str:
    targets = results.get('targets', {}).get('checks', [])
    if not targets:
        return ''
    lines = ['| target | measured | required | met | note |', '| --- | ---: | ---: | :---: | --- |']
    for t in targets:
        met = '-' if t.get('met') is None else ('yes' if t['met'] else '**no**')
        lines.append(f"| {t['name']} | {t['measured_text']} | {t['required_text']} | {met} | "
                     f"{t.get('note', '')} |")
    return '\n'.join(lines) + '\n'


def models_table(results: dict, device: str = 'cpu') -> str:
    rows = results.get('models', {})
    if not any(device in r.get('devices', {}) for r in rows.values()):
        return ''
    batch = results['settings']['batch']
    low = 'fp16' if device.startswith('cuda') else 'bf16'
    lines = [
        f'| model | published AP | params (M) | GMACs | paper GFLOPs | latency bs1 fp32 / {low} (ms) '
        f'| throughput bs{batch} fp32 / {low} (img/s) | train step bs{batch} fp32 / {low} (s) '
        f'| peak memory inference fp32 / {low} (MiB) | peak memory train fp32 / {low} (MiB) |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
    ]
    for name, r in rows.items():
        if 'error' in r:
            lines.append(f"| {r['display']} | {_f(_ap(r), 1)} | - | - | - | - | - | - | - | "
                         f"- |")
            continue
        d = r.get('devices', {}).get(device)
        if d is None:
            continue

        def pair(key, field, scale=1., digits=1):
            a = _get(d, key, 'fp32', field)
            b = _get(d, key, low, field)
            return (f'{_f(None if a is None else a * scale, digits)} / '
                    f'{_f(None if b is None else b * scale, digits)}')

        lines.append(
            f"| {r['display']} | {_f(_ap(r), 1)} | {r['params'] / 1e6:.2f} | {r['gmacs']:.2f} | "
            f"{r['paper_gflops']:.2f} | {pair('latency', 'median_s', 1e3)} | "
            f"{pair('throughput', 'images_per_s')} | {pair('train', 'median_s', digits=2)} | "
            f"{pair('memory_forward', 'peak_mib', digits=0)} | "
            f"{pair('memory_train', 'peak_mib', digits=0)} |")
    errors = [f"- {r['display']}: not measured ({r['error']})" for r in rows.values()
              if 'error' in r]
    return '\n'.join(lines) + '\n' + ('\n' + '\n'.join(errors) + '\n' if errors else '')


def _ap(row: dict) -> Optional[float]:
    return None if row.get('published_ap') is None else 100 * row['published_ap']


def transformer_table(results: dict) -> str:
    t = _get(results, 'targets', 'transformer')
    if not t:
        return ''
    lines = [f"Transformer stacks of TokenPose-{t['arch'].upper()}, batch {t['batch']}, float32, "
             f"same weights; max abs output difference {t['max_abs_diff']:.2e}.", '',
             '| implementation | forward (ms) | training step (ms) | peak memory forward (MiB) '
             '| peak memory training (MiB) |', '| --- | ---: | ---: | ---: | ---: |']
    for impl in ('ours', 'einsum'):
        lines.append(
            f"| {impl} | {_f(t['forward'][impl]['median_s'] * 1e3)} | "
            f"{_f(t['train'][impl]['median_s'] * 1e3)} | "
            f"{_f(_get(t, 'memory', 'forward', impl, 'peak_mib'), 0)} | "
            f"{_f(_get(t, 'memory', 'train', impl, 'peak_mib'), 0)} |")
    return '\n'.join(lines) + '\n'


def masking_table(results: dict) -> str:
    masking = results.get('token_masking')
    if not masking:
        return ''
    from token_masking import markdown  # benchmarks/ is on sys.path when run.py runs
    batch = next(iter(masking.values()))['batch']
    return f'Batch {batch}, float32, inference, interleaved within each model.\n\n' + markdown(masking)


def full_report(results: dict, plot_name: Optional[str] = None) -> str:
    """The whole Markdown report."""
    parts = ['# tokenpose_mm benchmarks', '', machine_line(results), '']
    m = results.get('matmul')
    if m:
        parts += [f"float32 matrix-multiply rate (torch.mm {m['size']}x{m['size']}): "
                  f"{m['gmacs_per_s']:.1f} GMAC/s.", '']
    cuda_targets = ''.join(targets_table({'targets': t}) for t in results.get('targets_cuda', []))
    for title, text in (('Targets', targets_table(results)), ('Targets on CUDA', cuda_targets),
                        ('Models on CPU', models_table(results, 'cpu')),
                        ('Models on CUDA', models_table(results, 'cuda')),
                        ('Our transformer against the einsum baseline', transformer_table(results)),
                        ('Token masking (TMPose) and attention pruning', masking_table(results))):
        if text and '| ---' in text:
            parts += [f'## {title}', '', text]
    acc = _get(results, 'targets', 'bf16_keypoints')
    if acc:
        parts += ['## bfloat16 keypoints against float32', '',
                  f"{acc['instances']} people in {acc['images']} images of tests/data/coco_tiny "
                  f"through MMPose's pipeline (`inference_topdown`), weights: {acc['weights']}. "
                  f"Max distance {acc['max_px']:.3f} px, mean {acc['mean_px']:.3f} px, "
                  f"{acc['within_0_5_px'] * 100:.1f}% of keypoints within 0.5 px.", '']
    if plot_name:
        parts += [f'![AP against cost]({plot_name})', '']
    return '\n'.join(parts)


def readme_section(results: dict) -> str:
    """What goes between the README markers: machine, targets, the CPU table."""
    parts = [machine_line(results), '', targets_table(results), models_table(results, 'cpu')]
    if _get(results, 'models') and any('cuda' in r.get('devices', {})
                                       for r in results['models'].values()):
        parts += ['', models_table(results, 'cuda')]
    return '\n'.join(p for p in parts if p is not None)


def plot(results: dict, path: str) -> bool:
    """AP against GMACs and against batch throughput (float32, CPU); False when nothing to plot."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    points: List[Dict] = []
    for r in results.get('models', {}).values():
        ips = _get(r, 'devices', 'cpu', 'throughput', 'fp32', 'images_per_s')
        if r.get('published_ap') is None or 'error' in r:
            continue
        points.append(dict(name=r['display'], ap=100 * r['published_ap'], gmacs=r['gmacs'],
                           ips=ips, ours=r['display'].startswith('TokenPose')))
    if not results.get('models'):
        return False
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, key, label in ((axes[0], 'gmacs', 'GMACs (every matmul, batch 1)'),
                           (axes[1], 'ips', f"CPU throughput, batch {results['settings']['batch']}, "
                                            'float32 (images/s)')):
        for group, color, marker in ((True, 'tab:red', 'o'), (False, 'tab:blue', 's')):
            pts = [p for p in points if p['ours'] == group and p[key] is not None]
            if group:
                pts.sort(key=lambda p: p[key])
                ax.plot([p[key] for p in pts], [p['ap'] for p in pts], '-', color=color, lw=1)
            ax.scatter([p[key] for p in pts], [p['ap'] for p in pts], c=color, marker=marker,
                       label='TokenPose (ours)' if group else 'MMPose baselines', zorder=3)
            for p in pts:
                ax.annotate(p['name'], (p[key], p['ap']), textcoords='offset points',
                            xytext=(4, 4), fontsize=8)
        ax.set_xlabel(label)
        ax.set_ylabel('COCO val2017 AP (published)')
        ax.grid(alpha=.3)
        if not points:
            ax.text(.5, .5, 'no measured model has a published AP', ha='center',
                    transform=ax.transAxes)
    if points:
        axes[0].legend(loc='lower right', fontsize=8)
    title = 'AP against cost (published AP; costs measured here)'
    if results.get('quick'):
        title += ' - QUICK MODE, not a benchmark'
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True
