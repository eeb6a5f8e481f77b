FROM debian:bookworm
WORKDIR /tmp
RUN wget -O node.tar.xz https://nodejs.org/dist/v20.0.0/node-v20.0.0-linux-x64.tar.xz \
    && tar -xJf node.tar.xz -C /usr/local --strip-components=1 \
    && rm node.tar.xz
COPY vendor.tar.gz /tmp/vendor.tar.gz
RUN tar -xzf /tmp/vendor.tar.gz -C /opt
