FROM debian:bookworm
# want "AptListsNotRemoved"
RUN apt-get update && apt-get install -y --no-install-recommends curl
# want "AptListsNotRemoved"
RUN <<EOT
set -eux
apt-get update
apt-get install -y --no-install-recommends git
EOT
# The cleanup is a different word: /var/lib/apt/lists-old is not the lists.
# want "AptListsNotRemoved"
RUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists-old
