# TokenPose-B trained on COCO (the official recipe of ../coco/) and tested on OCHuman (17 COCO
# keypoints, heavily occluded people; a test set only, as in MMPose) with ground-truth boxes,
# MMPose's OCHumanDataset and CocoMetric.
# The model predicts the dataset's keypoints: K comes from the metainfo.
_base_ = ['../coco/td-hm_tokenpose-b_4xb32-300e_coco-256x192.py']
import importlib.util  # noqa: E402  (finds MMPose's installed metainfo files)

dataset_type = 'OCHumanDataset'
metainfo = dict(from_file=importlib.util.find_spec('mmpose').submodule_search_locations[0] +
                '/.mim/configs/_base_/datasets/ochuman.py')
data_root = 'data/ochuman/'

model = dict(metainfo=metainfo)

val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/ochuman_coco_format_val_range_0.00_1.00.json',
        bbox_file=None,
        data_prefix=dict(img='images/')))
test_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/ochuman_coco_format_test_range_0.00_1.00.json',
        bbox_file=None,
        data_prefix=dict(img='images/')))
val_evaluator = dict(
    type='CocoMetric',
    ann_file=data_root + 'annotations/ochuman_coco_format_val_range_0.00_1.00.json')
test_evaluator = dict(
    type='CocoMetric',
    ann_file=data_root + 'annotations/ochuman_coco_format_test_range_0.00_1.00.json')
