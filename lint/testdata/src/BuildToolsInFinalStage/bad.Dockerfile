FROM python:3.12-slim
# want "BuildToolsInFinalStage"
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*
