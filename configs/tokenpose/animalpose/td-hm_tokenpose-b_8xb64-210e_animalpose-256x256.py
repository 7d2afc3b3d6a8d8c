# TokenPose-B on Animal-Pose (20 keypoints, 5 species) at 256x256 with MMPose's animal recipe of
# ../../_base_/tokenpose_animal-256x256.py and MMPose's AnimalPoseDataset.
# The model predicts the dataset's keypoints: K comes from the metainfo.
_base_ = ['../../_base_/tokenpose_animal-256x256.py']
import importlib.util  # noqa: E402  (finds MMPose's installed metainfo files)

dataset_type = 'AnimalPoseDataset'
metainfo = dict(from_file=importlib.util.find_spec('mmpose').submodule_search_locations[0] +
                '/.mim/configs/_base_/datasets/animalpose.py')
data_root = 'data/animalpose/'

model = dict(metainfo=metainfo)

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/animalpose_train.json',
        data_prefix=dict(img='')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/animalpose_val.json',
        data_prefix=dict(img='')))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric', ann_file=data_root + 'annotations/animalpose_val.json')
test_evaluator = val_evaluator
