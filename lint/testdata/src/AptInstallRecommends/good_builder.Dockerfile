# Regression (corpus: dobtc/btc-rpc-proxy, awesome-compose backends): recommends installed in a builder stage
# never reach the final image.
FROM debian:bookworm AS builder
RUN apt-get update && apt-get install -y clang
COPY main.c /src/main.c
RUN clang -O2 -o /src/app /src/main.c

FROM debian:bookworm-slim
COPY --from=builder /src/app /usr/local/bin/app
