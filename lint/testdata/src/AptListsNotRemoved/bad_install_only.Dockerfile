# Regression: a RUN that only installs writes no index; the RUN with the update is the one to fix.
FROM debian:12
# want "AptListsNotRemoved" "AptUpdateWithoutInstall"
RUN apt-get update
RUN apt-get install -y --no-install-recommends curl
# apt 3's install --update fills the index itself.
# want "AptListsNotRemoved"
RUN apt-get install --update -y --no-install-recommends git
# A find that only lists the files removes nothing.
# want "AptListsNotRemoved"
RUN apt-get update && apt-get install -y --no-install-recommends jq && find /var/lib/apt/lists -type f
