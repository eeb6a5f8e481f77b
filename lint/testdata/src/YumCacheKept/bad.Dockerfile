FROM rockylinux:9
# want "YumCacheKept"
RUN dnf install -y git
# want "YumCacheKept"
RUN zypper install -y vim
