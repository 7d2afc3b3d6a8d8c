# TokenPose-B on MacaquePose 256x192 (17 keypoints) with the official TokenPose recipe of
# ../coco/ (MMPose trains macaques at 256x192 with the COCO pipeline), MMPose's MacaqueDataset
# and CocoMetric with the macaque sigmas.
# The model predicts the dataset's keypoints: K comes from the metainfo.
_base_ = ['../coco/td-hm_tokenpose-b_4xb32-300e_coco-256x192.py']
import importlib.util  # noqa: E402  (finds MMPose's installed metainfo files)

dataset_type = 'MacaqueDataset'
metainfo = dict(from_file=importlib.util.find_spec('mmpose').submodule_search_locations[0] +
                '/.mim/configs/_base_/datasets/macaque.py')
data_root = 'data/macaque/'

model = dict(metainfo=metainfo)

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/macaque_train.json',
        data_prefix=dict(img='images/')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/macaque_test.json',
        bbox_file=None,
        data_prefix=dict(img='images/')))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric', ann_file=data_root + 'annotations/macaque_test.json')
test_evaluator = val_evaluator
