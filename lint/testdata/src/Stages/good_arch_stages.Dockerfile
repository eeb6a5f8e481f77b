# Regression (corpus: ollama/ollama): FROM base-${TARGETARCH} builds on base-amd64 or base-arm64, so neither is a
# leaf stage, and the builders only hand files to the final stage with COPY --from: nothing here ships but it.
ARG ROCMVERSION=6.1
FROM --platform=linux/amd64 rocm/dev-almalinux-8:${ROCMVERSION}-complete AS base-amd64
RUN dnf install -y yum-utils ccache gcc-toolset-13-gcc
FROM --platform=linux/arm64 almalinux:8 AS base-arm64
RUN yum install -y yum-utils epel-release && dnf install -y clang ccache git
FROM base-${TARGETARCH} AS base
RUN pip install cmake
FROM base AS cpu
RUN make -j8
FROM ubuntu:24.04
COPY --from=cpu /go/bin/app /usr/bin/app
