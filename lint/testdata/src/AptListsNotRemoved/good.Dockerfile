FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN <<EOT
set -eux
apt-get update
apt-get install -y --no-install-recommends git
rm -rf /var/lib/apt/lists/*
EOT
RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \
    --mount=type=cache,target=/var/cache/apt,sharing=locked \
    apt-get update && apt-get install -y --no-install-recommends jq
RUN set -e; \
    apt-get update; \
    # comment lines inside a continuation are dropped by BuildKit
    apt-get install -y --no-install-recommends jq; \
    rm -rf /var/lib/apt/lists/*
