# TokenPose-B on FreiHAND (MMPose: 224x224) at 256x256 with MMPose's hand recipe of
# ../../_base_/tokenpose_hand-256x256.py and MMPose's FreiHandDataset.
# The model predicts the dataset's keypoints: K comes from the metainfo.
_base_ = ['../../_base_/tokenpose_hand-256x256.py']
import importlib.util  # noqa: E402  (finds MMPose's installed metainfo files)

dataset_type = 'FreiHandDataset'
metainfo = dict(from_file=importlib.util.find_spec('mmpose').submodule_search_locations[0] +
                '/.mim/configs/_base_/datasets/freihand2d.py')
data_root = 'data/freihand2d/'

model = dict(metainfo=metainfo)

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/freihand_train.json',
        data_prefix=dict(img='')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/freihand_val.json',
        data_prefix=dict(img='')))
test_dataloader = val_dataloader
