# hadolint global ignore=DL3042
FROM debian:bookworm
# Trailing comments after the names, and hadolint's pragmas for the rules that map.
# layerlint ignore=AptInstallRecommends  # one package, recommends wanted
RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
# hadolint ignore=DL3009,DL3015
RUN apt-get update && apt-get install -y wget
# hadolint ignore=DL3008 reason: pinned elsewhere
# want "AptListsNotRemoved"
RUN apt-get update && apt-get install -y --no-install-recommends jq
# The global pragma turns PipCacheKept (DL3042) off everywhere.
RUN pip install flask
# hadolint ignore=DL3032
RUN yum install -y git
# hadolint ignore=DL4000
MAINTAINER someone@example.com
