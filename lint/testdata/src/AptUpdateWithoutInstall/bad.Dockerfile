FROM debian:bookworm
# want "AptUpdateWithoutInstall" "AptListsNotRemoved"
RUN apt-get update
# want "RemovedInLaterLayer"
RUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
