//! Socket Mode's side of the fake Slack: a websocket server on 127.0.0.1
//! that the fake `apps.connections.open` hands out, a handle per connection
//! the bot opens (send envelopes, read its acks), and envelopes built from
//! Slack's own frames in `tests/fixtures/slack/socket_mode_*.json`.

use crate::helpers::*;
use futures::{SinkExt, StreamExt};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// How long a test waits for the bot to connect or answer a frame.
const DEADLINE: Duration = Duration::from_secs(15);

/// The websocket end of Socket Mode: every connection the bot opens.
pub struct FakeSocket {
    pub url: String,
    connections: mpsc::UnboundedReceiver<WebSocketStream<TcpStream>>,
}

impl FakeSocket {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake Socket Mode server");
        let port = listener.local_addr().expect("addr").port();
        let (opened, connections) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let opened = opened.clone();
                tokio::spawn(async move {
                    if let Ok(socket) = tokio_tungstenite::accept_async(stream).await {
                        let _ = opened.send(socket);
                    }
                });
            }
        });
        Self {
            url: format!("ws://127.0.0.1:{port}/link/?ticket=test-ticket"),
            connections,
        }
    }

    /// The next connection the bot opens (deadline 15 s).
    pub async fn next_connection(&mut self) -> SocketPeer {
        let socket = tokio::time::timeout(DEADLINE, self.connections.recv())
            .await
            .expect("timed out waiting for the bot to open a Socket Mode connection")
            .expect("the fake Socket Mode server is running");
        SocketPeer { socket }
    }

    /// The next connection, greeted with Slack's `hello`.
    pub async fn next_greeted_connection(&mut self) -> SocketPeer {
        let mut peer = self.next_connection().await;
        peer.send(&fixture("socket_mode_hello.json")).await;
        peer
    }
}

/// Slack's end of one Socket Mode connection.
pub struct SocketPeer {
    socket: WebSocketStream<TcpStream>,
}

impl SocketPeer {
    pub async fn send(&mut self, frame: &str) {
        self.socket
            .send(Message::Text(frame.into()))
            .await
            .expect("the bot's connection is open");
    }

    /// The next text frame the bot sends, as JSON (deadline 15 s; pings are
    /// answered by tungstenite and skipped).
    pub async fn next_frame(&mut self) -> Value {
        let read = async {
            loop {
                match self.socket.next().await {
                    Some(Ok(Message::Text(text))) => {
                        return serde_json::from_str::<Value>(&text).expect("the bot sends JSON");
                    }
                    Some(Ok(Message::Close(_))) | None => {
                        panic!("the bot closed the connection instead of answering")
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(err)) => panic!("the bot's connection failed: {err}"),
                }
            }
        };
        tokio::time::timeout(DEADLINE, read)
            .await
            .expect("timed out waiting for a frame from the bot")
    }

    /// Ends the connection with a websocket Close frame, as Slack does.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }

    /// Reads the next frame and checks it acknowledges `envelope_id`
    /// (frames are answered in order on one connection).
    pub async fn ack(&mut self, envelope_id: &str) -> Value {
        let frame = self.next_frame().await;
        assert_eq!(frame["envelope_id"], envelope_id, "{frame}");
        frame
    }
}

/// A bot with Socket Mode on `backend` (one connection), with HTTP's
/// signing secret too when `http_too`, and the fake websocket server.
pub async fn spawn_socket_app(backend: Backend, http_too: bool) -> (TestApp, FakeSocket) {
    let slack = FakeSlack::start().await;
    spawn_socket_app_on(backend, http_too, slack, "").await
}

/// As [`spawn_socket_app`], with a fake Slack the test set up and more
/// config TOML.
pub async fn spawn_socket_app_on(
    backend: Backend,
    http_too: bool,
    slack: FakeSlack,
    config: &str,
) -> (TestApp, FakeSocket) {
    let db = TestDb::create(backend).await;
    let socket = FakeSocket::start().await;
    slack.serve_socket_mode(&socket.url);
    let mut settings = settings(
        &db,
        &slack,
        &format!("[socket_mode]\nconnections = 1\nreconnect_secs = 1\n{config}"),
    );
    settings.app_token = Some(SecretString::from(APP_TOKEN));
    if !http_too {
        settings.signing_secret = None;
    }
    (spawn_with(db, slack, settings).await, socket)
}

pub const APP_TOKEN: &str = "xapp-1-A111-1234-test-app-token";

/// An `events_api` envelope: Slack's `socket_mode_events_api_message.json`
/// with its envelope id, event id, channel, ts and text replaced.
pub fn events_envelope(
    envelope_id: &str,
    event_id: &str,
    channel: &str,
    ts: &str,
    text: &str,
) -> String {
    let mut frame = fixture_json("socket_mode_events_api_message.json");
    frame["envelope_id"] = json!(envelope_id);
    let payload = &mut frame["payload"];
    payload["event_id"] = json!(event_id);
    let event = &mut payload["event"];
    event["text"] = json!(text);
    event["ts"] = json!(ts);
    event["event_ts"] = json!(ts);
    event["channel"] = json!(channel);
    frame.to_string()
}

/// A `slash_commands` envelope: Slack's `socket_mode_slash_commands.json` as
/// `/clarity TEXT`, its response_url on the fake Slack (as over HTTP).
pub fn command_envelope(app: &TestApp, envelope_id: &str, text: &str) -> String {
    let mut frame = fixture_json("socket_mode_slash_commands.json");
    frame["envelope_id"] = json!(envelope_id);
    let payload = &mut frame["payload"];
    payload["command"] = json!("/clarity");
    payload["text"] = json!(text);
    payload["response_url"] = json!(format!("{}response", app.slack.base_url));
    frame.to_string()
}
