"""Refuse checkpoints that do not fit the model (MMEngine only warns)."""
from typing import Any

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

from ...utils import CheckpointError, CheckpointMismatchError, check_checkpoint, describe_model


@HOOKS.register_module()
class CheckpointMatchHook(Hook):
    """Raise :class:`~tokenpose_mm.utils.CheckpointMismatchError` when a checkpoint loaded by the
    Runner (``load_from``, ``--resume``, ``tools/test.py``) does not fit the model, before its
    weights are copied: :func:`~tokenpose_mm.utils.check_checkpoint` lists missing, unexpected
    and mis-shaped tensors, values that are not tensors, another dtype family, NaN/inf values,
    and a ``meta['dataset_meta']`` that contradicts the config's dataset (keypoint names,
    ``flip_indices``).

    MMEngine loads non-strictly and only logs a warning, which leaves a half-random model that
    trains or evaluates silently (for example a TokenPose-B checkpoint in a TokenPose-S model).

    Args:
        strict (bool): Raise on a problem; ``False`` logs it as a warning (MMEngine's
            behaviour, for fine-tuning from another model on purpose). Defaults to True.
    """

    priority = 'VERY_HIGH'

    def __init__(self, strict: bool = True) -> None:
        self.strict = strict

    def after_load_checkpoint(self, runner, checkpoint: Any) -> None:
        from mmpose.apis.inference import dataset_meta_from_config
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        path = runner.cfg.get('load_from')
        source = (f'the checkpoint {path!r}' if path else
                  f'the latest checkpoint in {runner.work_dir!r}')  # auto-resume
        expected = (dataset_meta_from_config(runner.cfg, 'train')
                    or dataset_meta_from_config(runner.cfg, 'test'))
        try:
            check_checkpoint(checkpoint, model, source, expected,
                             describe_model(model, runner.cfg))
        except (CheckpointError, CheckpointMismatchError) as e:
            if self.strict:
                raise
            runner.logger.warning(str(e))
