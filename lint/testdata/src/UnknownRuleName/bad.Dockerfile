# check=skip=JSONArgsRecomended  # want "UnknownRuleName"
FROM debian:bookworm
# layerlint ignore=AptListNotRemoved  # want "UnknownRuleName"
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
# hadolint's code in layerlint's pragma: the finding says which rule it is.
# layerlint ignore=DL3009  # want "UnknownRuleName"
RUN echo hi
