# Steps that fill a layer with the dependencies on purpose (after copying only the manifests) are the fix for
# CacheBustingCopy: the later steps read that layer, so a cache mount on them alone would break the build
# (corpus: docker/awesome-compose react-java-mysql, camposss/go-chat-backend).
FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
FROM maven:3 AS java
COPY pom.xml .
RUN mvn dependency:go-offline
FROM rust:1.85 AS rust
COPY Cargo.toml Cargo.lock ./
RUN cargo fetch
# A later build step reads what the download step left in its layer: a cache mount would hide it (corpus:
# GoogleCloudPlatform/microservices-demo adservice, docker/awesome-compose react-java-mysql).
FROM gradle:8 AS ad
COPY build.gradle gradlew ./
RUN ./gradlew downloadRepos
COPY . .
RUN ./gradlew installDist
FROM maven:3 AS backend
COPY pom.xml .
RUN mvn dependency:go-offline
COPY . .
RUN mvn install
