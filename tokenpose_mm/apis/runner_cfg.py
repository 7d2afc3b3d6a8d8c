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
    """Load ``path`` (a file, or ``mmpose::...``) with MMEngine, then merge ``cfg_options``."""
    cfg = Config.fromfile(resolve_config(path))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


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
