# Regression (issue 18): every leaf stage ships (full and docs here, published with --target); so do the stages
# they are built on (base, light). A builder only copied from (tools) does not ship, unless a stage is built FROM
# it, here through an ARG whose default names it.
ARG BASE=python:3.12-slim
ARG TOOLS=tools
FROM ${BASE} AS base
# want "PipCacheKept"
RUN pip install flask
FROM base AS full
# want "PipCacheKept"
RUN pip install numpy
FROM base AS light
# want "PipCacheKept"
RUN pip install click
FROM golang:1.22 AS tools
# want "PipCacheKept"
RUN pip install mkdocs
FROM light AS docs
COPY --from=tools /go/bin /usr/local/bin
FROM ${TOOLS} AS tools-image
RUN echo built on tools
