FROM node:20-slim
WORKDIR /app
COPY --chown=node:node . /app
COPY --chmod=0755 entrypoint.sh /usr/local/bin/entrypoint.sh
RUN mkdir /data && chown node:node /data
