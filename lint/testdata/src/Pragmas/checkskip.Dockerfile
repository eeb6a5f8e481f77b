# check=skip=AptListsNotRemoved
# Only the named rule is skipped; the others still report.
FROM debian:bookworm
# want "AptUpdateWithoutInstall"
RUN apt-get update
