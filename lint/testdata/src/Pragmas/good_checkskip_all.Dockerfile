# check=skip=all
FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends curl
MAINTAINER someone@example.com
