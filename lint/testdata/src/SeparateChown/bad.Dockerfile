FROM node:20-slim
WORKDIR /app
COPY . /app
# want "SeparateChown"
RUN chown -R node:node /app
COPY entrypoint.sh /usr/local/bin/entrypoint.sh
# want "SeparateChown"
RUN chmod 0755 /usr/local/bin/entrypoint.sh
