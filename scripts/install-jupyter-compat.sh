#!/usr/bin/env bash
# Installs Debian's Jupyter: nbconvert + nbclient, used by tests/runner-jupyter-compat.test.ts to
# execute a notebook through the project's kernel spec, and the classic Notebook (jupyter-notebook),
# for `npm run lab` and tests/jupyter-kernel-real.test.ts (those tests skip when it is missing).
# (jupyter-execute comes with python3-nbclient.) Needs root (or sudo) and apt-get; safe to run again.
set -euo pipefail
if command -v jupyter-nbconvert >/dev/null 2>&1 && command -v jupyter-execute >/dev/null 2>&1 && command -v jupyter-notebook >/dev/null 2>&1; then
  echo "jupyter-nbconvert, python3-nbclient and jupyter-notebook are already installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq jupyter-nbconvert python3-nbclient jupyter-notebook
jupyter-nbconvert --version
