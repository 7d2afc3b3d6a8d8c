"""The tools check annotation files before MMPose loads them: the check lives in
:mod:`tokenpose_mm.engine.annotation_check` (``ConfigCheckHook`` runs it too, for MMPose's
own tools); here it is run by the tools, which then tell the hook that it was done."""
from typing import Sequence

from mmengine.config import Config

from ..engine.annotation_check import check_annotation_files as _check_files


def check_annotation_files(cfg: Config, splits: Sequence[str] = ('train', 'val', 'test')) -> None:
    """:func:`tokenpose_mm.engine.check_annotation_files` of ``splits``, then a
    ``ConfigCheckHook`` with ``annotations=False`` in ``cfg.custom_hooks`` (the config is still
    checked in ``before_run``; the files are not parsed a second time)."""
    _check_files(cfg, splits)
    hooks = list(cfg.get('custom_hooks', None) or [])
    ours = [h for h in hooks if isinstance(h, dict) and h.get('type') == 'ConfigCheckHook']
    for hook in ours:
        hook['annotations'] = False
    cfg.custom_hooks = hooks if ours else [dict(type='ConfigCheckHook', annotations=False),
                                           *hooks]
