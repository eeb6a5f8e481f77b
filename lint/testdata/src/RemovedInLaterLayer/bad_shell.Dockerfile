# Regression (issue 18): files made by dd of=, cp, mv, redirections, tee, tar -x and unzip, then deleted a layer
# later; 31 MB went unreported without an image.
FROM debian:bookworm
RUN dd if=/dev/zero of=/opt/blob bs=1M count=31
# want "RemovedInLaterLayer"
RUN rm /opt/blob
RUN cp /usr/share/dict/words /tmp/words && mv /etc/motd /tmp/motd.old && echo big > /var/log/build.log
# want "RemovedInLaterLayer" "RemovedInLaterLayer" "RemovedInLaterLayer"
RUN rm -f /tmp/words /tmp/motd.old /var/log/build.log
WORKDIR /build
RUN curl -fsSL https://example.com/src.tgz | tee /build/src.tgz | tar -xz
# want "RemovedInLaterLayer"
RUN cd / && rm -rf build
RUN mkdir -p /opt/app && cd /opt/app && unzip /dist/app.zip
# want "RemovedInLaterLayer"
RUN find /opt/app -delete
