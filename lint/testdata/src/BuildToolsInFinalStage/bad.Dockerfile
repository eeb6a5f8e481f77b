FROM python:3.12-slim
# want "BuildToolsInFinalStage"
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uwsgi
CMD ["uwsgi", "--http", ":8080"]

# Each leaf stage is an image: the tools of both published targets are reported.
FROM alpine:3.20 AS base
# want "BuildToolsInFinalStage" "BuildToolsInFinalStage"
RUN apk add --no-cache gcc make musl-dev && make -C /src install
FROM base AS server
ENTRYPOINT ["/usr/local/bin/server"]
FROM base AS worker
ENTRYPOINT ["/sbin/tini", "--", "/usr/local/bin/worker"]
