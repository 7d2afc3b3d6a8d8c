# TokenPose-B on DeepFashion2 256x192 (294 clothes landmarks of the 13 categories) with the
# official TokenPose recipe of ../coco/, MMPose's DeepFashion2Dataset and its fashion metrics:
# PCK@0.2 of the box size, AUC and EPE.
# The model predicts the dataset's keypoints: K comes from the metainfo.
_base_ = ['../coco/td-hm_tokenpose-b_4xb32-300e_coco-256x192.py']
import importlib.util  # noqa: E402  (finds MMPose's installed metainfo files)

dataset_type = 'DeepFashion2Dataset'
metainfo = dict(from_file=importlib.util.find_spec('mmpose').submodule_search_locations[0] +
                '/.mim/configs/_base_/datasets/deepfashion2.py')
data_root = 'data/deepfasion2/'

model = dict(metainfo=metainfo)
default_hooks = dict(checkpoint=dict(save_best='AUC'))

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='train/deepfashion2_train.json',
        data_prefix=dict(img='train/image/')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='validation/deepfashion2_validation.json',
        bbox_file=None,
        data_prefix=dict(img='validation/image/')))
test_dataloader = val_dataloader
val_evaluator = [dict(type='PCKAccuracy', thr=0.2), dict(type='AUC'), dict(type='EPE')]
test_evaluator = val_evaluator
