#!/usr/bin/env bash
# Installs the system packages the tests need when they are missing and we are root
# (CI and fresh machines): Debian's Chromium for browser tests, a Java runtime for Spark.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${need[*]} (for browser and Spark tests)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "The tests need: ${need[*]}. Install them with your package manager (e.g. sudo apt-get install ${need[*]})." >&2
  exit 1
fi
