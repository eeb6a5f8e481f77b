FROM debian:bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
# The word apt-get-update-notes is not the command.
RUN echo apt-get-update-notes > /notes
