#!/usr/bin/env bash
# Installs Debian's Jupyter nbconvert + nbclient, used by tests/runner-jupyter-compat.test.ts to
# execute a notebook through a tslab kernelspec (the test is skipped when they are missing).
# (jupyter-execute comes with python3-nbclient.) Needs root (or sudo) and apt-get; safe to run again.
set -euo pipefail
if command -v jupyter-nbconvert >/dev/null 2>&1 && command -v jupyter-execute >/dev/null 2>&1; then
  echo "jupyter-nbconvert and python3-nbclient are already installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq jupyter-nbconvert python3-nbclient
jupyter-nbconvert --version
