# clarity-bot: one image for `docker compose` (see docker-compose.yml) or
# `docker run`. The dependencies are compiled in a layer of their own
# (cargo-chef), so a change to the bot's source rebuilds only the bot.
#   docker build -t clarity-bot .
#   docker run -v clarity-data:/data -e SLACK_BOT_TOKEN -e SLACK_APP_TOKEN clarity-bot

FROM rust:1-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /src

# The recipe: Cargo.toml, Cargo.lock and the crate's layout, no source.
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS build
COPY --from=planner /src/recipe.json recipe.json
# Cached until Cargo.toml or Cargo.lock change.
RUN cargo chef cook --release --locked --recipe-path recipe.json --bin clarity-bot
COPY . .
RUN cargo build --release --locked --bin clarity-bot

FROM debian:bookworm-slim AS runtime
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
# /readyz answers 200 while the database answers and takes writes; bash can
# open a TCP socket itself, so the image needs no curl.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/3000 && printf 'GET /readyz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q ' 200 ' <&3"]
ENTRYPOINT ["clarity-bot"]
CMD ["serve"]
