FROM node:20
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci && npm cache clean --force
RUN --mount=type=cache,target=/root/.npm npm install
RUN yarn install --frozen-lockfile && yarn cache clean
