//! A client that sends a request a byte a second is disconnected after the
//! read timeout (10 s for the headers, 10 s for the body), instead of
//! holding its connection as long as it likes. Each test takes ~10 s.

use crate::helpers::*;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Comfortably past the bot's 10-second read timeout.
const DEADLINE: Duration = Duration::from_secs(25);

/// Sends `head` at once, then one byte of `trickle` (repeated) a second,
/// until the bot closes the connection; returns what the bot answered and
/// how long it took. Panics if the connection is still open at [`DEADLINE`].
async fn trickle_until_closed(app: &TestApp, head: &[u8], trickle: &[u8]) -> (String, Duration) {
    let address = app.address.trim_start_matches("http://");
    let stream = TcpStream::connect(address).await.expect("connects");
    let (mut reader, mut writer) = stream.into_split();
    let started = Instant::now();
    let send = async {
        writer.write_all(head).await?;
        for byte in trickle.iter().cycle() {
            writer.write_all(&[*byte]).await?;
            // The client's pace, not a wait for the bot.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Ok::<(), std::io::Error>(())
    };
    let answer = async {
        let mut answer = Vec::new();
        // Ends at end of stream or when the connection is reset.
        let _ = reader.read_to_end(&mut answer).await;
        answer
    };
    let closed = tokio::time::timeout(DEADLINE, async {
        tokio::select! {
            answer = answer => answer,
            // A write failed: the bot has closed the connection.
            _ = send => Vec::new(),
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the connection was still open after {DEADLINE:?}"));
    (
        String::from_utf8_lossy(&closed).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trickling_its_headers_is_disconnected_after_the_read_timeout() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, took) = trickle_until_closed(
        &app,
        b"POST /slack/events HTTP/1.1\r\nhost: 127.0.0.1\r\nx-padding: ",
        b"a",
    )
    .await;
    assert!(took >= Duration::from_secs(5), "closed too soon: {took:?}");
    // The bot still serves everyone else.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trickling_its_body_gets_408_and_is_disconnected() {
    let app = spawn_app(Backend::Sqlite).await;
    let (answer, took) = trickle_until_closed(
        &app,
        b"POST /slack/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n",
        b"{",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took >= Duration::from_secs(5), "closed too soon: {took:?}");
    assert_eq!(app.get("/healthz").await.status(), 200);
}
