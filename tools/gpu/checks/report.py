"""The report of ``tools/gpu/check.py``: ``--out`` (Markdown) and the same path with ``.json``;
a partial rerun (``--steps``) keeps the other steps of the previous run."""
import json
import os
import os.path as osp
import time

from .context import Check


def write_report(check: Check, info: dict) -> str:
    out_md = check.args.out
    os.makedirs(osp.dirname(osp.abspath(out_md)), exist_ok=True)
    previous = osp.splitext(out_md)[0] + '.json'
    if check.args.steps and osp.isfile(previous):  # a partial rerun: keep the other steps
        with open(previous) as f:
            old = json.load(f)
        if old.get('device') == str(check.device) and old.get('quick') == check.quick:
            new = {s['step']: s for s in check.steps}
            check.steps = [new.pop(s['step'], s) for s in old['steps']] + list(new.values())
    payload = dict(device=str(check.device), quick=check.quick, info=info,
                   seconds=round(time.time() - check.start, 1), steps=check.steps)
    with open(osp.splitext(out_md)[0] + '.json', 'w') as f:
        json.dump(payload, f, indent=1, default=str)
    label = ('CPU rehearsal: NOT a GPU result' if check.device.type == 'cpu'
             else f'{info.get("device_name")} (driver {info.get("driver")})')
    notes = ((['--quick: no warm-up, one timed round'] if check.quick else [])
             + (['CPU: no AMP, no peak memory'] if check.device.type == 'cpu' else []))
    lines = [f'# tools/gpu/check.py: {label}', '',
             f'`python tools/gpu/check.py --device {check.device}'
             f'{" --quick" if check.quick else ""}`, steps '
             f'{sum(st.get("seconds", 0) for st in check.steps):.0f} s in all, '
             f'{info.get("time_utc")}; Python {info.get("python")}, torch {info.get("torch")} '
             f'(CUDA {info.get("torch_cuda")}), mmcv {info.get("versions", {}).get("mmcv")} '
             f'({info.get("mmcv_ops")}), mmpose {info.get("versions", {}).get("mmpose")}, '
             f'tokenpose_mm {info.get("tokenpose_mm")}.', '',
             *([f'{"; ".join(notes)}: the timings prove the path, not the speed.', '']
               if notes else []),
             '| step | status | seconds | result |', '| --- | --- | ---: | --- |']
    bench = None
    for s in check.steps:
        if s['step'] == 'benchmark' and s['status'] == 'ok':
            bench = s
        shown = {k: v for k, v in s.items() if k not in ('step', 'status', 'seconds', 'info',
                                                         'traceback', 'models', 'checkpoint')}
        text = ', '.join(f'{k}: {_fmt(v)}' for k, v in shown.items())
        text = ' '.join(text.replace('|', '/').split())  # one table row
        lines.append(f'| {s["step"]} | {s["status"]} | {s.get("seconds", "")} | {text[:400]} |')
    if bench:
        columns = sorted({k for row in bench['models'].values() for k in row
                          if k not in ('display', 'error')})
        lines += ['', f'Benchmarks (medians of {bench["repeats"]} interleaved rounds; '
                  'ms per call for batch 1, images/s otherwise, MiB for memory):', '',
                  '| model | ' + ' | '.join(columns) + ' |',
                  '| --- | ' + ' | '.join('---:' for _ in columns) + ' |']
        for row in bench['models'].values():
            cells = []
            for c in columns:
                v = row.get(c)
                if isinstance(v, dict):
                    v = v['median_ms'] if ' bs1 ' in c else v['images_per_s']
                cells.append('-' if v is None else f'{v:.0f}' if v >= 100 else f'{v:.3g}')
            lines.append(f'| {row["display"]} | ' + ' | '.join(cells) + ' |'
                         + (f' ({row["error"][:120]})' if 'error' in row else ''))
        lines += [''] + [f'- {k}: {v:.2f}x' for k, v in bench['ratios'].items()]
    with open(out_md, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return out_md


def _fmt(value) -> str:
    if isinstance(value, float):
        return f'{value:.4g}'
    if isinstance(value, dict):
        return '{' + ', '.join(f'{k}: {_fmt(v)}' for k, v in value.items()) + '}'
    return str(value)
