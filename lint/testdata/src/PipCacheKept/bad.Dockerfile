FROM python:3.12-slim
# want "PipCacheKept"
RUN pip install flask
# want "PipCacheKept"
RUN python3 -m pip install --upgrade pip
