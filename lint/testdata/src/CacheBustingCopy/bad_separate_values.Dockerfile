# Regression (corpus: excalidraw/excalidraw): yarn's --network-timeout takes a separate value, which is not a
# package name, so this is yarn installing from the manifests.
FROM node:24 AS build
WORKDIR /opt/node_app
# want "CacheBustingCopy"
COPY . .
RUN --mount=type=cache,target=/root/.cache/yarn \
    npm_config_target_arch=${TARGETARCH} yarn --frozen-lockfile --network-timeout 600000

FROM node:22 AS ci
WORKDIR /app
# want "CacheBustingCopy"
COPY . .
# want "NpmCacheKept"
RUN npm ci --loglevel warn

FROM node:22 AS prefix
# want "CacheBustingCopy"
COPY . /app
# want "NpmCacheKept"
RUN npm install --prefix /app
