FROM node:20-alpine AS web
WORKDIR /app
# want "CacheBustingCopy"
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci
RUN npm run build

FROM python:3.12-slim
WORKDIR /srv
# want "CacheBustingCopy"
COPY ./ /srv/
RUN pip install --no-cache-dir -r requirements.txt

FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
# want "CacheBustingCopy"
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod go mod download
