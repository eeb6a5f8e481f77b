# RemovedInLaterLayer's and WastedBytes' advice applied by hand: delete the file in the RUN that creates it.
FROM localhost/layerlint/debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends jq
COPY app /app
RUN chmod -R 0755 /app
RUN dd if=/dev/zero of=/opt/blob bs=1k count=2048 && rm /opt/blob
CMD ["jq", "--version"]
