# syntax=docker/dockerfile:1
# check=skip=AptListsNotRemoved,CacheMountSuggested,JSONArgsRecommended
# BuildKit's check directive turns off layerlint's own rules too: nothing is reported here.
FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends curl
RUN go build ./...
CMD run --fast
