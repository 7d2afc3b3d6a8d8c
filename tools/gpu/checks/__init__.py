"""The steps of ``tools/gpu/check.py``, one module each: the run and its settings
(:mod:`.context`), the environment, the official-fixture equivalence, training (with resume,
test and ``dist_train.sh``), inference (demo, attention maps, ONNX), the benchmark, the report."""
