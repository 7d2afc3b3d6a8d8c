"""Config loading and command-line merging shared by ``tools/train.py``, ``tools/test.py`` and
the main job. Mirrors MMPose's own tools, with errors that name the bad input."""
import os
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.utils import get_installed_path


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
    the datasets' default metainfo by its installed path (:func:`name_dataset_metainfo`)."""
    cfg = Config.fromfile(resolve_config(path))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    name_dataset_metainfo(cfg)
    return cfg


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
    """CLI > ``work_dir`` in the file > ``./work_dirs/<config name>``, as MMPose."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])


def set_launcher(cfg: Config, launcher: str) -> None:
    """Record the launcher. Without CUDA, distributed runs use gloo and CPU DDP, and the process
    group of torch's launcher is started here: MMEngine's ``init_dist`` would call
    ``torch.cuda.set_device`` first, which fails on a CPU-only machine (the Runner then finds
    the group already initialised)."""
    cfg.launcher = launcher
    os.environ.setdefault('LOCAL_RANK', '0')
    if launcher == 'none' or torch.cuda.is_available():
        return
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    # DDP takes no device ids for CPU modules (MMEngine passes [LOCAL_RANK] unless told)
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False)
    wrapper.setdefault('device_ids', None)
    cfg.model_wrapper_cfg = wrapper
    if launcher == 'pytorch' and not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend='gloo')


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


def close_distributed() -> None:
    """Wait for every process, then destroy the process group. Left to interpreter exit, gloo's
    threads can abort the process ("terminate called without an active exception")."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()


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
