FROM alpine:3.20
# want "ApkCacheKept"
RUN apk update && apk add curl
