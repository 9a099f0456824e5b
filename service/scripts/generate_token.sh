#!/bin/sh
# The deployment guide's generate_token step, shipped in the image as
# /opt/bot/scripts/generate_token.sh:  generate_token.sh --user admin --expiry 86400 [--scope chat|admin]
# The signing key comes from $SMARTBOT_JWT_PRIVATE_KEY_FILE (or --key FILE).
set -eu
exec node "$(dirname "$0")/../../bin/smartbot.js" token "$@"
