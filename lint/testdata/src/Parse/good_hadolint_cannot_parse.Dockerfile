# Regression (issue 18): valid Dockerfiles hadolint cannot parse lint here: a heredoc followed by a comment, and
# ${VAR:-x} in EXPOSE.
FROM debian:bookworm
ARG PORT
COPY <<EOF /etc/app.conf
listen = 8080
EOF
# The configuration above is written whole.
EXPOSE ${PORT:-8080}
RUN <<EOF
set -e
echo built > /tmp/marker
EOF
# done
CMD ["cat", "/etc/app.conf"]
