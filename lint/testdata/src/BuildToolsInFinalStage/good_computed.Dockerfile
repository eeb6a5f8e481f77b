# Regression (corpus: moby/buildkit testfiles brimstone-docker-consul): the packages the build added are
# removed through a computed list.
FROM debian:bookworm-slim
RUN dpkg -l > /tmp/dpkg.clean \
	&& apt-get update \
	&& apt-get install -y --no-install-recommends build-essential \
	&& make install \
	&& dpkg -l > /tmp/dpkg.dirty \
	&& apt-get remove --purge -y $(diff /tmp/dpkg.clean /tmp/dpkg.dirty | awk '/^>/ {print $2}') \
	&& rm -rf /var/lib/apt/lists/* /tmp/dpkg.*
