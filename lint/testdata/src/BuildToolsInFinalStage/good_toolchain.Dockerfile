# Regression (corpus: docker-library/golang, jessfraz/gcc, jupyter/docker-stacks scipy-notebook): an image whose
# purpose is the toolchain keeps it. No CMD of its own: a base or development image.
FROM buildpack-deps:bookworm-scm AS golang
RUN apt-get update && apt-get install -y --no-install-recommends g++ gcc libc6-dev make pkg-config \
 && rm -rf /var/lib/apt/lists/* && make -C /usr/src/go
# A shell or a compiler as its command (corpus: vimagick/crystal, traefik docs check).
FROM debian:bookworm AS crystal
RUN apt-get update && apt-get install -y --no-install-recommends gcc make && rm -rf /var/lib/apt/lists/* && make
CMD ["bash"]
FROM alpine:3.20 AS check
RUN apk add --no-cache build-base && gem install html-proofer
ENTRYPOINT ["/sbin/tini", "-g", "sh"]
# Tools installed and never used to build: they are for run time (corpus: jessfraz/distcc).
FROM debian:bookworm AS distcc
RUN apt-get update && apt-get install -y --no-install-recommends distcc gcc g++ make && rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["distccd-init"]
# An ONBUILD image builds the images made from it (corpus: chrisguest75 gcc-onbuild).
FROM gcc:13 AS onbuild
RUN apt-get update && apt-get install -y --no-install-recommends cmake && rm -rf /var/lib/apt/lists/* && cmake --version
ONBUILD COPY . /src
ONBUILD RUN make -C /src
ENTRYPOINT ["/src/app"]
# Tools installed after the last build are for run time (corpus: huggingface/text-generation-inference, whose
# kernels compile when the server starts).
FROM python:3.12-slim AS server
RUN pip install --no-cache-dir flask
RUN apt-get update && apt-get install -y --no-install-recommends build-essential g++ && rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["/server-entrypoint.sh"]
# A development or test environment is a leaf but does not ship (corpus: moby/buildkit dev-env).
FROM golang:1.22-alpine AS gobuild-base
RUN apk add --no-cache clang make && make tools
FROM gobuild-base AS dev-env
ENTRYPOINT ["/docker-entrypoint.sh"]
# An image that builds kernel modules when it runs (corpus: jessfraz/wireguard install, lkp-tests).
FROM debian:sid-slim AS wireguard
RUN apt update && apt -y install build-essential kmod libelf-dev --no-install-recommends && rm -rf /var/lib/apt/lists/*
RUN make -C /wireguard-tools/src install
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
# A program run from the source tree (corpus: moby/buildkit testfiles docker, hack/dind).
FROM debian:bookworm AS dind
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/* && make
ENTRYPOINT ["hack/dind"]
# PyTorch's inductor and Triton compile kernels with the system compiler when the model runs (corpus:
# huggingface/text-generation-inference).
FROM python:3.12-slim AS inference
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/* \
 && pip install --no-cache-dir torch==2.7.0 flash-attn
ENTRYPOINT ["/usr/local/bin/serve"]
