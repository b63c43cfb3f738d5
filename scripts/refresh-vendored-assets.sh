#!/usr/bin/env bash
# Refresh the committed front-end files from the npm registry. Nothing needs npm at run or test
# time: run this only to upgrade, on purpose, then commit the result.
#   GOV.UK Frontend must match govuk-frontend-jinja's macros (4.1.0 <-> 6.3.0).
#   axe-core is injected by the browser tests for accessibility checks.
set -euo pipefail
cd "$(dirname "$0")/.."
GOVUK_FRONTEND_VERSION=6.3.0
AXE_CORE_VERSION=4.14.1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "govuk-frontend@$GOVUK_FRONTEND_VERSION" "axe-core@$AXE_CORE_VERSION" >/dev/null)
mkdir -p "$work/govuk" "$work/axe"
tar -xzf "$work/govuk-frontend-$GOVUK_FRONTEND_VERSION.tgz" -C "$work/govuk"
tar -xzf "$work/axe-core-$AXE_CORE_VERSION.tgz" -C "$work/axe"

static=casework/static
rm -rf "$static/govuk" && mkdir -p "$static/govuk"
dist="$work/govuk/package/dist/govuk"
cp "$dist/govuk-frontend.min.css" "$dist/govuk-frontend.min.js" "$static/govuk/"
rm -rf "$static/fonts" "$static/images" && cp -r "$dist/assets/fonts" "$dist/assets/images" "$static/"
cp "$dist/assets/manifest.json" "$static/manifest.json"
echo "$GOVUK_FRONTEND_VERSION" > "$static/govuk/VERSION"
printf "GOV.UK Frontend %s, MIT licence: https://github.com/alphagov/govuk-frontend\n" "$GOVUK_FRONTEND_VERSION" > "$static/govuk/LICENCE"

mkdir -p tests/browser/vendor
cp "$work/axe/package/axe.min.js" tests/browser/vendor/axe.min.js
echo "$AXE_CORE_VERSION" > tests/browser/vendor/AXE_VERSION
echo "GOV.UK Frontend $GOVUK_FRONTEND_VERSION and axe-core $AXE_CORE_VERSION refreshed."
