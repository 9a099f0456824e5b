#!/bin/sh
# The deployment guide's generate_token step, shipped in the images as
# /opt/bot/scripts/generate_token.sh:  generate_token.sh --user admin --expiry 86400 [--scope chat|admin]
# The signing key comes from $SMARTBOT_JWT_PRIVATE_KEY_FILE (or --key FILE). In a checkout it
# runs `smartbot token`; in an image, the token command alone (the image has no whole CLI).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
for root in "$here/../app" "$here/../.."; do
  if [ -f "$root/dist/cli/token.js" ]; then exec node "$root/dist/cli/token.js" "$@"; fi
done
echo "generate_token.sh: cannot find dist/cli/token.js next to $here" >&2
exit 2
