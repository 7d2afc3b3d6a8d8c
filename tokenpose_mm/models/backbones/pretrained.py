"""Loading the stem..stage3 weights of an MMPose HRNet checkpoint into a truncated front-end."""
from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Tuple

from torch import Tensor, nn

from ...utils import CheckpointError, load_checkpoint_file


@dataclass(frozen=True)
class PretrainedReport:
    """What :func:`load_hrnet_weights` did with each tensor name."""
    checkpoint: str
    prefix: str  # taken off the checkpoint's names ('backbone.' of a whole pose model, or '')
    loaded: Tuple[str, ...]  # model tensors set from the checkpoint
    skipped: Tuple[str, ...]  # checkpoint tensors the front-end has no place for
    missing: Tuple[str, ...]  # model tensors the checkpoint lacks (they keep their init)

    def summary(self) -> str:
        """Counts per top-level module, with a few names of what was skipped or missing."""
        source = f'the {self.prefix!r} tensors of ' if self.prefix else ''
        lines = [f'loaded {len(self.loaded)} tensors of the front-end from {source}'
                 f'{self.checkpoint}: {_by_module(self.loaded, examples=0)}']
        if self.skipped:
            lines.append(f'skipped {len(self.skipped)} checkpoint tensors the front-end has no '
                         f'place for: {_by_module(self.skipped)}')
        if self.missing:
            lines.append(f'missing from the checkpoint (kept their initialisation): '
                         f'{len(self.missing)} tensors: {_by_module(self.missing)}')
        return '\n'.join(lines)


def _by_module(names: Tuple[str, ...], examples: int = 2) -> str:
    groups: Dict[str, List[str]] = defaultdict(list)
    for name in names:
        groups[name.split('.')[0]].append(name)
    parts = []
    for module, keys in groups.items():
        shown = f', e.g. {", ".join(keys[:examples])}' if examples else ''
        parts.append(f'{module} ({len(keys)}{shown})')
    return '; '.join(parts) if parts else '-'


def hrnet_state_dict(checkpoint: object, path: str, prefix: Optional[str] = None
                     ) -> Tuple[Dict[str, Tensor], List[str], str]:
    """The HRNet tensors of a loaded checkpoint, the names of its other tensors, the prefix.

    Accepts ``{'state_dict': ...}`` (MMEngine) or a bare state dict; a ``module.`` prefix
    (DDP) is dropped. Of a whole pose model (``backbone.``, ``neck.``, ``head.`` ...) the
    ``backbone.`` tensors are taken, or those under ``prefix`` when given.
    """
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, Mapping) else None
    if not isinstance(state, Mapping) or not any(isinstance(v, Tensor) for v in state.values()):
        raise CheckpointError(f'{path!r} holds no state dict of tensors; expected an MMPose HRNet '
                              f"checkpoint ({{'state_dict': ...}} or a bare state dict)")
    state = {k[len('module.'):] if k.startswith('module.') else k: v
             for k, v in state.items() if isinstance(v, Tensor)}
    if prefix is None:
        prefix = 'backbone.' if any(k.startswith('backbone.') for k in state) else ''
    elif not any(k.startswith(prefix) for k in state):
        raise CheckpointError(f'no tensor of {path!r} starts with prefix {prefix!r}')
    ours = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    return ours, [k for k in state if not k.startswith(prefix)], prefix


def load_hrnet_weights(model: nn.Module, path: str, prefix: Optional[str] = None
                       ) -> PretrainedReport:
    """Copy the tensors of checkpoint ``path`` that ``model`` has, weights-only; a report.

    Raises:
        FileNotFoundError, CheckpointError: ``path`` is missing, unsafe or not a checkpoint.
        CheckpointError: a shared tensor has another shape (another HRNet width), or the
            checkpoint has none of the model's tensors.
    """
    state, others, prefix = hrnet_state_dict(load_checkpoint_file(path), path, prefix)
    own = model.state_dict()
    target = f"front-end {getattr(model, 'arch', type(model).__name__)!r}"
    shapes = [f'{k}: checkpoint {tuple(v.shape)} vs model {tuple(own[k].shape)}'
              for k, v in state.items() if k in own and v.shape != own[k].shape]
    if shapes:
        raise CheckpointError(f'{path!r} does not fit {target} (another HRNet width?); '
                              f'shape mismatch: {", ".join(shapes[:4])}'
                              + (f', ... ({len(shapes)} in all)' if len(shapes) > 4 else ''))
    loaded = tuple(k for k in own if k in state)
    if not loaded:
        raise CheckpointError(f'{path!r} has none of the {len(own)} tensors of {target} '
                              f'(first names: {", ".join(list(state)[:3])}); expected an MMPose '
                              f'HRNet state dict (conv1, bn1, layer1 ...)')
    model.load_state_dict({k: state[k] for k in loaded}, strict=False)
    skipped = tuple(k for k in state if k not in own) + tuple(others)
    return PretrainedReport(path, prefix, loaded, skipped, tuple(k for k in own if k not in state))
