FROM alpine:3.20
RUN apk add --no-cache curl
RUN apk update && apk add git && rm -rf /var/cache/apk/*
RUN --mount=type=cache,target=/var/cache/apk apk add jq
