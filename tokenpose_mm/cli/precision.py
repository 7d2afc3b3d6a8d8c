"""``--amp``: MMEngine's mixed-precision optimizer wrapper, refused clearly where it cannot run."""
import torch
from mmengine.config import Config


def enable_amp(cfg: Config) -> None:
    """Switch the optimizer wrapper to MMEngine's AmpOptimWrapper (float16 autocast with dynamic
    loss scaling), as MMPose's ``--amp``. It needs an accelerator: on a CPU-only machine this is
    a clear error instead of MMEngine's assertion deep inside the runner."""
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
        raise ValueError(f'--amp needs OptimWrapper or AmpOptimWrapper, the config uses '
                         f'{wrapper!r}')
    if not torch.cuda.is_available():
        raise RuntimeError('--amp uses MMEngine\'s AmpOptimWrapper, which needs a GPU; none is '
                           'available (bfloat16 inference on CPU: see benchmarks/)')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
