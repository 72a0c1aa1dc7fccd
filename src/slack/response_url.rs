//! A `response_url` from a signed payload (a command's or a click's): where
//! a late or private answer goes. Only Slack's hooks, or the configured
//! Slack API's own host (the fake Slack in tests), are posted to. The URL
//! grants posting rights: it is never logged.

/// Whether a `response_url` may be posted to: Slack's hooks over HTTPS, or
/// the configured Slack API's own host.
fn trusted(url: &reqwest::Url, slack_api_url: &str) -> bool {
    let slack_hooks = url.scheme() == "https" && url.host_str() == Some("hooks.slack.com");
    let same_as_api = reqwest::Url::parse(slack_api_url).is_ok_and(|api| {
        api.scheme() == url.scheme()
            && api.host_str() == url.host_str()
            && api.port_or_known_default() == url.port_or_known_default()
    });
    slack_hooks || same_as_api
}

/// Posts `body` to a `response_url`, if it is one to trust. Failures are
/// logged, never the URL.
pub async fn post(response_url: &str, slack_api_url: &str, body: &serde_json::Value) {
    let url = match reqwest::Url::parse(response_url) {
        Ok(url) if trusted(&url, slack_api_url) => url,
        _ => {
            tracing::warn!("no usable response_url");
            return;
        }
    };
    let client = reqwest::Client::new();
    let result = client
        .post(url)
        .timeout(std::time::Duration::from_secs(10))
        .json(body)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status);
    if let Err(err) = result {
        tracing::warn!(status = ?err.status(), "could not deliver an answer to a response_url");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_answers_go_only_to_slack_hooks_or_the_configured_api_host() {
        let parse = |url: &str| reqwest::Url::parse(url).expect("a URL");
        let api = "https://slack.com/api/";
        assert!(trusted(
            &parse("https://hooks.slack.com/commands/T1/2/x"),
            api
        ));
        assert!(!trusted(
            &parse("http://hooks.slack.com/commands/T1/2/x"),
            api
        ));
        assert!(!trusted(&parse("https://evil.example/commands"), api));
        let fake = "http://127.0.0.1:4000/api/";
        assert!(trusted(&parse("http://127.0.0.1:4000/api/response"), fake));
        assert!(!trusted(&parse("http://127.0.0.1:4001/api/response"), fake));
    }
}
