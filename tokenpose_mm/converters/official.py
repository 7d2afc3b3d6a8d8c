"""Official TokenPose checkpoints -> MMEngine checkpoints of our TopdownPoseEstimator.

Accepts the three files the official code writes: ``final_state.pth`` and ``model_best.pth``
(flat state dicts) and ``checkpoint.pth`` (``{'state_dict': {'module.' + key: ...}, ...}``).
The conversion is strict: every official tensor must land on exactly one of ours with the same
shape, and every tensor of ours must be filled.
"""
import re
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional, Tuple

from torch import Tensor, nn

from ..models.archs import variant_name
from ..utils import CheckpointMismatchError, check_checkpoint

# official encoder-layer parts -> ours (Residual(PreNorm(fn)) wrappers flattened)
_LAYER_PARTS = (
    ('0.fn.norm', 'norm1'),
    ('0.fn.fn.to_qkv', 'attn.qkv'),
    ('0.fn.fn.to_out.0', 'attn.proj'),
    ('1.fn.norm', 'norm2'),
    ('1.fn.fn.net.0', 'ffn.fc1'),
    ('1.fn.fn.net.3', 'ffn.fc2'),
)
# (official key pattern, our key template); the first matching rule wins.
_RULES: Tuple[Tuple[str, str], ...] = (
    # transformer stacks: T/B/S one ('transformer'), L three ('transformer1..3')
    *((r'^(?:transformer|features)\.transformer(\d?)\.layers\.(\d+)\.' + re.escape(official) +
       r'\.(.+)$', 'neck.stacks.{s}.layers.{0}.' + ours + '.{1}') for official, ours in _LAYER_PARTS),
    (r'^(?:transformer|features)\.keypoint_token$', 'neck.keypoint_tokens'),
    (r'^(?:transformer|features)\.pos_embedding$', 'neck.pos_embedding'),
    (r'^(?:transformer|features)\.patch_to_embedding\.(.+)$', 'neck.patch_embed.{0}'),
    (r'^(?:transformer|features)\.mlp_head\.(\d+)\.(.+)$', 'head.mlp.{0}.{1}'),
    # front-ends: HRNet under 'pre_feature', the S stem under 'features'
    (r'^pre_feature\.(.+)$', 'backbone.{0}'),
    (r'^features\.((?:conv|bn)[12]\..+|layer1\..+)$', 'backbone.{0}'),
)


def official_state_dict(checkpoint: Mapping) -> Dict[str, Tensor]:
    """The flat official state dict of any official checkpoint file's content."""
    if not isinstance(checkpoint, Mapping):
        raise CheckpointMismatchError(
            f'an official TokenPose checkpoint is a dict, got {type(checkpoint).__name__}')
    if 'state_dict' in checkpoint and isinstance(checkpoint['state_dict'], Mapping):
        state = checkpoint['state_dict']  # checkpoint.pth
    else:
        state = checkpoint  # final_state.pth / model_best.pth
    if not state or not all(isinstance(v, Tensor) for v in state.values()):
        raise CheckpointMismatchError('no state dict of tensors found in the checkpoint '
                                      f'(top-level keys: {list(checkpoint)[:8]})')
    if all(k.startswith('module.') for k in state):
        state = {k[len('module.'):]: v for k, v in state.items()}
    return dict(state)


def rename_official_key(key: str) -> str:
    """Our key for one official key; KeyError when no rule knows it."""
    for pattern, template in _RULES:
        m = re.match(pattern, key)
        if m:
            groups = list(m.groups())
            stack = 0
            if template.startswith('neck.stacks'):
                stack = int(groups.pop(0) or 1) - 1  # '' (single) or '1'..'3'
            return template.format(*groups, s=stack)
    raise KeyError(key)


def convert_official_state_dict(official: Mapping[str, Tensor], model: nn.Module,
                                arch: str = '') -> 'OrderedDict[str, Tensor]':
    """Map an official state dict onto ``model`` (a TopdownPoseEstimator of ours), strictly.

    Floating tensors are stored as float32 (official files may hold float16).

    Raises:
        CheckpointMismatchError: naming every unknown, missing, unexpected, mis-shaped,
            wrongly typed or non-finite tensor and the arch that was expected
            (:func:`~tokenpose_mm.utils.check_checkpoint`).
    """
    renamed: Dict[str, Tensor] = {}
    unknown: List[str] = []
    for key, value in official.items():
        try:
            renamed[rename_official_key(key)] = value
        except KeyError:
            unknown.append(key)
    extra = [f'unknown official keys: {", ".join(unknown[:6])}' +
             (f', ... ({len(unknown)} in all)' if len(unknown) > 6 else '')] if unknown else []
    check_checkpoint(renamed, model, 'the official checkpoint', None,
                     f'model of arch {arch or "?"!r}', extra)
    return OrderedDict((k, renamed[k].float() if renamed[k].is_floating_point() else renamed[k])
                       for k in model.state_dict())


def check_distinct_output(src: str, dst: str, config: Optional[str] = None) -> None:
    """Refuse to write ``dst`` over ``src`` or ``config`` (the same path, a link to it or a
    hard link), through a symlink, or onto a folder
    (:func:`~tokenpose_mm.utils.outputs.check_output_file`).

    Raises:
        OutputError: a ``ValueError`` naming both paths.
    """
    from ..utils import check_output_file
    check_output_file(dst, [src, config], 'the output')


def convert_official_checkpoint(src: str, config: str, dst: str,
                                cfg_options: Optional[dict] = None) -> nn.Module:
    """Convert the official checkpoint file ``src`` for the model of ``config``; save an
    MMEngine checkpoint at ``dst`` and return the model with the weights loaded.

    The official file is read weights-only (it holds tensors and plain containers only).
    Raises ValueError when ``dst`` is ``src`` (:func:`check_distinct_output`).
    """
    from mmengine.runner import save_checkpoint
    from mmpose.apis import init_model

    from ..utils import load_checkpoint_file, replacing

    check_distinct_output(src, dst, config)
    model = init_model(config, None, device='cpu', cfg_options=cfg_options)
    arch = variant_name(model.cfg.model) or '?'
    state = convert_official_state_dict(official_state_dict(load_checkpoint_file(src)), model, arch)
    model.load_state_dict(state, strict=True)
    with replacing(dst, 'the output') as partial:  # atomic: never a half-written dst
        save_checkpoint({'meta': {'converted_from': src, 'arch': arch}, 'state_dict': state},
                        partial)
    return model
