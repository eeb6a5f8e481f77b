# Regression (issue 18): heredoc RUN bodies are read by the apt rules, in each form BuildKit runs them.
FROM debian:bookworm
# want "AptListsNotRemoved"
RUN bash <<EOF
set -e
apt-get update
apt-get install -y --no-install-recommends curl
EOF
# want "AptListsNotRemoved"
RUN <<EOF bash
apt-get update && apt-get install -y --no-install-recommends git
EOF
# A here-document that is data is not read as commands: the sources list names no command.
# want "AptListsNotRemoved"
RUN cat > /etc/apt/sources.list.d/extra.list <<EOF && apt-get update && apt-get install -y --no-install-recommends jq
deb http://deb.debian.org/debian bookworm-backports main
EOF
# want "AptListsNotRemoved"
RUN sh -c 'apt-get update && apt-get install -y --no-install-recommends wget'
# A shebang naming another interpreter is not shell.
RUN <<EOF
#!/usr/bin/env python3
print("apt-get update")
EOF
