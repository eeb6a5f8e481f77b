FROM debian:bookworm
WORKDIR /opt
RUN curl -fsSL -o tool.tar.gz https://example.com/tool.tar.gz && tar -xzf tool.tar.gz && rm tool.tar.gz
RUN rm -rf /tmp/unrelated
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
