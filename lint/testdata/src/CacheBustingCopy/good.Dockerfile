FROM node:20-alpine AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci
COPY . .
RUN npm run build

FROM python:3.12-slim
WORKDIR /srv
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
# Installing a named tool before the context comes in is the right order.
RUN pip install --no-cache-dir gunicorn
COPY . .
COPY --from=web /app/dist /srv/static
