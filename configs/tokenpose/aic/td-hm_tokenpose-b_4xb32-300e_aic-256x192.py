# TokenPose-B on AI Challenger 256x192 (14 keypoints) with the official TokenPose recipe of
# ../coco/, MMPose's AicDataset and its COCO-style metric (AIC sigmas, no area term).
# The model predicts the dataset's keypoints: K comes from the metainfo.
_base_ = ['../coco/td-hm_tokenpose-b_4xb32-300e_coco-256x192.py']
import importlib.util  # noqa: E402  (finds MMPose's installed metainfo files)

dataset_type = 'AicDataset'
metainfo = dict(from_file=importlib.util.find_spec('mmpose').submodule_search_locations[0] +
                '/.mim/configs/_base_/datasets/aic.py')
data_root = 'data/aic/'

model = dict(metainfo=metainfo)

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/aic_train.json',
        data_prefix=dict(
            img='ai_challenger_keypoint_train_20170902/keypoint_train_images_20170902/')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/aic_val.json',
        bbox_file=None,
        data_prefix=dict(img='ai_challenger_keypoint_validation_20170911/'
                         'keypoint_validation_images_20170911/')))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='CocoMetric', ann_file=data_root + 'annotations/aic_val.json', use_area=False)
test_evaluator = val_evaluator
