# `make test` installs what the tests need (scripts/install-test-deps.sh), then runs them.
PYTHON ?= python
export PYTHON

.PHONY: test install bench

test:
	bash scripts/install-test-deps.sh
	DERIVE_REQUIRE_TOOLS=1 $(PYTHON) -m pytest -q

install:
	$(PYTHON) -m pip install .

# Each benchmark is a standalone script; stop at the first that fails.
bench:
	@set -e; for f in benchmarks/*.py; do \
		[ -e "$$f" ] || continue; \
		echo "== $$f"; \
		$(PYTHON) "$$f"; \
	done
