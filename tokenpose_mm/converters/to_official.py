"""Our checkpoints -> the official TokenPose layout (``final_state.pth``: a flat state dict).

The inverse of :mod:`.official`: the neck and head go under ``transformer.`` (T, B, L; the L
stacks as ``transformer1..3``) or ``features.`` (S, with the stem), the HRNet front-end under
``pre_feature.``; the encoder layers get the official ``Residual(PreNorm(...))`` names. The
layout follows from our keys (three stacks: L; ``backbone.stage2``: HRNet; other backbone keys:
the S stem; none: T). Every key of ours must have an official name, and the result must convert
back onto the model key for key, or nothing is written.
"""
import os
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, Mapping, Optional

from torch import Tensor

from ..utils import CheckpointMismatchError
from .official import _LAYER_PARTS, check_distinct_output, rename_official_key

_OUR_PARTS = {ours: official for official, ours in _LAYER_PARTS}
_LAYER = re.compile(r'^neck\.stacks\.(\d+)\.layers\.(\d+)\.(' +
                    '|'.join(re.escape(p) for p in _OUR_PARTS) + r')\.(.+)$')
_NECK = (('neck.keypoint_tokens', 'keypoint_token'), ('neck.pos_embedding', 'pos_embedding'),
         ('neck.patch_embed.', 'patch_to_embedding.'), ('head.mlp.', 'mlp_head.'))


def official_layout(state: Mapping[str, Tensor]) -> Dict[str, object]:
    """``{'neck': 'transformer' | 'features', 'backbone': 'pre_feature' | 'features' | None,
    'stacks': n}`` of the official model that ``state`` (our keys) corresponds to."""
    stacks = {int(m.group(1)) for m in map(_LAYER.match, state) if m}
    backbone = [k for k in state if k.startswith('backbone.')]
    front = (None if not backbone else
             'pre_feature' if any(k.startswith('backbone.stage2.') for k in backbone) else
             'features')
    return dict(neck='features' if front == 'features' else 'transformer',
                backbone=front, stacks=max(stacks, default=0) + 1)


def official_key(key: str, layout: Mapping[str, object]) -> str:
    """The official name of our ``key`` in ``layout``; KeyError when there is none."""
    neck = layout['neck']
    m = _LAYER.match(key)
    if m:
        stack, layer, part, rest = m.groups()
        number = '' if layout['stacks'] == 1 else str(int(stack) + 1)
        return f'{neck}.transformer{number}.layers.{layer}.{_OUR_PARTS[part]}.{rest}'
    for ours, official in _NECK:
        if key == ours or (ours.endswith('.') and key.startswith(ours)):
            return f'{neck}.{official}{key[len(ours):]}'
    if key.startswith('backbone.') and layout['backbone']:
        return f'{layout["backbone"]}.{key[len("backbone."):]}'
    raise KeyError(key)


def to_official_state_dict(state: Mapping[str, Tensor]) -> 'OrderedDict[str, Tensor]':
    """Our state dict (``backbone.``/``neck.``/``head.`` keys) -> the official flat state dict.

    Raises:
        CheckpointMismatchError: keys with no official name (listed), or a result that would not
            convert back onto the same keys.
    """
    layout = official_layout(state)
    out: 'OrderedDict[str, Tensor]' = OrderedDict()
    unknown = []
    for key, value in state.items():
        try:
            out[official_key(key, layout)] = value
        except KeyError:
            unknown.append(key)
    if unknown:
        raise CheckpointMismatchError(
            f'no official TokenPose name for {len(unknown)} tensors of the checkpoint: '
            f'{", ".join(unknown[:6])}{", ..." if len(unknown) > 6 else ""}')
    back = {rename_official_key(k): k for k in out}
    if set(back) != set(state):
        raise CheckpointMismatchError('the official layout does not convert back onto the '
                                      f'same keys: {sorted(set(back) ^ set(state))[:6]}')
    return out


def convert_to_official_checkpoint(
        src: str, config: str, dst: str,
        cfg_options: Optional[dict] = None) -> 'OrderedDict[str, Tensor]':
    """Convert our checkpoint ``src`` (checked strictly against the model of ``config``) into
    the official layout and save it at ``dst`` (atomically) as the official ``final_state.pth``.

    Returns the official state dict. Raises CheckpointError/CheckpointMismatchError for a
    checkpoint that does not fit the config, ValueError when ``dst`` is ``src``.
    """
    import io

    import torch
    from mmpose.apis import init_model

    from ..utils import atomic_write, check_checkpoint, load_checkpoint_file

    check_distinct_output(src, dst, config)
    model = init_model(config, None, device='cpu', cfg_options=cfg_options)
    state = check_checkpoint(load_checkpoint_file(src), model, f'the checkpoint {src!r}')
    official = to_official_state_dict(OrderedDict((k, state[k]) for k in model.state_dict()))
    buffer = io.BytesIO()
    torch.save(official, buffer)
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    atomic_write(dst, buffer.getvalue())
    return official
