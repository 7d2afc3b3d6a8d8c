"""The complexity tool reproduces the paper's GFLOPs and the true MACs of DESIGN.md."""
import subprocess
import sys

import pytest
import torch
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS as MODELS_REGISTRY

from tokenpose_mm.analysis import count_parameters, model_complexity
from tokenpose_mm.cli import load_config
from tokenpose_mm.config_zoo import MODELS, VARIANTS
from tokenpose_mm.models import TOKENPOSE_ARCHS

from .conftest import REPO, build_model, config_path

# the model index (configs/*/metafile.yml; DESIGN.md section 3): the paper's counter (3
# decimals) and true GMACs (2 decimals)
PAPER_GFLOPS = {name: m.gflops for name, m in VARIANTS.items()}
TRUE_GMACS = {name: m.gmacs for name, m in VARIANTS.items()}


def test_every_variant_has_its_published_counts():
    assert set(PAPER_GFLOPS) == set(TRUE_GMACS) == set(TOKENPOSE_ARCHS)


@pytest.mark.parametrize('arch', sorted(PAPER_GFLOPS))
def test_paper_and_true_counts(arch):
    model = build_model(arch)
    w, h = model.head.decoder.input_size
    c = model_complexity(model, (3, h, w))
    assert round(c.paper_gflops, 3) == PAPER_GFLOPS[arch]
    assert round(c.gmacs, 2) == TRUE_GMACS[arch]
    assert (round(c.paper_gflops_t, 3), round(c.transformer_gmacs, 2)) == \
        (VARIANTS[arch].gflops_t, VARIANTS[arch].transformer_gmacs)
    # neck + head: all of T (it reads the image), less than all behind a CNN front-end
    if arch == 't':
        assert c.transformer_gmacs == c.gmacs
    else:
        assert 0 < c.transformer_gmacs < c.gmacs


def test_cli_prints_a_table_for_configs():
    result = subprocess.run(
        [sys.executable, f'{REPO}/tools/analysis/complexity.py', '--variants', 't', 's-v1'],
        capture_output=True, text=True, cwd=REPO, check=True)
    assert '| t ' in result.stdout and '1.292' in result.stdout and '2.226' in result.stdout


@pytest.mark.parametrize('model', [m for m in MODELS if m.collection == 'TMPose'],
                         ids=lambda m: m.name)
def test_tmpose_counts_of_the_model_index(model):
    built = build_model(model.config)
    w, h = built.head.decoder.input_size
    c = model_complexity(built, (3, h, w))
    assert (c.params, round(c.paper_gflops, 3), round(c.gmacs, 2)) == \
        (model.params, model.gflops, model.gmacs)
    assert (round(c.paper_gflops_t, 3), round(c.transformer_gmacs, 2)) == \
        (model.gflops_t, model.transformer_gmacs)


# the entries that are neither variants nor TMPose (the dataset and head configs): parameters of
# every one, all the counts of two (a 133-keypoint dataset, a head config)
OTHER_MODELS = [m for m in MODELS if m.variant is None and m.collection != 'TMPose']
FULLY_COUNTED = ('td-hm_tokenpose-b_4xb32-300e_coco-wholebody-256x192',
                 'td-simcc_tokenpose-s-v1_4xb32-300e_coco-256x192')


def test_parameters_of_the_dataset_and_head_entries():
    """Each model built on the meta device (no memory, no initialization) has the parameter
    count of its model-index entry."""
    init_default_scope('mmpose')
    wrong = {}
    for m in OTHER_MODELS:
        with torch.device('meta'):
            model = MODELS_REGISTRY.build(load_config(config_path(m.config)).model)
        if count_parameters(model) != m.params:
            wrong[m.name] = (count_parameters(model), m.params)
    assert len(OTHER_MODELS) >= 20 and not wrong, wrong


@pytest.mark.parametrize('name', FULLY_COUNTED)
def test_counts_of_dataset_and_head_entries(name):
    model = next(m for m in OTHER_MODELS if m.name == name)
    built = build_model(model.config)
    w, h = built.head.decoder.input_size
    c = model_complexity(built, (3, h, w))
    assert (c.params, round(c.paper_gflops, 3), round(c.gmacs, 2), round(c.paper_gflops_t, 3),
            round(c.transformer_gmacs, 2)) == (model.params, model.gflops, model.gmacs,
                                               model.gflops_t, model.transformer_gmacs)


@pytest.mark.parametrize('config, arch', [
    ('tmpose/coco/td-hm_tmpose-b-random0.6_4xb32-300e_coco-256x192.py', 'b'),
    ('tmpose/coco/td-hm_tmpose-l-d24-random0.6_4xb16-300e_coco-256x192.py', 'l-d24'),
])
def test_token_masking_cuts_transformer_cost(config, arch):
    """TMPose at keep 0.6: GFLOPsT (paper counter, neck + head) falls by >= 60%, true
    transformer MACs by >= 40%, against the unmasked model."""
    full = model_complexity(build_model(arch), (3, 256, 192))
    masked = model_complexity(build_model(config), (3, 256, 192))
    assert masked.paper_gflops_t <= 0.4 * full.paper_gflops_t
    assert masked.transformer_gmacs <= 0.6 * full.transformer_gmacs
    assert masked.params == full.params
