"""Pose models and synthetic workloads for benchmarks: inference forward and a training step.

Models are MMPose ``TopdownPoseEstimator`` built by :func:`mmpose.apis.init_model` from any
config (ours, or ``mmpose::...``) with every pretrained ``init_cfg`` removed, so nothing is
downloaded. Workloads feed already-normalized (B, 3, H, W) inputs, bypassing the data
preprocessor, so that only the network is timed.
"""
import logging
from contextlib import contextmanager, nullcontext
from typing import Callable, List, Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.structures import InstanceData, PixelData
from torch import Tensor, nn

from tokenpose_mm.cli import load_config

PRECISIONS = ('fp32', 'bf16', 'fp16')


def parse_device(device: str) -> torch.device:
    """``'cpu'``, ``'cuda'`` or ``'cuda:N'`` -> device; a clear error when CUDA is missing."""
    dev = torch.device(device)
    if dev.type not in ('cpu', 'cuda'):
        raise ValueError(f"device must be 'cpu' or 'cuda[:N]', got {device!r}")
    if dev.type == 'cuda' and not torch.cuda.is_available():
        raise ValueError(f'device={device!r} asked for, but torch.cuda.is_available() is False')
    return dev


def autocast(precision: str, device: torch.device):
    """The autocast context of ``precision`` (``fp32``: none)."""
    if precision not in PRECISIONS:
        raise ValueError(f'unknown precision {precision!r}; expected one of {PRECISIONS}')
    if precision == 'fp32':
        return nullcontext()
    dtype = torch.bfloat16 if precision == 'bf16' else torch.float16
    return torch.autocast(device.type, dtype=dtype)


def _drop_pretrained(cfg) -> None:
    """Remove every ``init_cfg`` of type ``Pretrained`` in a config tree, in place."""
    if isinstance(cfg, dict):
        init = cfg.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            cfg['init_cfg'] = None
        elif isinstance(init, list):
            cfg['init_cfg'] = [c for c in init if not (isinstance(c, dict)
                                                       and c.get('type') == 'Pretrained')] or None
        for value in cfg.values():
            _drop_pretrained(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            _drop_pretrained(value)


def load_benchmark_config(config: str, cfg_options: Optional[dict] = None) -> Config:
    """Load ``config`` (file or ``mmpose::...``), merge ``cfg_options``, drop pretrained weights.

    Raises:
        FileNotFoundError: ``config`` is neither an existing file nor an ``mmpose::`` name.
    """
    cfg = load_config(config, cfg_options)
    _drop_pretrained(cfg.model)
    return cfg


def build_pose_model(config: str, device: torch.device, cfg_options: Optional[dict] = None,
                     init_weights: bool = True) -> nn.Module:
    """A pose estimator from ``config`` on ``device`` (random weights, nothing downloaded).

    ``init_weights`` applies the config's own initialization (``init_model`` alone leaves
    PyTorch's defaults), which gives the activations a trained-like scale.
    """
    from mmpose.apis import init_model
    import tokenpose_mm  # noqa: F401  (registers our modules for configs without custom_imports)
    cfg = load_benchmark_config(config, cfg_options)
    _check_scoped_packages(cfg.model, config)
    model = init_model(cfg, None, device=str(device))
    if init_weights:
        with quiet_logger():
            model.init_weights()
    return model.eval()


def _check_scoped_packages(model_cfg, config: str) -> None:
    """A clear error when a module type names another OpenMMLab package that is not installed
    (MMPose's ViTPose configs use ``mmpretrain.VisionTransformer``)."""
    import importlib.util
    for part in ('backbone', 'neck', 'head'):
        type_name = str((model_cfg.get(part) or {}).get('type', ''))
        scope = type_name.split('.', 1)[0] if '.' in type_name else None
        if scope and importlib.util.find_spec(scope) is None:
            raise ImportError(f'{config} builds its {part} as {type_name!r}, which needs the '
                              f'package {scope!r} (not installed; not part of '
                              f'requirements/stack.txt): `mim install {scope}` to measure it')


@contextmanager
def quiet_logger(level: int = logging.WARNING):
    """MMEngine's current logger at ``level`` within the block (``init_weights`` logs every
    parameter's initializer at INFO)."""
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    old = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(old)


def input_shape(model: nn.Module) -> Tuple[int, int, int]:
    """(3, H, W) of the model's input, from its codec (``decoder.input_size`` is (w, h))."""
    decoder = getattr(getattr(model, 'head', None), 'decoder', None)
    if decoder is None or not hasattr(decoder, 'input_size'):
        raise ValueError(f'{type(model).__name__} has no head.decoder with an input_size')
    w, h = decoder.input_size
    return 3, h, w


def synthetic_inputs(model: nn.Module, batch: int, device: torch.device,
                     seed: int = 0) -> Tensor:
    """(batch, 3, H, W) normalized random images."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, *input_shape(model), generator=generator).to(device)


def synthetic_data_samples(model: nn.Module, batch: int, device: torch.device,
                           seed: int = 0) -> List:
    """``batch`` PoseDataSamples with (K, h, w) Gaussian-like heatmap targets and all-ones
    keypoint weights, as MMPose's ``GenerateTarget`` would pack them for a heatmap head."""
    from mmpose.structures import PoseDataSample
    decoder = model.head.decoder
    w, h = decoder.heatmap_size
    num_keypoints = model.head.out_channels
    generator = torch.Generator().manual_seed(seed)
    ys = torch.arange(h, dtype=torch.float32)[:, None]
    xs = torch.arange(w, dtype=torch.float32)[None]
    samples = []
    for _ in range(batch):
        centers = torch.rand(num_keypoints, 2, generator=generator) * torch.tensor([w, h])
        heatmaps = torch.exp(-((xs[None] - centers[:, 0, None, None])**2 +
                               (ys[None] - centers[:, 1, None, None])**2) / 8.)  # sigma 2
        sample = PoseDataSample(metainfo=dict(input_size=decoder.input_size))
        sample.gt_fields = PixelData(heatmaps=heatmaps.to(device))
        sample.gt_instance_labels = InstanceData(
            keypoint_weights=torch.ones(1, num_keypoints, device=device))
        samples.append(sample)
    return samples


def forward_fn(model: nn.Module, inputs: Tensor, precision: str,
               device: torch.device) -> Callable[[], Tensor]:
    """Inference: ``model(inputs, mode='tensor')`` under ``no_grad`` and ``precision``."""

    def run() -> Tensor:
        with torch.no_grad(), autocast(precision, device):
            return model(inputs, None, mode='tensor')

    return run


def train_step_fn(model: nn.Module, inputs: Tensor, data_samples: List, precision: str,
                  device: torch.device, lr: float = 1e-3) -> Callable[[], Tensor]:
    """A training step: forward, MMPose's loss (``mode='loss'``), backward, Adam step.

    The accuracy that heads log during training (``compute_acc``) is switched off: it goes
    through numpy and is not part of the optimization.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=lr)
    model.train_cfg = dict(getattr(model, 'train_cfg', None) or {}, compute_acc=False)

    def run() -> Tensor:
        optimizer.zero_grad(set_to_none=True)
        with autocast(precision, device):
            losses = model(inputs, data_samples, mode='loss')
        loss, _ = model.parse_losses(losses)
        loss.backward()
        optimizer.step()
        return loss.detach()

    return run


def complexity(model: nn.Module):
    """:func:`tokenpose_mm.analysis.model_complexity` of a pose estimator at its own input size."""
    from tokenpose_mm.analysis import model_complexity
    return model_complexity(model, input_shape(model))
