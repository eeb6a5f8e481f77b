# check=skip=JSONArgsRecommended,AptListsNotRemoved
FROM debian:bookworm
# layerlint ignore=AptInstallRecommends, CacheMountSuggested  # the install is one small package
RUN apt-get update && apt-get install -y curl && go build ./...
# hadolint's own codes are hadolint's business, mapped or not.
# hadolint ignore=DL3008,DL3009
RUN echo hi
CMD run --fast
