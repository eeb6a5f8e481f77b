# Regression (corpus: tianon/dockerfiles handbrake, makemkv, rtl-433): build tools installed, marked auto and
# purged with --auto-remove in the same RUN; or removed through a computed list.
FROM debian:bookworm-slim
RUN set -eux; \
	savedAptMark="$(apt-mark showmanual)"; \
	apt-get update; \
	apt-get install -y --no-install-recommends cmake gcc make; \
	make install; \
	apt-mark auto '.*' > /dev/null; \
	[ -z "$savedAptMark" ] || apt-mark manual $savedAptMark; \
	apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false; \
	rm -rf /var/lib/apt/lists/*
