"""Refuse checkpoints that do not fit the model (MMEngine only warns)."""
import re

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

from ...converters import CheckpointMismatchError
from ...utils import state_dict_mismatches


@HOOKS.register_module()
class CheckpointMatchHook(Hook):
    """Raise :class:`CheckpointMismatchError` when a checkpoint loaded by the Runner (``load_from``,
    ``--resume``, ``tools/test.py``) does not have exactly the model's tensors and shapes.

    MMEngine loads non-strictly and only logs a warning, which leaves a half-random model that
    trains or evaluates silently (for example a TokenPose-B checkpoint in a TokenPose-S model).
    The error lists the missing, unexpected and mis-shaped tensors.

    Args:
        strict (bool): Raise on a mismatch; ``False`` logs it as a warning (MMEngine's
            behaviour, for fine-tuning from another model on purpose). Defaults to True.
    """

    priority = 'VERY_HIGH'

    def __init__(self, strict: bool = True) -> None:
        self.strict = strict

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('state_dict', checkpoint)
        # strip 'module.' as MMEngine's default revise_keys do
        state = {re.sub(r'^module\.', '', k): v for k, v in state.items()}
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        problems = state_dict_mismatches(model.state_dict(), state)
        if not problems:
            return
        arch = runner.cfg.get('model', {}).get('neck', {}).get('arch')
        config = runner.cfg.filename or 'the config'
        message = (f'the checkpoint does not fit the {type(model).__name__}'
                   f'{f" (arch {arch!r})" if arch else ""} of {config}:'
                   '\n  ' + '\n  '.join(problems))
        if self.strict:
            raise CheckpointMismatchError(message)
        runner.logger.warning(message)
