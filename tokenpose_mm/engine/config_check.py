"""A config checked as a whole before anything runs: every problem named on one line, with its
key, its value and what is expected, all of them in one :class:`ConfigError`.

Run by the tools (:func:`tokenpose_mm.cli.load_config`) and, for MMPose's own tools and
``mim train``, by :class:`~tokenpose_mm.engine.ConfigCheckHook` in ``before_run``.
"""
from numbers import Real
from typing import Any, Iterator, List, Mapping, Optional, Sequence, Tuple

from .metric_names import save_best_problems


class ConfigError(ValueError):
    """A config file, a ``--cfg-options`` item or a file it names that cannot be used."""


_SPLITS = ('train', 'val', 'test')


def check_config(cfg: Mapping) -> None:
    """Raise one :class:`ConfigError` listing every problem of :func:`config_problems` (one
    problem: ``config: <problem>``; several: one line each).

    Args:
        cfg (Config | dict): A whole (merged) config.
    """
    problems = config_problems(cfg)
    if len(problems) == 1:
        raise ConfigError(f'config: {problems[0]}')
    if problems:
        lines = '\n'.join(f'  - {p}' for p in problems)
        raise ConfigError(f'the config has {len(problems)} problems:\n{lines}')


def config_problems(cfg: Mapping) -> List[str]:
    """One line per problem: sizes that disagree (codec, ``TopdownAffine``, head decoder),
    the neck's ``feature_size``, the train loop, ``auto_scale_lr``, the learning rate and
    ``save_best`` against the metrics the evaluators produce."""
    if not isinstance(cfg, Mapping):  # an MMEngine Config
        cfg = cfg.to_dict()
    problems = [*_size_problems(cfg), *_neck_problems(cfg), *_loop_problems(cfg),
                *_optimizer_problems(cfg), *save_best_problems(cfg)]
    return list(dict.fromkeys(problems))  # test_dataloader is often val_dataloader


def _get(cfg: Any, key: str) -> Any:
    """``cfg['a']['b']`` for ``key='a.b'``; None where a part is missing."""
    for part in key.split('.'):
        cfg = cfg.get(part) if isinstance(cfg, Mapping) else None
    return cfg


def _is_int(value: Any, minimum: int = 1) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _pair(value: Any) -> Optional[Tuple]:
    """``value`` as a tuple when it is a list or tuple, else None."""
    return tuple(value) if isinstance(value, (list, tuple)) else None


def _pipelines(cfg: Mapping) -> Iterator[Tuple[str, str, list]]:
    """(split, key, pipeline) of every dataset of the dataloaders, wrappers unwrapped."""
    for split in _SPLITS:
        stack = [(f'{split}_dataloader.dataset', _get(cfg, f'{split}_dataloader.dataset'))]
        while stack:
            key, dataset = stack.pop()
            if not isinstance(dataset, Mapping):
                continue
            if isinstance(dataset.get('pipeline'), list):
                yield split, f'{key}.pipeline', dataset['pipeline']
            stack.append((f'{key}.dataset', dataset.get('dataset')))
            for i, inner in enumerate(dataset.get('datasets') or []):
                stack.append((f'{key}.datasets[{i}]', inner))


def _codecs(step: Mapping, key: str) -> Iterator[Tuple[str, Mapping]]:
    """(key, codec) of a ``GenerateTarget`` step (one encoder or a list of them)."""
    encoder = step.get('encoder')
    if isinstance(encoder, Mapping):
        yield f'{key}.encoder', encoder
    elif isinstance(encoder, (list, tuple)):
        for i, one in enumerate(encoder):
            if isinstance(one, Mapping):
                yield f'{key}.encoder[{i}]', one


def _size_problems(cfg: Mapping) -> Iterator[str]:
    decoder = _get(cfg, 'model.head.decoder')
    decoder = decoder if isinstance(decoder, Mapping) else {}
    codec = cfg.get('codec') if isinstance(cfg.get('codec'), Mapping) else {}
    for key in ('input_size', 'heatmap_size'):
        if _pair(codec.get(key)) and _pair(decoder.get(key)) and \
                _pair(codec[key]) != _pair(decoder[key]):
            yield (f'model.head.decoder.{key}={_pair(decoder[key])} differs from codec.{key}='
                   f'{_pair(codec[key])}; expected the same (w, h): the head decodes with it')
    for split, key, pipeline in _pipelines(cfg):
        affine = next(((f'{key}[{i}]', _pair(s.get('input_size'))) for i, s in enumerate(pipeline)
                       if isinstance(s, Mapping) and s.get('type') == 'TopdownAffine'), None)
        if affine is None or affine[1] is None:
            continue
        where, size = affine
        named = [('codec', _pair(codec.get('input_size'))),
                 ('model.head.decoder', _pair(decoder.get('input_size')))]
        heatmaps: List[str] = []
        for i, step in enumerate(pipeline):
            if isinstance(step, Mapping) and step.get('type') == 'GenerateTarget':
                for ckey, one in _codecs(step, f'{key}[{i}]'):
                    named.append((ckey, _pair(one.get('input_size'))))
                    heatmaps += _heatmap_problem(ckey, one, decoder)
        for name, other in named:
            if other is not None and other != size:
                yield (f'{name}.input_size={other} differs from {where}.input_size={size} '
                       f'(TopdownAffine of the {split} pipeline); expected the same (w, h), or '
                       f'targets and decoded keypoints land at the wrong scale')
        yield from heatmaps


def _heatmap_problem(key: str, encoder: Mapping, decoder: Mapping) -> Iterator[str]:
    ours, head = _pair(encoder.get('heatmap_size')), _pair(decoder.get('heatmap_size'))
    if ours is not None and head is not None and ours != head:
        yield (f'{key}.heatmap_size={ours} differs from model.head.decoder.heatmap_size={head}; '
               f'expected the same (w, h): the head predicts heatmaps of the decoder size')


def _neck_problems(cfg: Mapping) -> Iterator[str]:
    size = _get(cfg, 'model.neck.feature_size')
    if size is not None and not (isinstance(size, (list, tuple)) and len(size) == 2
                                 and all(map(_is_int, size))):
        yield (f'model.neck.feature_size={size!r}: expected two positive ints (h, w) of the '
               f'feature map, or None for the variant\'s own')


def _loop_problems(cfg: Mapping) -> Iterator[str]:
    train_cfg = cfg.get('train_cfg')
    if isinstance(train_cfg, Mapping):
        by_epoch = train_cfg.get('by_epoch', train_cfg.get('type') in (None, 'EpochBasedTrainLoop'))
        length = 'max_epochs' if by_epoch else 'max_iters'
        if length in train_cfg and not _is_int(train_cfg[length]):
            yield (f'train_cfg.{length}={train_cfg[length]!r}: expected a positive int (0 trains '
                   f'nothing and writes no checkpoint)')
        for key in ('val_interval', 'val_begin'):
            minimum = 1 if key == 'val_interval' else 0
            if key in train_cfg and not _is_int(train_cfg[key], minimum):
                yield (f'train_cfg.{key}={train_cfg[key]!r}: expected an int >= {minimum}')
    base = _get(cfg, 'auto_scale_lr')
    if isinstance(base, Mapping) and 'base_batch_size' in base and \
            not _is_int(base['base_batch_size']):
        yield (f'auto_scale_lr.base_batch_size={base["base_batch_size"]!r}: expected a positive '
               f'int (the total batch size the learning rate was set for)')


def _optimizer_problems(cfg: Mapping) -> Iterator[str]:
    wrapper = cfg.get('optim_wrapper')
    optimizers: Sequence[Tuple[str, Any]] = []
    if isinstance(wrapper, Mapping) and isinstance(wrapper.get('optimizer'), Mapping):
        optimizers = [('optim_wrapper.optimizer', wrapper['optimizer'])]
    elif isinstance(wrapper, Mapping):  # several wrappers by name (GANs and the like)
        optimizers = [(f'optim_wrapper.{k}.optimizer', v.get('optimizer'))
                      for k, v in wrapper.items() if isinstance(v, Mapping)]
    for key, optimizer in optimizers:
        if not isinstance(optimizer, Mapping) or 'lr' not in optimizer:
            continue
        lr = optimizer['lr']
        if isinstance(lr, bool) or not isinstance(lr, Real) or not lr > 0:
            yield (f'{key}.lr={lr!r}: expected a positive number (a learning rate of 0 trains '
                   f'nothing)')
