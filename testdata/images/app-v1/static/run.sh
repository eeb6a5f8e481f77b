#!/bin/sh
# run.sh: 0644 in app-v1, made 0755 by a RUN in app-v2 (a mode-only change).
echo "layerlint test app ${APP_VERSION:-unknown} $*"
