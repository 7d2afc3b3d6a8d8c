"""Refuse checkpoints that do not fit the model (MMEngine only warns)."""
from typing import Any, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

from ...utils import CheckpointError, CheckpointMismatchError, check_checkpoint, describe_model
from ..resume_checks import check_resume


def config_dataset_meta(cfg: Any, split: str) -> Optional[dict]:
    """MMPose's ``dataset_meta_from_config`` of ``split``, wrapped datasets (``RepeatDataset``,
    the first of a ``ConcatDataset``) unwrapped: MMPose's reads only the outer type, which
    has no metainfo, and the checkpoint's would go unchecked."""
    from mmengine.config import Config
    from mmpose.apis.inference import dataset_meta_from_config
    dataset = (cfg.get(f'{split}_dataloader') or {}).get('dataset')
    while isinstance(dataset, dict) and 'metainfo' not in dataset and (
            dataset.get('dataset') or dataset.get('datasets')):
        dataset = dataset.get('dataset') or dataset['datasets'][0]
    if not isinstance(dataset, dict):
        return None
    return dataset_meta_from_config(Config({f'{split}_dataloader': dict(dataset=dataset)}), split)


@HOOKS.register_module()
class CheckpointMatchHook(Hook):
    """Raise :class:`~tokenpose_mm.utils.CheckpointMismatchError` when a checkpoint loaded by the
    Runner (``load_from``, ``--resume``, ``tools/test.py``) does not fit the model, before its
    weights are copied: :func:`~tokenpose_mm.utils.check_checkpoint` lists missing, unexpected
    and mis-shaped tensors, values that are not tensors, another dtype family, NaN/inf values,
    and a ``meta['dataset_meta']`` that contradicts the config's dataset (keypoint names,
    ``flip_indices``; wrapped train sets such as ``RepeatDataset`` are unwrapped). On
    ``--resume`` it also refuses a weights-only checkpoint or another optimizer's state and
    warns of a changed lr (:func:`~tokenpose_mm.engine.resume_checks.check_resume`).

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
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        path = runner.cfg.get('load_from')
        source = (f'the checkpoint {path!r}' if path else
                  f'the latest checkpoint in {runner.work_dir!r}')  # auto-resume
        expected = (config_dataset_meta(runner.cfg, 'train')
                    or config_dataset_meta(runner.cfg, 'test'))
        try:
            check_checkpoint(checkpoint, model, source, expected,
                             describe_model(model, runner.cfg))
        except (CheckpointError, CheckpointMismatchError) as e:
            if self.strict:
                raise
            runner.logger.warning(str(e))
        if runner.cfg.get('resume', False):  # what --resume will do, said before it does it
            check_resume(checkpoint, getattr(runner.optim_wrapper, 'optimizer', None), source,
                         runner.logger)
