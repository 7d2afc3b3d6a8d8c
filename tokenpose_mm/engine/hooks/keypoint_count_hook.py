"""Check that the dataset and the model agree on the number of keypoints."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS


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
        head = getattr(model, 'head', None)
        predicted: Optional[int] = getattr(head, 'out_channels', None)
        dataset = getattr(dataloader, 'dataset', None)
        metainfo = getattr(dataset, 'metainfo', None) or {}
        expected = metainfo.get('num_keypoints')
        if predicted is None or expected is None or int(predicted) == int(expected):
            return
        name = metainfo.get('dataset_name', type(dataset).__name__)
        raise ValueError(
            f'the {split} dataset {name!r} ({type(dataset).__name__}) has {expected} keypoints '
            f"(metainfo['num_keypoints']) but the model head {type(head).__name__} predicts "
            f'{predicted} (out_channels); set num_keypoints={expected} in model.head (and '
            f'model.neck for TokenPose), or use a dataset with {predicted} keypoints')
