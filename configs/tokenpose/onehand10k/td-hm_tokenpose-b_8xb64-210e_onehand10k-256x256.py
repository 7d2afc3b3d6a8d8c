# TokenPose-B on OneHand10K at 256x256 with MMPose's hand recipe of
# ../../_base_/tokenpose_hand-256x256.py and MMPose's OneHand10KDataset.
# The model predicts the dataset's keypoints: K comes from the metainfo.
_base_ = ['../../_base_/tokenpose_hand-256x256.py']
import importlib.util  # noqa: E402  (finds MMPose's installed metainfo files)

dataset_type = 'OneHand10KDataset'
metainfo = dict(from_file=importlib.util.find_spec('mmpose').submodule_search_locations[0] +
                '/.mim/configs/_base_/datasets/onehand10k.py')
data_root = 'data/onehand10k/'

model = dict(metainfo=metainfo)

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/onehand10k_train.json',
        data_prefix=dict(img='')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/onehand10k_test.json',
        data_prefix=dict(img='')))
test_dataloader = val_dataloader
