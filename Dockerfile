# hogsend-db as a container: a static binary on a distroless base, run as a
# non-root user. The image is a one-shot migrate step (see examples/compose).
#
#   docker build -t hogsend-db .                 # builds the binary from source
#   docker run --rm hogsend-db version
#
# goreleaser builds the release image from this file with
# --build-arg BINARY=prebuilt: then the binary it already built for each
# platform is copied in instead of compiling again (see .goreleaser.yaml).
ARG BINARY=source

FROM golang:1.26 AS source
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=""
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/hogsend/hogsend-db/internal/version.Version=${VERSION}" \
      -o /out/hogsend-db ./cmd/hogsend-db

# dockers_v2 puts each platform's binary at <os>/<arch>/ in the build context.
FROM scratch AS prebuilt
ARG TARGETPLATFORM
COPY ${TARGETPLATFORM}/hogsend-db /out/hogsend-db

FROM ${BINARY} AS binary

# distroless/static: CA certificates (for sslmode=verify-full), tzdata and a
# passwd entry for the "nonroot" user (uid 65532); no shell, no libc needed.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=binary /out/hogsend-db /usr/local/bin/hogsend-db
USER nonroot:nonroot
ENTRYPOINT ["hogsend-db"]
CMD ["--help"]
