# Regression (issue 18): downloaded, unzipped and deleted in the same RUN, relative to WORKDIR and after a cd:
# neither DownloadExtractSplit nor RemovedInLaterLayer.
FROM debian:bookworm
WORKDIR /tmp
RUN wget -q https://example.com/dist/app.zip && unzip app.zip -d /opt && rm app.zip
RUN mkdir /src && cd /src && curl -fsSLO https://example.com/tool.tar.gz && tar -xzf tool.tar.gz && rm tool.tar.gz
# Empty files and directories hold no bytes: deleting them later wastes nothing.
RUN mkdir -p /run/app && touch /run/app/ready
RUN rm -rf /run/app
# Deleting what a later command of the same RUN writes again leaves the new file.
RUN rm -f /etc/app.conf; echo new > /etc/app.conf
# Under a mount nothing reaches the layer, so nothing is wasted.
RUN --mount=type=cache,target=/root/.cache/pip pip install --no-cache-dir flask
RUN --mount=type=tmpfs,target=/scratch dd if=/dev/zero of=/scratch/big bs=1M count=10
RUN rm -rf /scratch/big
