# The image of every service, from this one file, built from the repository root:
#   docker build --build-arg SERVICE=orders -t mercato/orders .
# SERVICE names a folder under services/ (whose package is @mercato/<SERVICE>); skaffold.yaml builds
# each service's image this way.
FROM node:24-slim
WORKDIR /app
# What every service shares comes first, so these layers are the same in every image.
COPY package.json package-lock.json ./
COPY libs ./libs
ARG SERVICE
RUN test -n "$SERVICE" || { echo 'build with --build-arg SERVICE=<folder under services/>' >&2; exit 1; }
COPY services/${SERVICE} ./services/${SERVICE}
# tsx (a root devDependency) runs the TypeScript sources, so dev dependencies are installed, and
# NODE_ENV=production is set only afterwards (under it npm ci would omit them). --ignore-scripts
# skips the `node` package's download of a second Node 24: the image already is Node 24.
RUN npm ci --workspace "@mercato/${SERVICE}" --include-workspace-root --include=dev --ignore-scripts \
  && npm cache clean --force
ENV NODE_ENV=production
ENV PORT=8080
WORKDIR /app/services/${SERVICE}
EXPOSE 8080
USER node
# Exec form: node itself receives SIGTERM and shuts down gracefully (stops taking requests and
# messages, finishes those in flight, closes connections). The kit's instrument module starts
# tracing; it exports only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
CMD ["node", "--import", "tsx", "--import", "@mercato/kit/instrument", "src/server.ts"]
