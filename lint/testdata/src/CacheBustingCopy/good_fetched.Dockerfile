# Regression (corpus: huggingface/text-generation-inference Dockerfile_llamacpp): the dependencies are cooked
# from a recipe before the whole context comes in, so the build after COPY . . reuses them.
FROM rust:1.85 AS builder
WORKDIR /app
COPY recipe.json recipe.json
RUN cargo chef cook --release --recipe-path recipe.json
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry cargo build --release --frozen

# The same with cargo fetch.
FROM rust:1.85 AS fetched
WORKDIR /app
COPY Cargo.toml Cargo.lock ./
RUN --mount=type=cache,target=/usr/local/cargo/registry cargo fetch
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry cargo build --release --offline

FROM debian:bookworm-slim
COPY --from=builder /app/target/release/app /usr/local/bin/app
COPY --from=fetched /app/target/release/app /usr/local/bin/app2
