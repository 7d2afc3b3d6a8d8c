# TokenPose-B on 300W (68 landmarks) at 256x256 with MMPose's face recipe of
# ../../_base_/tokenpose_face-256x256.py and MMPose's Face300WDataset.
# The model predicts the dataset's keypoints: K comes from the metainfo.
_base_ = ['../../_base_/tokenpose_face-256x256.py']
import importlib.util  # noqa: E402  (finds MMPose's installed metainfo files)

dataset_type = 'Face300WDataset'
metainfo = dict(from_file=importlib.util.find_spec('mmpose').submodule_search_locations[0] +
                '/.mim/configs/_base_/datasets/300w.py')
data_root = 'data/300w/'

model = dict(metainfo=metainfo)

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/face_landmarks_300w_train.json',
        data_prefix=dict(img='images/')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/face_landmarks_300w_valid.json',
        data_prefix=dict(img='images/')))
test_dataloader = val_dataloader
