# MMPose's 2D animal recipe (its td-hm_hrnet-w32 AP-10K / AnimalPose configs) for TokenPose-B
# at 256x256: flip, half-body, MMPose's default box jitter (shift, scale, rotation); 210 epochs,
# x0.1 at 170 and 200; COCO-style AP with the dataset's keypoint sigmas (CocoMetric).
_base_ = ['./tokenpose_256x256.py']

train_cfg = dict(max_epochs=210, val_interval=10)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=500, start_factor=0.001, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=210, milestones=[170, 200], gamma=0.1, by_epoch=True)
]

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
    dict(type='TopdownAffine', input_size=_base_.codec['input_size']),
    dict(type='GenerateTarget', encoder=_base_.codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
# the dataset configs set ann_file
val_evaluator = dict(type='CocoMetric')
test_evaluator = val_evaluator
