FROM node:20
WORKDIR /app
COPY package.json package-lock.json ./
# want "NpmCacheKept"
RUN npm ci
# want "NpmCacheKept"
RUN yarn install --frozen-lockfile
