# TokenPose-B on AP-10K (17 keypoints, 54 species) at 256x256 with MMPose's animal recipe of
# ../../_base_/tokenpose_animal-256x256.py and MMPose's AP10KDataset.
# The model predicts the dataset's keypoints: K comes from the metainfo.
_base_ = ['../../_base_/tokenpose_animal-256x256.py']
import importlib.util  # noqa: E402  (finds MMPose's installed metainfo files)

dataset_type = 'AP10KDataset'
metainfo = dict(from_file=importlib.util.find_spec('mmpose').submodule_search_locations[0] +
                '/.mim/configs/_base_/datasets/ap10k.py')
data_root = 'data/ap10k/'

model = dict(metainfo=metainfo)

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/ap10k-train-split1.json',
        data_prefix=dict(img='data/')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/ap10k-val-split1.json',
        data_prefix=dict(img='data/')))
test_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/ap10k-test-split1.json',
        data_prefix=dict(img='data/')))
val_evaluator = dict(type='CocoMetric', ann_file=data_root + 'annotations/ap10k-val-split1.json')
test_evaluator = dict(type='CocoMetric', ann_file=data_root + 'annotations/ap10k-test-split1.json')
