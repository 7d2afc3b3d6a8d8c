"""Pose weights loaded strictly and safely: the one loading path of the inferencer, the demo,
ONNX export and attention maps."""
import os.path as osp
from typing import Mapping, Optional

from mmpose.apis import init_model
from mmpose.apis.inference import dataset_meta_from_config
from torch import nn

from ..utils import check_checkpoint, load_checkpoint_file, resolve_config
from .arguments import check_cfg_options


def load_pose_weights(model: nn.Module, checkpoint: Mapping, source: str) -> None:
    """Load a checkpoint (already read) into an MMPose pose model built from its config, in
    place: checked against the model and the config's dataset metainfo
    (:func:`~tokenpose_mm.utils.check_checkpoint`: another variant, missing layers, non-float or
    NaN tensors, a contradicting ``dataset_meta`` are refused with the list of problems), then
    ``load_state_dict(strict=True)``. ``model.dataset_meta`` is the config's; the checkpoint's
    (checked) only when the config has none.

    Args:
        model (nn.Module): Built from ``model.cfg``.
        checkpoint (Mapping): A state dict, or a dict with ``state_dict`` and ``meta``.
        source (str): What to call the checkpoint in errors (``"the checkpoint '<path>'"``).
    """
    expected = dataset_meta_from_config(model.cfg, 'train')
    state = check_checkpoint(checkpoint, model, source, expected)
    model.load_state_dict(state, strict=True)
    meta = checkpoint.get('meta')
    if expected is None and isinstance(meta, Mapping) and meta.get('dataset_meta'):
        expected = meta['dataset_meta']
    if expected is not None:
        model.dataset_meta = expected


def init_pose_model(config: str, checkpoint: Optional[str] = None, device: str = 'cpu',
                    cfg_options: Optional[dict] = None) -> nn.Module:
    """MMPose's ``init_model`` with the strict, safe loading every tool uses: the file is read
    weights-only and size-bounded (:func:`~tokenpose_mm.utils.load_checkpoint_file`), then
    :func:`load_pose_weights`.

    Args:
        config (str): Pose config (a path or ``mmpose::...``).
        checkpoint (str, optional): Checkpoint file; None: random weights.
        device (str): ``'cpu'``, ``'cuda:0'``, ...
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        nn.Module: the model in eval mode, with ``cfg`` and ``dataset_meta``.
    """
    cfg_options = check_cfg_options(cfg_options)
    config = resolve_config(config, 'pose config')
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'pose checkpoint not found: {checkpoint!r}')
    model = init_model(config, None, device=device, cfg_options=cfg_options)
    if checkpoint is not None:
        load_pose_weights(model, load_checkpoint_file(checkpoint), f'the checkpoint {checkpoint!r}')
    return model
