# make main   set up (first time: ~20 min, mostly compiling mmcv) and run the main job
# make test   set up and run the test suite
# make setup  only set up .venv (idempotent: seconds when everything is there)
VENV ?= .venv
PY := $(VENV)/bin/python
export VENV
TEST_WORKERS ?= 2  # pytest-xdist workers (two cores: the suite in about two thirds of the time)

.PHONY: setup test main
setup:
	@bash tools/setup_env.sh
test: setup
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup tests
main: setup
	$(PY) tools/main_job.py $(ARGS)
