# agentbox in a container: the workspace is a volume, the server speaks MCP
# over stdin/stdout (or HTTP with serve --http). Untested here: this
# project's machines cannot build images. Build and run:
#
#   docker build -t agentbox .
#   docker run -i --rm -v "$PWD:/workspace" agentbox
#   docker run --rm -p 8080:8080 -e AGENTBOX_TOKEN -v "$PWD:/workspace" agentbox \
#       serve --workspace /workspace --http 0.0.0.0:8080
#
# Arguments replace the default command (serve --workspace /workspace); any
# server flag goes there: --allow-network, --read-confinement strict, ...
#
# The image is distroless: it has no shell, so Bash, BashOutput and
# KillShell report that bash is missing; the file tools, Glob, Grep and the
# prompts work. For Bash, build FROM an image with bash and your toolchain
# instead of distroless and copy /agentbox and /agentbox-sandbox into it.
# Docker's default seccomp profile refuses the user namespaces the sandbox
# starts in: agentbox then confines commands with Landlock alone and says
# which layers are missing (--sandbox=require refuses to start).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/agentbox ./cmd/agentbox \
 && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/agentbox-sandbox ./cmd/agentbox-sandbox

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/agentbox /out/agentbox-sandbox /
VOLUME /workspace
WORKDIR /workspace
ENTRYPOINT ["/agentbox"]
CMD ["serve", "--workspace", "/workspace"]
