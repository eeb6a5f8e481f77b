# Regression (corpus: tianon/dockerfiles, docker-library/python trixie): apt 2.7's dist-clean removes the
# lists, and so does a find that deletes them (llama.cpp's .devops Dockerfiles).
FROM debian:trixie
RUN set -eux; \
	apt-get update; \
	apt-get install -y --no-install-recommends ca-certificates; \
	apt-get dist-clean
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && apt-get clean -y \
    && find /var/cache/apt/archives /var/lib/apt/lists -not -name lock -type f -delete
