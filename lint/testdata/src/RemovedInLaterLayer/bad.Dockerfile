FROM debian:bookworm
WORKDIR /opt
RUN curl -fsSL -o tool.tar.gz https://example.com/tool.tar.gz
# want "RemovedInLaterLayer"
RUN rm tool.tar.gz
COPY assets/ /srv/assets/
# want "RemovedInLaterLayer"
RUN rm -rf /srv/assets/raw
# want "AptListsNotRemoved"
RUN apt-get update && apt-get install -y --no-install-recommends curl
# want "RemovedInLaterLayer"
RUN rm -rf /var/lib/apt/lists/*
