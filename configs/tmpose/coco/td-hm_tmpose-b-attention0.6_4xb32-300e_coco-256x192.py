# Attention-guided token pruning (PPT-style, ECCV 2022) on TokenPose-B, COCO 256x192.
# Before layers 4 and 8 the visual tokens the keypoint tokens attend to least are dropped,
# keeping 0.775 of them each time (0.775**2 ~ 0.6 of the tokens after layer 8); the (N, N)
# attention map is never formed for this, only the K keypoint rows.
_base_ = ['../../tokenpose/coco/td-hm_tokenpose-b_4xb32-300e_coco-256x192.py']

model = dict(neck=dict(token_masking=dict(strategy='attention', keep_ratio=0.775, layers=(4, 8))))
