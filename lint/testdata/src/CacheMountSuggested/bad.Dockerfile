FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# want "CacheMountSuggested"
RUN go build -o /out/app ./cmd/app
FROM maven:3 AS java
# want "CacheMountSuggested"
RUN mvn -B package
