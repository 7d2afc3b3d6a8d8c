"""The metric names MMPose's evaluators produce, read from a config, so that
``default_hooks.checkpoint.save_best`` can be checked before the first evaluation (MMEngine's
``CheckpointHook`` looks the name up only then, with a ``KeyError``)."""
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence

_AP_AR = ('AP', 'AP .5', 'AP .75', 'AP (M)', 'AP (L)', 'AR', 'AR .5', 'AR .75', 'AR (M)', 'AR (L)')
_CROWD = ('AP', 'AP .5', 'AP .75', 'AR', 'AR .5', 'AR .75', 'AP(E)', 'AP(M)', 'AP(H)')
_NO_AREA = ('AP', 'AP .5', 'AP .75', 'AR', 'AR .5', 'AR .75')
_MPII = ('Head PCK', 'Shoulder PCK', 'Elbow PCK', 'Wrist PCK', 'Hip PCK', 'Knee PCK',
         'Ankle PCK', 'PCK', 'PCK@0.1')
_JHMDB_PARTS = ('Head', 'Sho', 'Elb', 'Wri', 'Hip', 'Knee', 'Ank')
_PCK_OF = {'bbox': 'PCK', 'head': 'PCKh', 'torso': 'tPCK'}


def _norm_items(metric: Mapping, default: str) -> List[str]:
    items = metric.get('norm_item', default)
    return list(items) if isinstance(items, (list, tuple)) else [items]


def _coco(metric: Mapping) -> Sequence[str]:
    if metric.get('format_only'):
        return ()
    if metric.get('iou_type') == 'keypoints_crowd':
        return _CROWD
    return _AP_AR if metric.get('use_area', True) else _NO_AREA


def _pck(metric: Mapping) -> Sequence[str]:
    return [_PCK_OF[i] for i in _norm_items(metric, 'bbox') if i in _PCK_OF]


def _mpii(metric: Mapping) -> Sequence[str]:
    return _MPII if 'head' in _norm_items(metric, 'head') else ()  # its only normalisation


def _jhmdb(metric: Mapping) -> Sequence[str]:
    items = _norm_items(metric, 'bbox')
    return [f'{part} {pck}' if part else pck for item, pck in (('bbox', 'PCK'), ('torso', 'tPCK'))
            if item in items for part in (*_JHMDB_PARTS, '')]


# metric type -> the names (before the prefix) its compute_metrics returns for a config
_NAMES: Dict[str, Callable[[Mapping], Sequence[str]]] = {
    'CocoMetric': _coco,
    'CocoWholeBodyMetric': _coco,
    'PCKAccuracy': _pck,
    'MpiiPCKAccuracy': _mpii,
    'JhmdbPCKAccuracy': _jhmdb,
    'AUC': lambda m: ('AUC', ),
    'EPE': lambda m: ('EPE', ),
    'NME': lambda m: ('NME', ),
}


def _metric_cfgs(evaluator: Any) -> Iterator[Any]:
    """The metric configs of an evaluator config: a dict, a list, or ``dict(metrics=[...])``."""
    if isinstance(evaluator, Mapping) and 'metrics' in evaluator and 'type' not in evaluator:
        evaluator = evaluator['metrics']
    if isinstance(evaluator, Mapping):
        yield evaluator
    elif isinstance(evaluator, (list, tuple)):
        yield from evaluator


def evaluator_metric_names(evaluator: Any) -> Optional[List[str]]:
    """The names an evaluator config produces (``'coco/AP'``, ``'PCK'``, ...), with each
    metric's ``prefix`` (or its class's ``default_prefix``); None when one of its metrics is
    not in the table (a metric of one's own: its names cannot be known before it runs)."""
    from mmpose.registry import METRICS
    names: List[str] = []
    for metric in _metric_cfgs(evaluator):
        kind = metric.get('type') if isinstance(metric, Mapping) else None
        kind = kind if isinstance(kind, str) else getattr(kind, '__name__', None)
        if kind not in _NAMES:
            return None
        cls = METRICS.get(kind)
        prefix = metric.get('prefix') or getattr(cls, 'default_prefix', None)
        names += [f'{prefix}/{n}' if prefix else n for n in _NAMES[kind](metric)]
    return names


def save_best_problems(cfg: Mapping) -> Iterator[str]:
    """A line for each ``default_hooks.checkpoint.save_best`` name that the val evaluator does
    not produce (``'auto'``, the first metric, is always valid); nothing without validation
    or when the evaluator's names cannot be known."""
    checkpoint = (cfg.get('default_hooks') or {}).get('checkpoint')
    save_best = checkpoint.get('save_best') if isinstance(checkpoint, Mapping) else None
    evaluator = cfg.get('val_evaluator')
    if save_best is None or not evaluator or cfg.get('val_cfg', {}) is None:
        return
    wanted = [save_best] if isinstance(save_best, str) else save_best
    if not isinstance(wanted, (list, tuple)) or not all(isinstance(w, str) for w in wanted):
        yield (f'default_hooks.checkpoint.save_best={save_best!r}: expected a metric name, a '
               f"list of them, 'auto' or None")
        return
    names = evaluator_metric_names(evaluator)
    if names is None:
        return
    for name in wanted:
        if name != 'auto' and name not in names:
            yield (f'default_hooks.checkpoint.save_best={name!r} is not a metric of '
                   f'val_evaluator {_types(evaluator)}; expected one of {names} or \'auto\'')


def _types(evaluator: Any) -> List[str]:
    return [m.get('type') if isinstance(m, Mapping) else m for m in _metric_cfgs(evaluator)]
