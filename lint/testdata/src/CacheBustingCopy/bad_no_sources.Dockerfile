# An install that reads no sources re-runs on every source edit when it follows the COPY of the whole
# context: it belongs above it.
FROM python:3.12-slim
WORKDIR /srv
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
# want "CacheBustingCopy"
COPY . .
RUN pip install --no-cache-dir gunicorn

# Regression (issue 18): COPY . /app before apt-get install; a real rebuild re-ran a 179 MB apt step after a
# one-line change.
FROM debian:bookworm
# want "CacheBustingCopy"
COPY . /app
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
CMD ["/app/run.sh"]

# Regression (corpus: docker/awesome-compose vuejs): yarn global add reads no sources; the yarn install after it
# is fed by the manifests. Both are reported on the COPY.
FROM node:14.4.0-alpine AS development
WORKDIR /project
# want "CacheBustingCopy" "CacheBustingCopy"
COPY . .
# want "NpmCacheKept"
RUN yarn global add @vue/cli
# want "NpmCacheKept"
RUN yarn install
CMD ["yarn", "run", "serve"]
