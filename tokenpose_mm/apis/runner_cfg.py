"""Config loading and command-line merging shared by ``tools/train.py``, ``tools/test.py`` and
the main job. Mirrors MMPose's own tools, with errors that name the bad input:

- :func:`load_config`: syntax errors with file and line, ``--cfg-options`` text for numbers;
- :class:`CfgOptionsAction`: malformed ``KEY=VALUE`` items as argparse errors;
- :func:`check_output_dir`, :func:`check_device`: work/out dirs that are files or read-only,
  devices that are not there;
- :func:`check_annotation_files`: annotation files that are not JSON or have keypoint arrays of
  the wrong length, before MMPose loads them;
- :func:`run_cli`: a tool's bad-input errors as one ``error:`` line and exit status 1.
"""
import argparse
import json
import os
import os.path as osp
import re
import sys
import tempfile
from typing import Any, Callable, Iterator, Optional, Sequence, Tuple

import torch
from mmengine.config import Config, DictAction
from mmengine.utils import get_installed_path

# close_distributed: re-exported for the tools' ``finally`` (never waits after a failure)
from ..engine.distributed import close_distributed, init_distributed, on_rank_zero  # noqa: F401


class ConfigError(ValueError):
    """A config file, a ``--cfg-options`` item or a file it names that cannot be used."""


def resolve_config(config: str, what: str = 'config') -> str:
    """The file behind ``config``: a path, or ``package::relative/path.py`` inside an installed
    OpenMMLab package's configs (``mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py``) or its other
    installed files (``mmpose::demo/mmdetection_cfg/rtmdet_m_640-8xb32_coco-person.py``)."""
    if '::' in config:
        package, _, rel = config.partition('::')
        try:
            root = get_installed_path(package)
        except Exception as e:  # not installed
            raise FileNotFoundError(
                f'{what} {config!r}: package {package!r} is not installed') from e
        # the package's configs, else its other installed files (mmpose::demo/mmdetection_cfg/...)
        for folder in (osp.join(root, '.mim', 'configs'), osp.join(root, 'configs'),
                       osp.join(root, '.mim')):
            if osp.isfile(osp.join(folder, rel)):
                return osp.join(folder, rel)
        raise FileNotFoundError(f'{what} not found: {config!r} (no {rel!r} in the configs of '
                                f'{package!r})')
    if not osp.isfile(config):
        raise FileNotFoundError(f'{what} not found: {config!r}')
    return config


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Load ``path`` (a file, or ``mmpose::...``) with MMEngine, merge ``cfg_options``, and name
    the datasets' default metainfo by its installed path (:func:`name_dataset_metainfo`).

    Raises:
        ConfigError: a syntax error in the config or one of its ``_base_`` files (the message
            names the file, the line and the text), or a ``cfg_options`` value that is text where
            the config has a number or a bool (``train_cfg.max_epochs=abc``).
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


class CfgOptionsAction(DictAction):
    """MMEngine's ``DictAction`` (``KEY=VALUE`` items, lists as ``[a,b]``) with an argparse error
    naming the malformed item instead of a traceback (``k``, ``=1``, ``k=[1,2``)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        for item in values:
            key, equals, value = item.partition('=')
            if not equals or not key:
                raise argparse.ArgumentError(self, f'{item!r} is not KEY=VALUE '
                                             '(e.g. train_cfg.max_epochs=10)')
            if value.count('(') != value.count(')') or value.count('[') != value.count(']'):
                raise argparse.ArgumentError(self, f'{item!r}: unbalanced brackets in {value!r}')
        super().__call__(parser, namespace, values, option_string)


def check_output_dir(path: str, what: str = 'work dir') -> None:
    """Raise a clear error unless ``path`` is, or can be created as, a writable folder.

    Raises:
        NotADirectoryError: ``path`` (or a parent) is a file.
        PermissionError: files cannot be created there (read-only folder or file system).
    """
    if osp.exists(path) and not osp.isdir(path):
        raise NotADirectoryError(f'{what} {path!r} is a file; expected a folder')
    existing = osp.abspath(path)
    while not osp.exists(existing):
        existing = osp.dirname(existing)
    if not osp.isdir(existing):
        raise NotADirectoryError(f'{what} {path!r} cannot be created: {existing!r} is a file')
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as e:
        raise PermissionError(f'{what} {path!r} is not writable: cannot create files in '
                              f'{existing!r} ({e.strerror}); choose another folder') from None


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


def set_work_dir(cfg: Config, config_path: str, work_dir: Optional[str]) -> None:
    """CLI > ``work_dir`` in the file > ``./work_dirs/<config name>``, as MMPose; checked to be a
    writable folder (:func:`check_output_dir`)."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])
    check_output_dir(cfg.work_dir, 'work dir')


def check_device(device: str) -> None:
    """Raise ``ValueError`` when ``device`` (``'cpu'``, ``'cuda'``, ``'cuda:N'``) is not usable
    here, instead of torch's error at the first tensor moved there."""
    try:
        parsed = torch.device(device)
    except RuntimeError as e:
        raise ValueError(f'--device {device!r} is not a device name (expected cpu, cuda or '
                         f'cuda:N): {e}') from None
    if parsed.type != 'cuda':
        return
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        raise ValueError(f'--device {device!r}: CUDA is not available on this machine (no GPU '
                         'visible to torch); use --device cpu')
    if parsed.index is not None and parsed.index >= count:
        raise ValueError(f'--device {device!r}: only {count} CUDA device(s) are visible '
                         f'(cuda:0 to cuda:{count - 1})')


def set_launcher(cfg: Config, launcher: str) -> None:
    """Record the launcher and start its process group
    (:func:`~tokenpose_mm.engine.distributed.init_distributed`; the Runner then finds it
    started). Without CUDA, distributed runs use gloo and CPU DDP."""
    cfg.launcher = launcher
    os.environ.setdefault('LOCAL_RANK', '0')
    if launcher == 'none':
        return
    if not torch.cuda.is_available():
        dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
        dist_cfg['backend'] = 'gloo'
        # DDP takes no device ids for CPU modules (MMEngine passes [LOCAL_RANK] unless told)
        wrapper = cfg.get('model_wrapper_cfg') or dict(
            type='MMDistributedDataParallel', broadcast_buffers=False)
        wrapper.setdefault('device_ids', None)
        cfg.model_wrapper_cfg = wrapper
    init_distributed(cfg)  # now, so that the checks before the Runner agree across ranks


def enable_amp(cfg: Config) -> None:
    """Switch the optimizer wrapper to MMEngine's AmpOptimWrapper (float16 autocast with dynamic
    loss scaling), as MMPose's ``--amp``. It needs an accelerator: on a CPU-only machine this is
    a clear error instead of MMEngine's assertion deep inside the runner."""
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
        raise ValueError(f'--amp needs OptimWrapper or AmpOptimWrapper, the config uses {wrapper!r}')
    if not torch.cuda.is_available():
        raise RuntimeError('--amp uses MMEngine\'s AmpOptimWrapper, which needs a GPU; none is '
                           'available (bfloat16 inference on CPU: see benchmarks/)')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')


# -------------------------------------------------------------------------- annotations
def _dataset_cfgs(cfg: Config, splits: Sequence[str]) -> Iterator[Tuple[str, dict]]:
    """(split, dataset config) of each named dataloader that is set, wrappers unwrapped."""
    for split in splits:
        loader = cfg.get(f'{split}_dataloader', None)
        stack = [loader.get('dataset')] if loader else []
        while stack:
            dataset = stack.pop()
            if isinstance(dataset, dict) and 'ann_file' in dataset:
                yield split, dataset
            elif isinstance(dataset, dict):
                stack += [dataset.get('dataset')] + list(dataset.get('datasets') or [])


def _read_json(path: str, what: str) -> Any:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} not found: {path!r}')
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise ConfigError(f'{what} {path!r} is not JSON: {e.msg} at line {e.lineno}, column '
                          f'{e.colno}') from None
    except UnicodeDecodeError as e:
        raise ConfigError(f'{what} {path!r} is not JSON (not UTF-8 text: {e.reason})') from None


def _keypoint_problem(ann: Any, num_keypoints: int) -> Optional[str]:
    """What is wrong with one COCO-style (``keypoints``: 3K numbers) or MPII-style (``joints``:
    K pairs) annotation; None when it fits."""
    if not isinstance(ann, dict):
        return f'is a {type(ann).__name__}, expected an object'
    if 'keypoints' in ann:
        values, expected = ann['keypoints'], 3 * num_keypoints
        shape = f'{expected} numbers (x, y, visibility for {num_keypoints} keypoints)'
    elif 'joints' in ann:
        values, expected = ann['joints'], num_keypoints
        shape = f'{expected} [x, y] pairs'
    else:
        return None  # no keypoints: MMPose skips the annotation
    if not isinstance(values, list) or len(values) != expected:
        got = len(values) if isinstance(values, list) else type(values).__name__
        return f'has {got} keypoint values, expected {shape}'
    return None


def check_annotation_files(cfg: Config, splits: Sequence[str] = ('train', 'val', 'test')) -> None:
    """Check the annotation files of the datasets of ``splits`` before MMPose loads them, on
    rank 0 only; in a distributed run every rank raises rank 0's error
    (:func:`~tokenpose_mm.engine.distributed.on_rank_zero`).

    Each dataset with a ``.json`` ``ann_file`` is built through MMPose's registry without loading its data (``lazy_init``) for
    its resolved ``ann_file`` and ``num_keypoints``; the file must be JSON, and every COCO-style
    ``keypoints`` (3K numbers) or MPII-style ``joints`` (K pairs) must have K keypoints. The file
    is parsed once more than MMPose does (seconds for COCO train2017).

    Raises:
        FileNotFoundError: an annotation file does not exist.
        ConfigError: not JSON (line and column named), or an annotation (named by its ``id``, or
            its index and image) with the wrong number of keypoint values.
    """
    on_rank_zero(_check_annotation_files, cfg, splits)


def _check_annotation_files(cfg: Config, splits: Sequence[str]) -> None:
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    for split, dataset_cfg in _dataset_cfgs(cfg, splits):
        if not str(dataset_cfg['ann_file']).lower().endswith('.json'):
            continue  # other formats (.npz, ...) are read by their own datasets
        dataset = DATASETS.build({**dataset_cfg, 'lazy_init': True, 'pipeline': []})
        num_keypoints = dataset.metainfo.get('num_keypoints')
        what = f'{split} annotation file'
        data = _read_json(dataset.ann_file, what)
        if num_keypoints is None:
            continue
        anns = data.get('annotations', []) if isinstance(data, dict) else data
        for i, ann in enumerate(anns if isinstance(anns, list) else []):
            problem = _keypoint_problem(ann, int(num_keypoints))
            if problem:
                raise ConfigError(f'{what} {dataset.ann_file!r}: {_annotation_name(ann, i)} '
                                  f'{problem} ({type(dataset).__name__} '
                                  f'{dataset.metainfo.get("dataset_name")!r})')


def _annotation_name(ann: Any, index: int) -> str:
    """``annotation id N`` (COCO), else ``annotation <index>`` and its image (MPII)."""
    if isinstance(ann, dict) and 'id' in ann:
        return f'annotation id {ann["id"]}'
    image = f' (image {ann["image"]!r})' if isinstance(ann, dict) and 'image' in ann else ''
    return f'annotation {index}{image}'


# ------------------------------------------------------------------------------- tools
# errors that are about the user's input: a tool prints them in one line instead of a traceback
USER_ERRORS = (ValueError, KeyError, TypeError, OSError, FloatingPointError)


def run_cli(main: Callable[[], Any]) -> int:
    """Run a tool's ``main``; a bad input (:data:`USER_ERRORS`, ``WorkDirInUseError``) is printed
    as ``error: <Type>: <message>`` with exit status 1 instead of a traceback.
    ``TOKENPOSE_MM_TRACEBACK=1`` shows the traceback."""
    from ..engine.work_dir_lock import WorkDirInUseError
    try:
        result = main()
    except (*USER_ERRORS, WorkDirInUseError) as e:
        if os.environ.get('TOKENPOSE_MM_TRACEBACK'):
            raise
        message = str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)
        print(f'error: {type(e).__name__}: {message}', file=sys.stderr)
        return 1
    return result if isinstance(result, int) else 0


def add_test_outputs(cfg: Config, show_dir: Optional[str] = None, show: bool = False,
                     interval: int = 1, wait_time: float = 1., dump: Optional[str] = None,
                     badcase: bool = False) -> None:
    """MMPose's ``tools/test.py`` outputs, through MMPose's own hooks and metric:
    ``PoseVisualizationHook`` draws predictions into ``WORK_DIR/TIMESTAMP/<show_dir>`` (or a
    window), ``BadCaseAnalysisHook`` draws the worst samples (``WORK_DIR/TIMESTAMP/badcase``),
    ``DumpResults`` pickles every prediction to ``dump``. Errors name the missing piece."""
    if interval < 1:
        raise ValueError(f'--interval must be >= 1, got {interval}')
    hooks = cfg.get('default_hooks') or {}
    wanted = dict(visualization=(show and not badcase) or show_dir is not None,
                  badcase=badcase)
    for name, hook_type in (('visualization', 'PoseVisualizationHook'),
                            ('badcase', 'BadCaseAnalysisHook')):
        if wanted[name] and name not in hooks:
            raise ValueError(f'the config has no default_hooks.{name}; add '
                             f'default_hooks = dict({name}=dict(type={hook_type!r})) '
                             "(MMPose's default_runtime.py has it)")
    if wanted['visualization']:
        vis = hooks['visualization']
        vis.update(enable=True, show=show and not badcase, out_dir=show_dir, interval=interval)
        if show:
            vis.wait_time = wait_time
    if badcase:
        bad = hooks['badcase']
        bad.update(enable=True, show=show, interval=interval)
        if show:
            bad.wait_time = wait_time
        metric_type = bad.get('metric_type', 'loss')
        if metric_type not in ('loss', 'accuracy'):
            raise ValueError("default_hooks.badcase.metric_type must be 'loss' or 'accuracy', "
                             f'got {metric_type!r}')
        if not bad.get('metric'):
            bad.metric = cfg.model.head.loss if metric_type == 'loss' else cfg.test_evaluator
    if dump is not None:
        if not dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump writes a pickle file (.pkl or .pickle), got {dump!r}')
        evaluators = cfg.test_evaluator
        cfg.test_evaluator = [*(evaluators if isinstance(evaluators, (list, tuple))
                                else [evaluators]),
                              dict(type='DumpResults', out_file_path=dump)]
