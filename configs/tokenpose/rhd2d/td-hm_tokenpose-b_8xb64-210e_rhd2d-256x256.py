# TokenPose-B on the Rendered Hand Dataset at 256x256 with MMPose's hand recipe of
# ../../_base_/tokenpose_hand-256x256.py and MMPose's Rhd2DDataset.
# The model predicts the dataset's keypoints: K comes from the metainfo.
_base_ = ['../../_base_/tokenpose_hand-256x256.py']
import importlib.util  # noqa: E402  (finds MMPose's installed metainfo files)

dataset_type = 'Rhd2DDataset'
metainfo = dict(from_file=importlib.util.find_spec('mmpose').submodule_search_locations[0] +
                '/.mim/configs/_base_/datasets/rhd2d.py')
data_root = 'data/rhd2d/'

model = dict(metainfo=metainfo)

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/rhd_train.json',
        data_prefix=dict(img='')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/rhd_test.json',
        data_prefix=dict(img='')))
test_dataloader = val_dataloader
