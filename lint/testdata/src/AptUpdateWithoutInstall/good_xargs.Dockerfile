# Regression (corpus: jupyter/docker-stacks manpage_install): the install runs through xargs.
FROM debian:bookworm
RUN apt-get update --yes && \
    dpkg -l | grep ^ii | cut -d' ' -f3 | xargs apt-get install --yes --no-install-recommends --reinstall man && \
    apt-get clean && rm -rf /var/lib/apt/lists/*
# Regression (corpus: chrisguest75/docker_examples): the index lives in a cache mount, not in the layer.
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update
RUN --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get install -y --no-install-recommends curl
# Regression (corpus: vimagick/kafka-manager): the lists are removed again in the same RUN.
RUN apt update && dpkg -i /tmp/scala.deb && rm -rf /var/lib/apt/lists/*
# A script the RUN runs after the update may install.
RUN apt-get update && ./install-deps.sh && rm -rf /var/lib/apt/lists/*
