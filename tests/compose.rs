//! `docker-compose.yml`, `Dockerfile` and `Caddyfile`, checked as far as a
//! machine without a Docker engine allows: the compose file is parsed and
//! interpolated the way `docker compose` does, and the environment the bot
//! would get is loaded by the bot's own settings; the database password's
//! way into the bot (PGPASSWORD) is shown against a fake PostgreSQL.

use clarity_bot::settings::Settings;
use clarity_bot::store::Backend;
use serde_norway::Value;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(name: &str) -> String {
    std::fs::read_to_string(root().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn compose() -> Value {
    let mut value: Value =
        serde_norway::from_str(&read("docker-compose.yml")).expect("docker-compose.yml is YAML");
    value.apply_merge().expect("merge keys resolve");
    value
}

fn service<'a>(compose: &'a Value, name: &str) -> &'a Value {
    compose["services"]
        .get(name)
        .unwrap_or_else(|| panic!("no service {name}"))
}

fn services(compose: &Value) -> Vec<String> {
    compose["services"]
        .as_mapping()
        .expect("services")
        .keys()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect()
}

/// The services `docker compose [--profile P] up` starts.
fn started(compose: &Value, profile: Option<&str>) -> Vec<String> {
    services(compose)
        .into_iter()
        .filter(|name| match service(compose, name).get("profiles") {
            None => true,
            Some(profiles) => profile.is_some_and(|p| {
                profiles
                    .as_sequence()
                    .is_some_and(|list| list.iter().any(|v| v.as_str() == Some(p)))
            }),
        })
        .collect()
}

/// Compose's interpolation: `$$`, `${VAR}`, `${VAR:-default}`,
/// `${VAR-default}`, `${VAR:?error}` and `${VAR?error}`.
fn interpolate(text: &str, env: &HashMap<&str, &str>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
            continue;
        }
        let Some(inner) = after.strip_prefix('{') else {
            return Err(format!("unbraced variable in {text:?}"));
        };
        let close = inner
            .find('}')
            .ok_or_else(|| format!("unclosed ${{ in {text:?}"))?;
        let expr = &inner[..close];
        rest = &inner[close + 1..];
        let name_len = expr
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(expr.len());
        let (name, op) = expr.split_at(name_len);
        let set = env.get(name).copied();
        let non_empty = set.filter(|v| !v.is_empty());
        let value = match op {
            "" => set.unwrap_or("").to_string(),
            _ if op.starts_with(":-") => non_empty.unwrap_or(&op[2..]).to_string(),
            _ if op.starts_with('-') => set.unwrap_or(&op[1..]).to_string(),
            _ if op.starts_with(":?") => non_empty
                .ok_or_else(|| format!("{name}: {}", &op[2..]))?
                .to_string(),
            _ if op.starts_with('?') => set
                .ok_or_else(|| format!("{name}: {}", &op[1..]))?
                .to_string(),
            _ => return Err(format!("unknown interpolation {expr:?}")),
        };
        out.push_str(&value);
    }
    out.push_str(rest);
    Ok(out)
}

/// A service's environment after interpolation.
fn environment(
    compose: &Value,
    name: &str,
    env: &HashMap<&str, &str>,
) -> Result<HashMap<String, String>, String> {
    let mut resolved = HashMap::new();
    for (key, value) in service(compose, name)["environment"]
        .as_mapping()
        .expect("environment is a mapping")
    {
        let key = key.as_str().expect("a variable name").to_owned();
        let value = match value {
            Value::String(text) => interpolate(text, env)?,
            Value::Null => String::new(),
            other => serde_norway::to_string(other)
                .expect("a scalar")
                .trim()
                .to_owned(),
        };
        resolved.insert(key, value);
    }
    Ok(resolved)
}

/// The `ENV` the Dockerfile's last stage sets.
fn image_env() -> HashMap<String, String> {
    let dockerfile = read("Dockerfile");
    let runtime = dockerfile
        .rsplit("\nFROM ")
        .next()
        .expect("a runtime stage");
    let joined = runtime.replace("\\\n", " ");
    let line = joined
        .lines()
        .find(|line| line.starts_with("ENV "))
        .expect("the runtime stage sets ENV");
    line["ENV ".len()..]
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// What the bot's settings make of the container's environment: the
/// image's ENV, then the compose service's, with the config file the image
/// copies from `config/`.
fn bot_settings(env: &HashMap<&str, &str>) -> Settings {
    let compose = compose();
    let mut container = image_env();
    container.extend(environment(&compose, "bot", env).expect("interpolates"));
    let config = container
        .get("CLARITY_CONFIG")
        .expect("the image names its config file")
        .replace("/app/config/", &format!("{}/config/", root().display()));
    container.insert("CLARITY_CONFIG".into(), config);
    Settings::load(|key| container.get(key).cloned().filter(|v| !v.is_empty()))
        .unwrap_or_else(|e| panic!("the bot would not start: {e}"))
}

fn tokens() -> HashMap<&'static str, &'static str> {
    HashMap::from([
        ("SLACK_BOT_TOKEN", "xoxb-1-compose"),
        ("SLACK_APP_TOKEN", "xapp-1-compose"),
    ])
}

#[test]
fn with_only_the_two_tokens_compose_starts_the_bot_in_socket_mode_on_postgresql() {
    let compose = compose();
    assert_eq!(started(&compose, None), ["postgres", "bot"]);
    let settings = bot_settings(&tokens());
    assert!(settings.app_token.is_some(), "Socket Mode is on");
    assert!(settings.signing_secret.is_none(), "no HTTP mode by default");
    assert_eq!(Backend::of(&settings.database_url).name(), "postgres");
    assert_eq!(settings.bind.port(), 3000);
    settings
        .require_for_serve()
        .expect("serve has all it needs");
}

#[test]
fn without_the_bot_token_compose_refuses_to_start_and_names_it() {
    let compose = compose();
    let env = HashMap::from([("SLACK_APP_TOKEN", "xapp-1-compose")]);
    let err = environment(&compose, "bot", &env).expect_err("a required variable");
    assert!(err.starts_with("SLACK_BOT_TOKEN"), "{err}");
}

#[test]
fn the_database_password_comes_from_postgres_password_and_never_sits_in_the_url() {
    let compose = compose();
    let mut env = tokens();
    env.insert("POSTGRES_PASSWORD", "p@ss:w/rd %?#");
    let bot = environment(&compose, "bot", &env).expect("interpolates");
    let postgres = environment(&compose, "postgres", &env).expect("interpolates");
    assert_eq!(postgres["POSTGRES_PASSWORD"], "p@ss:w/rd %?#");
    assert_eq!(bot["PGPASSWORD"], postgres["POSTGRES_PASSWORD"]);
    let url = &bot["DATABASE_URL"];
    assert!(url.starts_with("postgres://"), "{url}");
    let authority = url["postgres://".len()..].split('/').next().unwrap_or("");
    let (user, host) = authority.split_once('@').expect("a user and a host");
    assert!(!user.contains(':'), "the URL holds a password: {url}");
    assert_eq!(user, postgres["POSTGRES_USER"]);
    assert_eq!(host, "postgres:5432");
    assert!(url.ends_with(&format!("/{}?sslmode=disable", postgres["POSTGRES_DB"])));
    // Without POSTGRES_PASSWORD both sides default to the same one.
    let bot = environment(&compose, "bot", &tokens()).expect("interpolates");
    let postgres = environment(&compose, "postgres", &tokens()).expect("interpolates");
    assert_eq!(bot["PGPASSWORD"], postgres["POSTGRES_PASSWORD"]);
}

#[test]
fn the_http_profile_adds_caddy_with_https_for_the_domain_in_front_of_the_same_bot() {
    let compose = compose();
    assert_eq!(
        started(&compose, Some("http")),
        ["postgres", "bot", "caddy"]
    );
    let caddy = service(&compose, "caddy");
    assert!(caddy.get("build").is_none());
    let ports: Vec<&str> = caddy["ports"]
        .as_sequence()
        .expect("ports")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        ports.contains(&"80:80") && ports.contains(&"443:443"),
        "{ports:?}"
    );
    let mounts: Vec<&str> = caddy["volumes"]
        .as_sequence()
        .expect("volumes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        mounts.contains(&"./Caddyfile:/etc/caddy/Caddyfile:ro"),
        "{mounts:?}"
    );
    assert!(
        mounts.iter().any(|m| m.ends_with(":/data")),
        "certificates persist: {mounts:?}"
    );
    let mut env = tokens();
    env.insert("SLACK_SIGNING_SECRET", "shh");
    env.insert("CLARITY_DOMAIN", "clarity.example.org");
    let caddy_env = environment(&compose, "caddy", &env).expect("interpolates");
    assert_eq!(caddy_env["CLARITY_DOMAIN"], "clarity.example.org");
    let entrypoint = serde_norway::to_string(&caddy["entrypoint"]).expect("entrypoint");
    assert!(
        entrypoint.contains("CLARITY_DOMAIN"),
        "a missing domain is named"
    );

    let settings = bot_settings(&env);
    assert!(settings.signing_secret.is_some(), "HTTP mode is on");

    // Caddy serves the domain from the environment and forwards Slack's
    // routes to the bot's port, which is where the image listens.
    let caddyfile = read("Caddyfile");
    let site = caddyfile
        .lines()
        .find(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .expect("a site block");
    assert_eq!(site.trim(), "{$CLARITY_DOMAIN} {");
    assert!(caddyfile.contains("handle /slack/*"), "{caddyfile}");
    assert!(
        caddyfile.contains(&format!("reverse_proxy bot:{}", settings.bind.port())),
        "{caddyfile}"
    );
    assert!(caddyfile.contains("health_uri /readyz"), "{caddyfile}");
    assert!(!caddyfile.contains("/metrics {"), "metrics stay private");
}

#[test]
fn one_image_is_built_once_and_every_service_waits_for_what_it_needs_to_be_healthy() {
    let compose = compose();
    let built: Vec<String> = services(&compose)
        .into_iter()
        .filter(|name| service(&compose, name).get("build").is_some())
        .collect();
    assert_eq!(built, ["bot"], "only the bot is built");
    assert_eq!(service(&compose, "bot")["image"], "clarity-bot:local");
    for name in services(&compose) {
        let test = serde_norway::to_string(&service(&compose, &name)["healthcheck"]["test"])
            .expect("healthcheck");
        assert!(test.contains("CMD"), "{name} has a healthcheck: {test}");
    }
    let bot_check = serde_norway::to_string(&service(&compose, "bot")["healthcheck"]["test"])
        .expect("healthcheck");
    assert!(bot_check.contains("/dev/tcp/127.0.0.1/3000"), "{bot_check}");
    assert!(bot_check.contains("GET /readyz"), "{bot_check}");
    assert_eq!(
        service(&compose, "bot")["depends_on"]["postgres"]["condition"],
        "service_healthy"
    );
    assert_eq!(
        service(&compose, "caddy")["depends_on"]["bot"]["condition"],
        "service_healthy"
    );
    let published = service(&compose, "bot").get("ports");
    assert!(published.is_none(), "Socket Mode needs no published port");
}

#[test]
fn the_dockerfile_caches_the_dependencies_in_a_layer_before_the_source() {
    let dockerfile = read("Dockerfile");
    let stages: Vec<&str> = dockerfile
        .lines()
        .filter(|line| line.starts_with("FROM "))
        .filter_map(|line| line.split(" AS ").nth(1))
        .collect();
    assert_eq!(stages, ["chef", "planner", "build", "runtime"]);
    let build = dockerfile
        .split("\nFROM ")
        .find(|stage| stage.starts_with("chef AS build"))
        .expect("the build stage");
    let cook = build
        .find("cargo chef cook")
        .expect("dependencies are cooked");
    let source = build.find("COPY . .").expect("then the source is copied");
    let compile = build
        .find("cargo build --release --locked --bin clarity-bot")
        .expect("and the bot is built");
    assert!(cook < source && source < compile, "{build}");
    assert!(
        build[..cook].contains("COPY --from=planner /src/recipe.json"),
        "only the recipe comes before the cook: {build}"
    );
    let runtime = dockerfile.rsplit("\nFROM ").next().expect("runtime");
    assert!(runtime.contains("COPY --from=build /src/target/release/clarity-bot"));
    assert!(
        runtime.contains("\nUSER clarity"),
        "runs as a non-root user"
    );
    assert!(runtime.contains("ENTRYPOINT [\"clarity-bot\"]"));
    let ignored = read(".dockerignore");
    for path in ["target", ".git"] {
        assert!(
            ignored.lines().any(|l| l == path),
            ".dockerignore keeps out {path}"
        );
    }
}

/// A PostgreSQL server that asks for a cleartext password and keeps it.
fn fake_postgres() -> (u16, std::thread::JoinHandle<Option<String>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().ok()?;
        let read_message = |stream: &mut std::net::TcpStream, tagged: bool| -> Option<Vec<u8>> {
            if tagged {
                let mut tag = [0u8; 1];
                stream.read_exact(&mut tag).ok()?;
            }
            let mut len = [0u8; 4];
            stream.read_exact(&mut len).ok()?;
            let mut body = vec![0u8; (u32::from_be_bytes(len) as usize).saturating_sub(4)];
            stream.read_exact(&mut body).ok()?;
            Some(body)
        };
        let mut startup = read_message(&mut stream, false)?;
        // An SSL request (sslmode=prefer) is answered "no" and followed
        // by the real start-up message.
        if startup == [0x04, 0xd2, 0x16, 0x2f] {
            stream.write_all(b"N").ok()?;
            startup = read_message(&mut stream, false)?;
        }
        let _ = startup;
        // AuthenticationCleartextPassword.
        stream.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 3]).ok()?;
        let password = read_message(&mut stream, true)?;
        let mut error = Vec::new();
        for field in [
            &b"SFATAL"[..],
            b"C28P01",
            b"Mpassword authentication failed",
        ] {
            error.extend_from_slice(field);
            error.push(0);
        }
        error.push(0);
        let mut reply = vec![b'E'];
        reply.extend_from_slice(&(error.len() as u32 + 4).to_be_bytes());
        reply.extend_from_slice(&error);
        let _ = stream.write_all(&reply);
        let text = String::from_utf8(password).ok()?;
        Some(text.trim_end_matches('\0').to_owned())
    });
    (port, server)
}

#[test]
fn the_bot_sends_pgpassword_as_it_is_when_the_database_url_has_no_password() {
    let compose = compose();
    let bot = environment(&compose, "bot", &tokens()).expect("interpolates");
    let (port, server) = fake_postgres();
    let url = bot["DATABASE_URL"].replace("@postgres:5432/", &format!("@127.0.0.1:{port}/"));
    let password = "p@ss:w/rd %?#é";
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_clarity-bot"))
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .env("PGPASSWORD", password)
        .env("CLARITY_CONFIG", root().join("config/clarity.toml"))
        .output()
        .expect("the binary runs");
    let received = server.join().expect("the fake server ends");
    assert_eq!(received.as_deref(), Some(password));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("password authentication failed"),
        "{stderr}"
    );
    assert!(!stderr.contains(password), "{stderr}");
}
