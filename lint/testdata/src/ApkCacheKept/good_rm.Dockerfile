# Regression (issue 18; hadolint flags these 29 times): apk add followed by a removal of /var/cache/apk in the same
# RUN keeps no index; neither does --no-network (corpus: docker-library/python alpine, through xargs).
FROM alpine:3.20
RUN apk add --update curl && rm /var/cache/apk/*
RUN apk add --update git \
    && rm -rf /var/cache/apk/*
RUN scanelf --needed --nobanner /usr/local | xargs -rt apk add --no-network --virtual .rundeps
