#!/usr/bin/env bash
# Install everything `make test` needs on a fresh Debian 12 machine:
# TeX Live + poppler + chromium (apt), KaTeX + playwright-core (npm), and derive with its test extra (pip).
# Idempotent: each step is skipped when already satisfied, so running it
# before every test run costs a few seconds at most.
#
# Example:  bash scripts/install-test-deps.sh     (PYTHON=python3.11 to pick an interpreter)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python}"

step() { printf '[install-test-deps] %s\n' "$*"; }

# Run as root directly; otherwise through sudo when it exists (CI runs as root).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "install-test-deps: need root (or sudo) to run: $*" >&2
        exit 1
    fi
}

# 1. TeX Live and poppler-utils. Only the packages the templates rely on:
#    latex-extra and science are large and deliberately not needed.
if command -v pdflatex >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 \
        && command -v pdfinfo >/dev/null 2>&1; then
    step "tex: pdflatex, pdftotext and pdfinfo present"
else
    step "tex: installing texlive + poppler-utils with apt-get (takes a few minutes)"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends \
        texlive-latex-base texlive-latex-recommended texlive-pictures \
        latexmk poppler-utils >/dev/null
fi

# 2. Chromium (Debian's package: a browser that downloads itself cannot install here), which
#    tests/test_html_browser.py drives headless over the self-checking pages.
if command -v chromium >/dev/null 2>&1; then
    step "chromium: present"
else
    step "chromium: installing with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# 3. KaTeX, used by tests/support/katex_check.mjs to check Markdown math, and playwright-core,
#    which drives chromium (tests/support/browser.mjs; it downloads no browser of its own).
#    Reinstall also when an installed version differs from the pin, so a
#    bumped package.json never runs against a stale node_modules.
command -v npm >/dev/null 2>&1 || { echo "install-test-deps: npm not found (Node 20 + npm required)" >&2; exit 1; }
pinned() { node -p "require('./package.json').devDependencies['$1']"; }
installed() { node -p "try { require('./node_modules/$1/package.json').version } catch (e) { '' }"; }
if [ "$(installed katex)" = "$(pinned katex)" ] && [ "$(installed playwright-core)" = "$(pinned playwright-core)" ]; then
    step "npm: katex $(installed katex) and playwright-core $(installed playwright-core) present"
else
    step "npm: installing katex $(pinned katex) and playwright-core $(pinned playwright-core)"
    # --loglevel=error hides the harmless EBADENGINE warning of commander
    # (KaTeX's CLI dependency, unused here) on Node 20.
    if [ -f package-lock.json ]; then
        npm ci --no-audit --no-fund --loglevel=error >/dev/null
    else
        npm install --no-audit --no-fund --loglevel=error >/dev/null
    fi
fi

# 4. derive itself, editable, with its test extra (pytest etc.). Always run:
#    pip is quick when nothing changed and picks up new dependencies.
step "pip: installing derive[test] (editable)"
PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 "$PYTHON" -m pip install -q -e ".[test]"
