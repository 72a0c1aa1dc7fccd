# clarity-bot: multi-stage build, small non-root runtime image.
#   docker build -t clarity-bot .
#   docker run -p 3000:3000 -v clarity-data:/data \
#     -e SLACK_BOT_TOKEN -e SLACK_SIGNING_SECRET clarity-bot

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin clarity-bot

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin clarity \
 && mkdir -p /data && chown clarity /data
WORKDIR /app
COPY --from=build /src/target/release/clarity-bot /usr/local/bin/clarity-bot
COPY config/ /app/config/
USER clarity
ENV CLARITY_BIND=0.0.0.0:3000 \
    DATABASE_URL=sqlite:///data/clarity.db \
    CLARITY_CONFIG=/app/config/clarity.toml \
    RUST_LOG=info
VOLUME ["/data"]
EXPOSE 3000
# /healthz answers once the process serves; bash can open a TCP socket itself.
HEALTHCHECK --interval=30s --timeout=3s CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/3000 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q ' 200 ' <&3"]
ENTRYPOINT ["clarity-bot"]
CMD ["serve"]
