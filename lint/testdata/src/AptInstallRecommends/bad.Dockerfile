FROM ubuntu:24.04
# want "AptInstallRecommends"
RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
