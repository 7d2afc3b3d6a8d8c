"""Figures of the TokenPose paper's attention analysis (Li et al., ICCV 2021, Sec. 4.4), drawn
from the maps of :mod:`.attention` with matplotlib's Agg backend (no display needed).

- per-layer attention of chosen keypoint tokens over the visual tokens, upsampled onto the
  model's input crop (:func:`plot_layer_attention`);
- the keypoint-token similarity (:func:`plot_token_similarity`);
- each keypoint's two most attended other keypoints (:func:`plot_keypoint_constraints`);
- all three for one person and image (:func:`save_attention_figures`).
"""
import os.path as osp
from typing import Dict, Optional, Sequence, Union

import cv2
import numpy as np
from torch import nn

from ..apis import ImageLike
from ..utils import replacing
from .attention import (AttentionResult, compute_attention, keypoint_token_similarity,
                        resolve_keypoints, top_attended_keypoints)

def _pyplot():
    import matplotlib
    matplotlib.use('Agg', force=False)
    import matplotlib.pyplot as plt
    return plt


def plot_layer_attention(result: AttentionResult, keypoints: Sequence[int], out_file: str,
                         layers: Optional[Sequence[int]] = None, title: str = '') -> str:
    """Grid of crops (rows: keypoints, columns: layers) overlaid with each keypoint token's
    attention over the visual tokens, upsampled (bilinear) to the crop; each panel scaled from
    its own minimum to maximum, with its peak-to-mean ratio written in the corner; the
    predicted keypoint marked with a cross."""
    plt = _pyplot()
    num_layers = result.visual.shape[0]
    layers = list(range(num_layers)) if layers is None else list(layers)
    for i in layers:
        if not 0 <= i < num_layers:
            raise ValueError(f'layer {i} out of range: the model has {num_layers} layers')
    H, W = result.crop.shape[:2]
    rows, cols = len(keypoints), len(layers)
    size = 1.6
    fig, axes = plt.subplots(rows, cols, squeeze=False,
                             figsize=(size * W / H * cols + 1.6, size * rows + 0.9))
    cmap = plt.get_cmap('jet').copy()
    cmap.set_bad(alpha=0.)
    mappable = None
    for r, k in enumerate(keypoints):
        for c, layer in enumerate(layers):
            ax = axes[r, c]
            grid = result.visual[layer, k]
            low, peak, mean = (np.nanmin(grid), np.nanmax(grid), np.nanmean(grid)) \
                if np.isfinite(grid).any() else (0., 1., 1.)
            scaled = (grid - low) / max(peak - low, 1e-12)  # panel min -> 0, max -> 1
            heat = cv2.resize(np.nan_to_num(scaled, nan=-1.).astype(np.float32), (W, H),
                              interpolation=cv2.INTER_LINEAR)
            heat = np.ma.masked_less(heat, 0)  # dropped tokens stay transparent
            ax.imshow(result.crop)
            mappable = ax.imshow(heat, cmap=cmap, alpha=0.5, vmin=0, vmax=1)
            ax.text(0.03, 0.97, f'max {peak / max(mean, 1e-12):.1f}x mean', color='white',
                    fontsize=6.5, va='top', transform=ax.transAxes,
                    bbox=dict(facecolor='black', alpha=0.5, pad=1, lw=0))
            x, y = result.keypoints[k]
            ax.plot([x], [y], marker='x', color='white', markersize=6, mew=2)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f'layer {layer + 1}', fontsize=9)
            if c == 0:
                ax.set_ylabel(result.names[k], fontsize=9)
    fig.suptitle(title or 'Attention of keypoint tokens over visual tokens', fontsize=11)
    fig.subplots_adjust(left=0.06, right=0.86, top=1 - 0.55 / fig.get_figheight(),
                        bottom=0.02, wspace=0.04, hspace=0.06)
    cax = fig.add_axes([0.89, 0.1, 0.02, 0.75])
    fig.colorbar(mappable, cax=cax).set_label('attention, panel min to max (x: predicted joint)')
    return _save(fig, out_file)


def plot_token_similarity(similarity: np.ndarray, names: Sequence[str], out_file: str,
                          title: str = '') -> str:
    """Heat map of the (K, K) keypoint-token inner products, axes labelled with joint names."""
    plt = _pyplot()
    K = len(names)
    fig, ax = plt.subplots(figsize=(2.5 + 0.38 * K, 1.8 + 0.36 * K))
    im = ax.imshow(similarity, cmap='viridis')
    ax.set_xticks(range(K), names, rotation=60, ha='right', fontsize=8)
    ax.set_yticks(range(K), names, fontsize=8)
    ax.set_title(title or 'Keypoint-token similarity (inner product)', fontsize=11)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04).set_label('inner product')
    fig.tight_layout()
    return _save(fig, out_file)


def plot_keypoint_constraints(result: AttentionResult, layer: int, out_file: str,
                              title: str = '') -> str:
    """Left: the (K, K) keypoint-to-keypoint attention of ``layer`` with each row's two most
    attended other keypoints boxed; right: those top-2 as a readable list and drawn on the crop."""
    plt = _pyplot()
    attn, names = result.keypoint[layer], result.names
    K = len(names)
    top = top_attended_keypoints(attn, 2)
    fig, (ax, ax_img) = plt.subplots(1, 2, figsize=(6 + 0.45 * K, 1.6 + 0.3 * K),
                                     gridspec_kw=dict(width_ratios=[1.3, 1]))
    im = ax.imshow(attn, cmap='magma')
    for q in range(K):
        for rank, t in enumerate(top[q]):
            ax.add_patch(plt.Rectangle((t - 0.5, q - 0.5), 1, 1, fill=False, lw=1.5,
                                       ec='cyan' if rank == 0 else 'lime'))
    ax.set_xticks(range(K), names, rotation=60, ha='right', fontsize=8)
    ax.set_yticks(range(K), names, fontsize=8)
    ax.set_xlabel('attended keypoint (boxes: 1st cyan, 2nd green)', fontsize=8)
    ax.set_ylabel('query keypoint', fontsize=8)
    ax.set_title(f'{title or "Keypoint constraints"}\nkeypoint-to-keypoint attention, '
                 f'layer {layer + 1}', fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04).set_label('attention (mean over heads)')

    ax_img.imshow(result.crop)
    pts = result.keypoints
    for q in range(K):
        for rank, t in enumerate(top[q]):
            ax_img.annotate('', xy=pts[t], xytext=pts[q], arrowprops=dict(
                arrowstyle='->', lw=1.0, alpha=0.8, color='cyan' if rank == 0 else 'lime'))
    ax_img.scatter(pts[:, 0], pts[:, 1], s=14, c='red', zorder=3)
    ax_img.set_xticks([])
    ax_img.set_yticks([])
    ax_img.set_title('Top-2 attended keypoints (arrows: 1st cyan, 2nd green)', fontsize=9)
    lines = [f'{names[q]}: {names[top[q, 0]]}, {names[top[q, 1]]}' for q in range(K)]
    ax_img.text(1.03, 1.0, '\n'.join(lines), transform=ax_img.transAxes, va='top', fontsize=7,
                family='monospace')
    fig.tight_layout()
    return _save(fig, out_file)


def _save(fig, out_file: str) -> str:
    """Save ``fig`` atomically, never through a symlink (the format: ``out_file``'s extension)."""
    with replacing(out_file, 'figure') as partial:
        fig.savefig(partial, dpi=110, bbox_inches='tight',
                    format=osp.splitext(out_file)[1][1:] or None)
    import matplotlib.pyplot as plt
    plt.close(fig)
    return out_file


def save_attention_figures(model: nn.Module, image: ImageLike, out_dir: str, box=None,
                           keypoints: Optional[Sequence[Union[str, int]]] = None,
                           layers: Optional[Sequence[int]] = None,
                           constraint_layer: int = -1, label: str = '') -> Dict[str, object]:
    """Compute the attention of one person and write the three figures under ``out_dir``.

    Args:
        model (nn.Module): TokenPose model from ``mmpose.apis.init_model``.
        image (str | np.ndarray): Image path or BGR array.
        out_dir (str): Output folder.
        box (array-like, optional): One xyxy person box; None: the whole image.
        keypoints (Sequence[str | int], optional): Joints (names or indices) whose attention is
            drawn; defaults to a few spread over the body.
        layers (Sequence[int], optional): 0-based layers to draw; defaults to all.
        constraint_layer (int): Layer of the keypoint-to-keypoint attention for the top-2
            analysis; -1 is the last.
        label (str): Added to the figure titles (e.g. the checkpoint name).

    Returns:
        dict: ``layer_attention``, ``token_similarity``, ``keypoint_constraints`` (PNG paths),
        ``top2`` ({joint: [1st, 2nd]}), ``num_layers``.
    """
    result = compute_attention(model, image, box)
    num_layers = result.visual.shape[0]
    if not -num_layers <= constraint_layer < num_layers:
        raise ValueError(f'constraint_layer {constraint_layer} out of range: the model has '
                         f'{num_layers} layers')
    constraint_layer %= num_layers
    picked = resolve_keypoints(result.names, keypoints)
    suffix = f' - {label}' if label else ''
    files = dict(
        layer_attention=plot_layer_attention(
            result, picked, osp.join(out_dir, 'layer_attention.png'), layers,
            'Attention of keypoint tokens over visual tokens' + suffix),
        token_similarity=plot_token_similarity(
            keypoint_token_similarity(model.neck), result.names,
            osp.join(out_dir, 'token_similarity.png'),
            'Keypoint-token similarity (inner product)' + suffix),
        keypoint_constraints=plot_keypoint_constraints(
            result, constraint_layer, osp.join(out_dir, 'keypoint_constraints.png'),
            'Keypoint constraints' + suffix))
    top = top_attended_keypoints(result.keypoint[constraint_layer], 2)
    files['top2'] = {result.names[q]: [result.names[t] for t in top[q]]
                     for q in range(len(result.names))}
    files['num_layers'] = num_layers
    return files
