"""Check the whole config (and its annotation files) before a run starts, for MMPose's own
tools and ``mim train`` too."""
from typing import List

from mmengine.hooks import Hook
from mmengine.runner import BaseLoop
from mmpose.registry import HOOKS

from ..annotation_check import check_annotation_files
from ..config_check import check_config


@HOOKS.register_module()
class ConfigCheckHook(Hook):
    """Raise :class:`~tokenpose_mm.engine.ConfigError` in ``before_run`` when ``runner.cfg``
    has problems (:func:`~tokenpose_mm.engine.config_problems`: sizes that disagree, a train
    loop of 0 epochs, ``val_interval=0``, ``lr=0``, a ``save_best`` the evaluator does not
    produce ...), all of them in one message; then check the annotation files of the loops
    this run has built (:func:`~tokenpose_mm.engine.check_annotation_files`).

    Our tools check both as soon as they load the config (:func:`tokenpose_mm.cli.load_config`,
    :func:`tokenpose_mm.cli.check_annotation_files`, which sets ``annotations=False`` here);
    this hook is the same check for ``tools/train.py`` of MMPose and ``mim train``, which never
    call them. Problems MMEngine meets while it builds the Runner and its loops, before any
    hook runs (a ``max_epochs`` of 1.5 or ``[1]``, ``base_batch_size=0`` with
    ``--auto-scale-lr``), are reported by MMEngine there.

    Args:
        annotations (bool): Also check the annotation files (parsed once more than MMPose
            does: seconds for COCO train2017). Defaults to True.
    """

    priority = 'VERY_HIGH'

    def __init__(self, annotations: bool = True) -> None:
        self.annotations = annotations

    def before_run(self, runner) -> None:
        check_config(runner.cfg)
        if self.annotations:
            check_annotation_files(runner.cfg, self._splits(runner))

    @staticmethod
    def _splits(runner) -> List[str]:
        """The splits whose loops ``train()``, ``val()`` or ``test()`` has built (the Runner
        keeps a loop's config until it builds it)."""
        loops = dict(train=runner._train_loop, val=runner._val_loop, test=runner._test_loop)
        return [split for split, loop in loops.items() if isinstance(loop, BaseLoop)]
