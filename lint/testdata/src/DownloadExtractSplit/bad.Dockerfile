FROM debian:bookworm
WORKDIR /tmp
RUN wget -O node.tar.xz https://nodejs.org/dist/v20.0.0/node-v20.0.0-linux-x64.tar.xz
# want "DownloadExtractSplit"
RUN tar -xJf node.tar.xz -C /usr/local --strip-components=1
ADD https://example.com/app.zip /opt/app.zip
# want "DownloadExtractSplit"
RUN unzip /opt/app.zip -d /opt/app
