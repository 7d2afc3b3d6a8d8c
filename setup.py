"""Install tokenpose_mm.

The OpenMMLab stack it runs on (torch, mmcv with ops, mmengine, mmpose, mmdet, xtcocotools) needs
build flags that pip's requirements cannot express; ``tools/setup_env.sh`` installs it from the pins
in ``requirements/stack.txt``. This package itself declares no dependencies, so
``pip install -e .`` also works inside an existing MMPose 1.3 environment.

As MMPose does (its ``add_mim_extension``), a wheel carries ``configs/`` and ``model-index.yml``
under ``tokenpose_mm/.mim/``, where ``tokenpose_mm::tokenpose/coco/NAME.py``, ``mim search`` and
:mod:`tokenpose_mm.config_zoo` find them. They are copied into the build folder only (the checkout
is left as it is); an editable install reads them from the checkout, beside the package.
"""
import os
import os.path as osp
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))
MIM_FILES = ('configs', 'model-index.yml')  # what `tokenpose_mm/.mim/` holds in a wheel


def get_version() -> str:
    namespace: dict = {}
    with open(osp.join(HERE, 'tokenpose_mm', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


class BuildWithMimFiles(build_py):
    """``build_py`` that also copies :data:`MIM_FILES` into ``<build>/tokenpose_mm/.mim/``
    (not for editable installs, which read them from the checkout)."""

    def run(self) -> None:
        super().run()
        if getattr(self, 'editable_mode', False):
            return
        mim = osp.join(self.build_lib, 'tokenpose_mm', '.mim')
        os.makedirs(mim, exist_ok=True)
        for name in MIM_FILES:
            src, dst = osp.join(HERE, name), osp.join(mim, name)
            if osp.isdir(dst):
                shutil.rmtree(dst)
            if osp.isdir(src):
                shutil.copytree(src, dst, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
            else:
                shutil.copyfile(src, dst)


setup(
    name='tokenpose_mm',
    version=get_version(),
    description='TokenPose and TMPose keypoint-token pose estimation as an MMPose 1.x plugin',
    long_description=open(osp.join(HERE, 'README.md')).read()
    if osp.exists(osp.join(HERE, 'README.md')) else '',
    long_description_content_type='text/markdown',
    packages=find_packages(include=['tokenpose_mm', 'tokenpose_mm.*']),
    cmdclass={'build_py': BuildWithMimFiles},
    python_requires='>=3.8',
    license='Apache License 2.0',
    zip_safe=False,
)
