FROM rockylinux:9
RUN dnf install -y git && dnf clean all
RUN yum install -y vim && yum clean all && rm -rf /var/cache/yum
