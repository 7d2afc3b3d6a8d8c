# TokenPose-B on COCO-WholeBody 256x192 (133 keypoints: body, feet, face, hands) with the
# official TokenPose recipe of ../coco/, MMPose's CocoWholeBodyDataset and CocoWholeBodyMetric.
# The model predicts the dataset's keypoints: K comes from the metainfo.
_base_ = ['../coco/td-hm_tokenpose-b_4xb32-300e_coco-256x192.py']
import importlib.util  # noqa: E402  (finds MMPose's installed metainfo files)

dataset_type = 'CocoWholeBodyDataset'
metainfo = dict(from_file=importlib.util.find_spec('mmpose').submodule_search_locations[0] +
                '/.mim/configs/_base_/datasets/coco_wholebody.py')
data_root = 'data/coco/'

model = dict(metainfo=metainfo)
default_hooks = dict(checkpoint=dict(save_best='coco-wholebody/AP'))

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/coco_wholebody_train_v1.0.json',
        data_prefix=dict(img='train2017/')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/coco_wholebody_val_v1.0.json',
        bbox_file=data_root + 'person_detection_results/'
        'COCO_val2017_detections_AP_H_56_person.json',
        data_prefix=dict(img='val2017/')))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='CocoWholeBodyMetric',
    ann_file=data_root + 'annotations/coco_wholebody_val_v1.0.json')
test_evaluator = val_evaluator
