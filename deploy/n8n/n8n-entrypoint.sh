#!/bin/sh
# n8n entrypoint of deploy/compose.yaml: imports the FastSMTP sample workflow (the file is an array of one, as
# `import:workflow --input` wants; idempotent: the workflow has a fixed id, so a restart overwrites it), activates
# it so its production URL http://n8n:5678/webhook/fastsmtp answers, then runs n8n as the image would.
# Written for the n8n 1.x CLI pinned in compose.yaml.
set -eu
n8n import:workflow --input=/fastsmtp/fastsmtp-webhook-workflow.json
n8n update:workflow --id=FastSMTPDemo0001 --active=true
exec n8n start
