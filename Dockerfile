# syntax=docker/dockerfile:1
# The bench-operator image: docker build -t ghcr.io/bench-operator/bench-operator:0.1.0 .
# Without Docker, `make images` builds it with buildah (hack/images/build.sh) into an OCI archive.
#
# Node 24 runs the compiled JavaScript (tsc -p tsconfig.build.json: operator/src without its
# tests). Dependencies are installed with --ignore-scripts: the only install scripts are the `node`
# devDependency's (which downloads a second Node the image already has) and esbuild's (tests), and
# skipping them keeps untrusted code out of the build. For the same reason the build calls tsc with
# the image's node instead of `npm run build`, whose PATH would put that missing node shim first.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY operator/src ./operator/src
# The runner contract (environment, exit codes, result) the operator shares with bench-runner.
COPY runner/src/contract ./runner/src/contract
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json \
    && node dist/operator/src/main.js --no-such-flag 2>&1 | grep -q ERR_PARSE_ARGS_UNKNOWN_OPTION
# Production dependencies only, without their TypeScript declarations and source maps: nothing
# reads those at run time, and they were 147 of node_modules' 217 MB (mostly .d.ts files of
# @octokit/* and @kubernetes/client-node).
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
    && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -delete

FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.source="https://github.com/bench-operator/bench-operator" \
      org.opencontainers.image.description="bench-operator: runs AI benchmark suites as Kubernetes Jobs" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
# package.json says "type": "module": the emitted .js files are ES modules.
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/operator ./dist/operator
COPY --from=build /src/dist/runner/src/contract ./dist/runner/src/contract
# Non-root, numeric so that runAsNonRoot can verify it (config/manager runs it as 65532 too).
# The user in /etc/passwd and /etc/group too: Kubernetes runs an image's numeric USER as its uid but
# takes the group from the image's /etc/passwd (the kubelet passes the uid alone), so without the
# entry the process would run with group 0 (seen on the real node of hack/testenv).
RUN echo 'nonroot:x:65532:65532:nonroot:/nonexistent:/usr/sbin/nologin' >>/etc/passwd \
    && echo 'nonroot:x:65532:' >>/etc/group
USER 65532:65532
# 8080 /metrics, 8081 /healthz and /readyz.
EXPOSE 8080 8081
ENTRYPOINT ["node", "dist/operator/src/main.js"]
