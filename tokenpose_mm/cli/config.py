"""Config loading for the tools: MMEngine's ``Config.fromfile`` with errors that name the bad
input (syntax errors with file and line, ``--cfg-options`` text where a number belongs), the
whole config checked (:func:`~tokenpose_mm.engine.check_config`), and the datasets' default
metainfo named by MMPose's installed path."""
import os.path as osp
import re
from typing import Any, Optional

from mmengine.config import Config

from ..engine.config_check import ConfigError, check_config
from ..utils.config_files import resolve_config

__all__ = ['ConfigError', 'load_config', 'name_dataset_metainfo']


def load_config(path: str, cfg_options: Optional[dict] = None, check: bool = True) -> Config:
    """Load ``path`` (a file, or ``mmpose::...``) with MMEngine, merge ``cfg_options``, check
    the result as a whole (:func:`~tokenpose_mm.engine.check_config`, unless ``check=False``),
    and name the datasets' default metainfo by its installed path
    (:func:`name_dataset_metainfo`).

    Raises:
        ConfigError: a syntax error in the config or one of its ``_base_`` files (the message
            names the file, the line and the text), or a ``cfg_options`` value that is text where
            the config has a number or a bool (``train_cfg.max_epochs=abc``); or every
            problem :func:`~tokenpose_mm.engine.config_problems` finds, one line each.
    """
    path = resolve_config(path)
    try:
        cfg = Config.fromfile(path)
    except SyntaxError as e:  # MMEngine re-raises ast's error with the file in its message
        origin = e.__context__ if isinstance(e.__context__, SyntaxError) else e
        named = re.search(r'config file (.+?): ', str(e))
        text = f' in {origin.text.strip()!r}' if origin.text else ''
        raise ConfigError(f'syntax error in config {named.group(1) if named else path}, line '
                          f'{origin.lineno}: {origin.msg}{text}') from None
    if cfg_options:
        for key, value in cfg_options.items():
            _check_option_type(cfg, key, value)
        cfg.merge_from_dict(cfg_options)
    if check:
        check_config(cfg)
    name_dataset_metainfo(cfg)
    return cfg


def _check_option_type(cfg: Config, key: str, value: Any) -> None:
    """Refuse text where the config has a number or a bool (the run would fail much later)."""
    current: Any = cfg.to_dict()
    for part in key.split('.'):
        if not isinstance(current, dict) or part not in current:
            return  # a new key: nothing to compare with
        current = current[part]
    if isinstance(value, str) and isinstance(current, (bool, int, float)):
        raise ConfigError(f'--cfg-options {key}={value}: expected {type(current).__name__} '
                          f'(the config has {current!r}), got the text {value!r}')


def name_dataset_metainfo(cfg: Config) -> None:
    """Give each dataset of ``cfg`` that sets no ``metainfo`` (MMPose's own configs) its class
    default by MMPose's installed path, in place. The defaults name
    ``configs/_base_/datasets/<name>.py`` relative to the working directory; outside MMPose's
    repository MMPose warns on every load, then uses that very installed file."""
    import mmpose
    import mmpose.datasets  # noqa: F401  (registers the datasets)
    from mmpose.registry import DATASETS
    installed = osp.join(osp.dirname(mmpose.__file__), '.mim')
    for split in ('train', 'val', 'test'):
        dataset = (cfg.get(f'{split}_dataloader') or {}).get('dataset')
        while isinstance(dataset, dict):  # wrappers (RepeatDataset) hold theirs in 'dataset'
            kind = dataset.get('type')
            kind = DATASETS.get(kind) if isinstance(kind, str) else kind
            source = (getattr(kind, 'METAINFO', None) or {}).get('from_file')
            if ('metainfo' not in dataset and source and not osp.isfile(source)
                    and osp.isfile(osp.join(installed, source))):
                dataset['metainfo'] = dict(from_file=osp.join(installed, source))
            dataset = dataset.get('dataset')
