# TokenPose-B on WFLW (98 landmarks) at 256x256 with MMPose's face recipe of
# ../../_base_/tokenpose_face-256x256.py and MMPose's WFLWDataset.
# The model predicts the dataset's keypoints: K comes from the metainfo.
_base_ = ['../../_base_/tokenpose_face-256x256.py']
import importlib.util  # noqa: E402  (finds MMPose's installed metainfo files)

dataset_type = 'WFLWDataset'
metainfo = dict(from_file=importlib.util.find_spec('mmpose').submodule_search_locations[0] +
                '/.mim/configs/_base_/datasets/wflw.py')
data_root = 'data/wflw/'

model = dict(metainfo=metainfo)

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/face_landmarks_wflw_train.json',
        data_prefix=dict(img='images/')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/face_landmarks_wflw_test.json',
        data_prefix=dict(img='images/')))
test_dataloader = val_dataloader
