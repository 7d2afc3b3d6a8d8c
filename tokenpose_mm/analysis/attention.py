"""The qualitative analysis of the TokenPose paper (Li et al., ICCV 2021, Sec. 4.4): the
attention maps of any checkpoint on one image, computed on the model's device.

- per-layer attention of chosen keypoint tokens over the visual tokens
  (:func:`compute_attention`; computed on the model's device by :func:`attention_maps`);
- the similarity of the learned keypoint tokens, their inner products
  (:func:`keypoint_token_similarity`);
- each keypoint's two most attended other keypoints in the keypoint-to-keypoint attention
  (:func:`top_attended_keypoints`).

Attention comes from ``TokenPoseNeck.forward_with_attention``: every layer's
(B, heads, K + N, K + N) map, keypoint tokens first, averaged here over the heads. When token
masking or pruning dropped visual tokens, the dropped grid cells are blank (NaN) in the maps.
The figures of these maps are drawn by :mod:`.attention_figures`.
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from ..apis import ImageLike, load_image, prepare_batch, validate_boxes

# keypoints shown by default when they exist in the dataset (else the first four)
DEFAULT_KEYPOINTS = ('nose', 'left_shoulder', 'right_elbow', 'left_wrist', 'right_knee',
                     'left_ankle', 'head_top', 'pelvis')


@dataclass
class AttentionResult:
    """Attention of one person crop.

    Attributes:
        crop (np.ndarray): (H, W, 3) uint8 RGB model input (the TopdownAffine crop).
        visual (np.ndarray): (L, K, gh, gw) head-averaged attention of each keypoint token over
            the visual tokens, per layer, on the row-major patch grid; NaN where a visual
            token was dropped.
        keypoint (np.ndarray): (L, K, K) head-averaged keypoint-to-keypoint attention.
        keypoints (np.ndarray): (K, 2) predicted keypoints in crop pixels.
        keypoint_scores (np.ndarray): (K,) their heatmap scores.
        names (list[str]): Joint names from the dataset metainfo.
    """
    crop: np.ndarray
    visual: np.ndarray
    keypoint: np.ndarray
    keypoints: np.ndarray
    keypoint_scores: np.ndarray
    names: List[str]


def keypoint_names(model: nn.Module) -> List[str]:
    """Joint names of ``model.dataset_meta`` in keypoint order (``kpt_<i>`` when absent)."""
    meta = getattr(model, 'dataset_meta', None) or {}
    id2name = meta.get('keypoint_id2name', {})
    return [id2name.get(i, f'kpt_{i}') for i in range(model.neck.num_keypoints)]


def resolve_keypoints(names: Sequence[str],
                      wanted: Optional[Sequence[Union[str, int]]]) -> List[int]:
    """Indices of ``wanted`` (joint names or indices); None picks :data:`DEFAULT_KEYPOINTS`
    present in ``names`` (or the first four)."""
    if wanted is None:
        picked = [names.index(n) for n in DEFAULT_KEYPOINTS if n in names]
        return picked or list(range(min(4, len(names))))
    out = []
    for k in wanted:
        if isinstance(k, str) and k.lstrip('-').isdigit():
            k = int(k)
        if isinstance(k, int):
            if not 0 <= k < len(names):
                raise ValueError(f'keypoint index {k} out of range: the model has {len(names)} '
                                 'keypoints')
            out.append(k)
        elif k in names:
            out.append(names.index(k))
        else:
            raise ValueError(f'unknown keypoint {k!r}; expected an index or one of {list(names)}')
    return out


def _visual_grid(attn: torch.Tensor, K: int, grid: Sequence[int], kept: Optional[torch.Tensor]
                 ) -> torch.Tensor:
    """(K, n) attention over the visual tokens -> (K, gh, gw) on ``attn``'s device, NaN at
    dropped tokens (``kept``: the (n,) grid indices of the kept tokens)."""
    gh, gw = grid
    n = attn.shape[-1]
    if n == gh * gw:
        return attn.reshape(K, gh, gw)
    full = attn.new_full((K, gh * gw), float('nan'))
    if kept is not None and kept.shape[-1] == n:
        full[:, kept.to(attn.device)] = attn
    # else: an intermediate pruning step whose indices are not reported: left blank
    return full.reshape(K, gh, gw)


def attention_maps(model: nn.Module, inputs: torch.Tensor
                   ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The head-averaged attention of one crop, computed where the model lives.

    Args:
        model (nn.Module): A ``TopdownPoseEstimator`` with a ``TokenPoseNeck``.
        inputs (torch.Tensor): (1, 3, H, W) normalised crop on the model's device.

    Returns:
        tuple[torch.Tensor]: on the model's device, float32: (L, K, gh, gw) attention of each
        keypoint token over the visual-token grid (NaN at dropped tokens), (L, K, K)
        keypoint-to-keypoint attention, and the (1, K, h, w) heatmaps.
    """
    neck = model.neck
    (tokens, ), maps, kept = neck.forward_with_attention(model.backbone(inputs))
    heatmaps = model.head.forward((tokens, ))  # (1, K, h, w)
    K = neck.num_keypoints
    visual, keypoint = [], []
    for attn in maps:  # (1, heads, K + n, K + n)
        attn = attn[0].float().mean(0)  # (K + n, K + n), averaged over heads
        visual.append(_visual_grid(attn[:K, K:], K, neck.grid,
                                   None if kept is None else kept[0]))
        keypoint.append(attn[:K, :K])
    return torch.stack(visual), torch.stack(keypoint), heatmaps


@torch.no_grad()
def compute_attention(model: nn.Module, image: ImageLike, box=None) -> AttentionResult:
    """Attention maps of a TokenPose model for one person, on any device (the maps are
    computed there and copied to the host once).

    Args:
        model (nn.Module): An MMPose ``TopdownPoseEstimator`` with a ``TokenPoseNeck``
            (``mmpose.apis.init_model``).
        image (str | np.ndarray): Image path or (H, W, 3) BGR array.
        box (array-like, optional): One (4,) xyxy person box; None for the whole image.

    Returns:
        AttentionResult: crop, (L, K, gh, gw) visual attention, (L, K, K) keypoint attention,
        predicted keypoints.
    """
    neck = getattr(model, 'neck', None)
    if neck is None or not hasattr(neck, 'forward_with_attention'):
        raise TypeError(f'the model has no TokenPose neck with attention maps (neck: '
                        f'{type(neck).__name__})')
    image = load_image(image)
    boxes = None if box is None else validate_boxes(box, image.shape)[:1]
    model.eval()
    batch = prepare_batch(model, image, boxes)
    inputs = batch['inputs']  # (1, 3, H, W), normalised RGB, on the model's device
    visual, keypoint, heatmaps = attention_maps(model, inputs)
    decoded = model.head.decode(heatmaps)[0]  # the codec decodes on the host
    pre = model.data_preprocessor
    crop = inputs[0] * pre.std.to(inputs) + pre.mean.to(inputs)  # (3, H, W) in 0..255
    crop = crop.clamp(0, 255).round().byte().permute(1, 2, 0).cpu().numpy()
    if not getattr(pre, '_channel_conversion', True):  # the input stayed BGR
        crop = crop[..., ::-1]
    return AttentionResult(
        crop=np.ascontiguousarray(crop), visual=visual.cpu().numpy(),
        keypoint=keypoint.cpu().numpy(), keypoints=np.asarray(decoded.keypoints[0]),
        keypoint_scores=np.asarray(decoded.keypoint_scores[0]), names=keypoint_names(model))


def keypoint_token_similarity(neck: nn.Module) -> np.ndarray:
    """(K, K) inner products of the learned keypoint tokens ``neck.keypoint_tokens``."""
    tokens = neck.keypoint_tokens.detach().float()[0]  # (K, D)
    return (tokens @ tokens.T).cpu().numpy()


def top_attended_keypoints(keypoint_attention: np.ndarray, k: int = 2) -> np.ndarray:
    """(K, k) indices of the ``k`` other keypoints each keypoint attends to most.

    Args:
        keypoint_attention (np.ndarray): (K, K) keypoint-to-keypoint attention, row = query.
    """
    attn = np.array(keypoint_attention, dtype=np.float64)
    np.fill_diagonal(attn, -np.inf)
    return np.argsort(-attn, axis=1, kind='stable')[:, :k]
