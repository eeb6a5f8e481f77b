FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
# want "CacheMountSuggested"
RUN go mod download
COPY . .
# want "CacheMountSuggested"
RUN go build -o /out/app ./cmd/app
