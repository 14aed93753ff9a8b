#!/bin/bash
# Container health check of the runtime image (HEALTHCHECK in deploy/Dockerfile; scripts/runtime-root.sh waits
# with it too). It asks GET /api/v1/health on the API port with bash's /dev/tcp, so the image needs no curl
# (curl would bring libcurl and a dozen libraries into an image that otherwise has no HTTP client).
#
#   healthcheck.sh [PATH]        default PATH /api/v1/health; exit 0 on an HTTP 200 answer, else 1
#
# Port: FASTSMTP_API_PORT (as the server reads it), else 8000. Only a process that runs the API role
# (`serve` or `serve --api-only`) answers it; Kubernetes ignores HEALTHCHECK and uses its own probes.
set -u
path=${1:-/api/v1/health}
port=${FASTSMTP_API_PORT:-8000}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
# Status line: HTTP/1.1 200 OK
read -r -t 5 _ status _ <&3 || exit 1
[ "$status" = 200 ]
