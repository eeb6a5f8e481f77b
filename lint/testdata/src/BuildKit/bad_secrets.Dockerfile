# A real-looking value under a secret's name is still reported, fingerprint-like or not.
FROM debian:bookworm
# want "SecretsUsedInArgOrEnv"
ENV LICENSE_KEY=lgNvGyhnUKpa5PJi
# want "SecretsUsedInArgOrEnv"
ENV API_TOKEN=7169605F62C751356D054A26A821E680E5FA6305
# want "WorkdirRelativePath"
WORKDIR ./app
# From scratch every variable is the Dockerfile's own.
FROM scratch AS empty
# want "UndefinedVar"
ENV PATH=/app:$APP_HOME
