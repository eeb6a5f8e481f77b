# Regression (corpus: docker-library/python, wordpress, jenkins): a public key's fingerprint is not a secret.
FROM python:3.12-slim
ENV GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305
ENV WORDPRESS_CLI_GPG_KEY=63AF7AA15067C05616FDDD88A3A2E8F226F0BC06
ARG JENKINS_GPG_KEY=5E386EADB55F01504CAE8BCF7198F4B714ABFC68
# An empty value is declared for run time; a path to a key file names no secret.
ENV PASSWORD=
ENV NGROK_CA_KEY=assets/client/tls/ngrokroot.key
# Regression (corpus: docker-library/golang windows, tianon/dockerfiles cygwin): Windows paths are absolute.
FROM mcr.microsoft.com/windows/nanoserver:ltsc2022 AS win
WORKDIR C:\\cygwin
WORKDIR C:/ProgramData/app
CMD ["cmd"]
# Regression (corpus: jupyter/docker-stacks, docker-library/golang): a variable the base image sets is not
# known offline; BuildKit knows it when it builds.
FROM quay.io/jupyter/base-notebook AS notebook
USER $NB_UID
ENV PATH=$GOPATH/bin:$PATH
