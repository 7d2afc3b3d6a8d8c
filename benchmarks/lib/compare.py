"""Library behind ``tools/analysis/compare.py``: one Markdown table of parameters, GMACs,
throughput and (given evaluation results) AP for any list of pose configs."""
import json
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence

import torch

from .models import build_pose_model, complexity
from .throughput import compare_throughput
from .zoo import display_name, resolve_config

AP_KEYS = ('coco/AP', 'AP', 'mpii/PCKh', 'PCKh', 'PCK')


@dataclass
class ComparisonRow:
    """One model's figures."""
    name: str
    config: str
    params: int
    gmacs: float
    paper_gflops: float
    images_per_s: Optional[float] = None
    ap: Optional[float] = None


def parse_ap(text: str) -> float:
    """``'0.747'`` or ``'74.7'`` -> 0.747 (values above 1 are read as percent).

    Raises:
        ValueError: not a number in [0, 100].
    """
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f'AP must be a number like 0.747 or 74.7, got {text!r}') from None
    if not 0 <= value <= 100:
        raise ValueError(f'AP must be in [0, 1] (or a percent up to 100), got {text!r}')
    return value / 100 if value > 1 else value


def read_metric_json(path: str, metric: Optional[str] = None) -> float:
    """The AP in an MMEngine metrics file: a JSON object, or JSON lines (``vis_data/*.json``,
    the last line holding the metric wins).

    Args:
        path: The file.
        metric: The key (default: the first of :data:`AP_KEYS` present, then any ``*/AP``).

    Raises:
        FileNotFoundError, ValueError: the file or the metric is missing.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'metrics file not found: {path!r}')
    with open(path) as f:
        text = f.read().strip()
    try:
        records = [json.loads(text)]
    except json.JSONDecodeError:
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
    merged: Dict = {}
    for record in records:
        if isinstance(record, dict):
            merged.update(record.get('metrics', record) if isinstance(record.get('metrics'),
                                                                       dict) else record)
    keys = [metric] if metric else [*AP_KEYS, *sorted(k for k in merged if k.endswith('/AP'))]
    for key in keys:
        if key in merged:
            return parse_ap(str(merged[key]))
    raise ValueError(f'no metric {keys} in {path!r}; it has {sorted(merged)[:20]}')


def compare_models(configs: Sequence[str],
                   names: Optional[Sequence[str]] = None,
                   ap: Optional[Mapping[str, float]] = None,
                   device: str = 'cpu',
                   batch: int = 32,
                   repeats: int = 3,
                   precision: str = 'fp32',
                   throughput: bool = True,
                   cfg_options: Optional[dict] = None) -> List[ComparisonRow]:
    """Build every config (short names such as ``b`` or ``hrnet-w32`` work too), count its
    complexity, and time all of them interleaved at ``batch``.

    Args:
        configs: Config files, ``mmpose::...`` names or short names.
        names: Labels (default: the short name or the config's file name).
        ap: label -> AP (fraction), for the rows that have evaluation results.
        device, batch, repeats, precision: Throughput settings.
        throughput: False skips the timing (complexity only).
        cfg_options: Merged into every config.
    """
    from .models import parse_device
    if names is not None and len(names) != len(configs):
        raise ValueError(f'{len(names)} names given for {len(configs)} configs')
    labels = list(names) if names else [display_name(c) for c in configs]
    if len(set(labels)) != len(labels):
        raise ValueError(f'labels must be distinct, got {labels}; pass --names')
    ap = dict(ap or {})
    unknown = set(ap) - set(labels) - set(configs)
    if unknown:
        raise ValueError(f'AP given for {sorted(unknown)}, which are not among {labels}')
    dev = parse_device(device)
    models, rows = {}, []
    for label, config in zip(labels, configs):
        path = resolve_config(config)
        model = build_pose_model(path, torch.device('cpu'), cfg_options)
        c = complexity(model)
        models[label] = model.to(dev)
        rows.append(ComparisonRow(label, path, c.params, c.gmacs, c.paper_gflops,
                                  ap=ap.get(label, ap.get(config))))
    if throughput:
        figures = compare_throughput(models, batch, dev, (precision, ), 'forward', 1, repeats)
        for row in rows:
            row.images_per_s = figures[row.name][precision]['images_per_s']
    return rows


def markdown_table(rows: Sequence[ComparisonRow], batch: int, precision: str,
                   device: str) -> str:
    """The rows as one Markdown table."""
    lines = [f'| model | params (M) | GMACs | paper GFLOPs | throughput bs{batch} {precision} '
             f'{device} (img/s) | AP |', '| --- | ---: | ---: | ---: | ---: | ---: |']
    for r in rows:
        ips = '-' if r.images_per_s is None else f'{r.images_per_s:.1f}'
        ap = '-' if r.ap is None else f'{100 * r.ap:.1f}'
        lines.append(f'| {r.name} | {r.params / 1e6:.2f} | {r.gmacs:.2f} | {r.paper_gflops:.2f} '
                     f'| {ips} | {ap} |')
    return '\n'.join(lines) + '\n'
