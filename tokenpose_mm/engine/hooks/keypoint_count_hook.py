"""Check that the dataset and the model agree on the number of keypoints."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS
from torch import nn


@HOOKS.register_module()
class KeypointCountHook(Hook):
    """Raise ``ValueError`` before training, validation or testing when the dataset's
    ``metainfo['num_keypoints']`` differs from the keypoints the model's head predicts
    (its ``out_channels``).

    Without it the mismatch surfaces later as a tensor-shape error inside the loss, the flip
    test or the metric. Training checks the train and the val dataset before the first
    iteration.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        self._check(runner, 'train', runner.train_dataloader)
        if runner.val_loop is not None:
            self._check(runner, 'val', runner.val_loop.dataloader)

    def before_val(self, runner) -> None:
        self._check(runner, 'val', runner.val_dataloader)

    def before_test(self, runner) -> None:
        self._check(runner, 'test', runner.test_dataloader)

    @staticmethod
    def _check(runner, split: str, dataloader) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        dataset = getattr(dataloader, 'dataset', None)
        check_keypoint_count(model, getattr(dataset, 'metainfo', None),
                             f'the {split} dataset ({type(dataset).__name__})')


def check_keypoint_count(model: nn.Module, metainfo: Optional[dict], source: str = 'the dataset'
                         ) -> None:
    """Raise ``ValueError`` when ``metainfo['num_keypoints']`` differs from the keypoints the
    head of ``model`` predicts (``out_channels``); nothing to compare is not an error.

    Also usable after MMPose's ``init_model``:
    ``check_keypoint_count(model, model.dataset_meta, 'the checkpoint/config metainfo')``.
    """
    head = getattr(model, 'head', None)
    predicted: Optional[int] = getattr(head, 'out_channels', None)
    expected = (metainfo or {}).get('num_keypoints')
    if predicted is None or expected is None or int(predicted) == int(expected):
        return
    name = (metainfo or {}).get('dataset_name')
    raise ValueError(
        f'{source}{f" {name!r}" if name else ""} has {expected} keypoints '
        f"(metainfo['num_keypoints']) but the model head {type(head).__name__} predicts "
        f'{predicted} (out_channels); give the model the metainfo of its data '
        f'(model.metainfo: TokenPoseEstimator takes K from it), or use a dataset with '
        f'{predicted} keypoints')
