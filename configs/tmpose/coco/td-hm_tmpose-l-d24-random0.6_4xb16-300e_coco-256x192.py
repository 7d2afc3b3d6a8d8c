# TMPose on TokenPose-L/D24, COCO 256x192: random masking keeping 60% of the visual tokens (the published setting).
# Visual tokens are selected once after the patch embedding (keypoint tokens never); each kept
# token keeps its own positional encoding, and evaluation is deterministic.
_base_ = ['../../tokenpose/coco/td-hm_tokenpose-l-d24_4xb16-300e_coco-256x192.py']

model = dict(neck=dict(token_masking=dict(strategy='random', keep_ratio=0.6)))
