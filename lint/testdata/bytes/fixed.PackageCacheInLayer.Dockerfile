# PackageCacheInLayer's advice applied by hand: clean both apt caches in the RUN that fills them.
FROM localhost/layerlint/debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends jq && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY app /app
RUN chmod -R 0755 /app
RUN dd if=/dev/zero of=/opt/blob bs=1k count=2048
RUN rm /opt/blob
CMD ["jq", "--version"]
