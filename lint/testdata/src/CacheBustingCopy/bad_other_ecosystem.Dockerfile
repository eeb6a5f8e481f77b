# Fetching one ecosystem's dependencies does not make another's install cheap.
FROM node:22
WORKDIR /app
COPY Cargo.toml Cargo.lock ./
RUN --mount=type=cache,target=/usr/local/cargo/registry cargo fetch
# want "CacheBustingCopy"
COPY . .
RUN npm ci && npm cache clean --force
