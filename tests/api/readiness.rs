//! `/readyz` tells the load balancer the truth: 503 while the database
//! cannot take the bot's writes (a full disk) or lacks a table, 200 again
//! as soon as it can.

use crate::helpers::*;

crate::sqlite_and_postgres! {
    a_table_dropped_after_start_up_makes_readyz_fail => a_table_dropped_after_start_up_makes_readyz_fail;
    while_every_write_fails_readyz_answers_503_and_recovers_with_the_disk => while_every_write_fails_readyz_answers_503_and_recovers_with_the_disk;
    when_the_workers_cannot_write_readyz_answers_503 => when_the_workers_cannot_write_readyz_answers_503;
}

const ASK: &str = "before we go further we need to get aligned on the Q3 roadmap";

async fn ready_status(app: &TestApp) -> u16 {
    app.get("/readyz").await.status().as_u16()
}

/// Makes the database refuse `operations` (`INSERT`, `UPDATE`) on the inbox
/// the way a full disk refuses every write.
async fn fill_the_disk(app: &TestApp, operations: &[&str]) {
    let pool = app.app.store.pool();
    match app.app.store.backend() {
        Backend::Sqlite => {
            for operation in operations {
                sqlx::query(&format!(
                    "CREATE TRIGGER disk_full_{operation} BEFORE {operation} ON events \
                     BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
                ))
                .execute(pool)
                .await
                .expect("trigger");
            }
        }
        Backend::Postgres => {
            sqlx::query(
                "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' \
                 USING ERRCODE = 'disk_full'; END $$",
            )
            .execute(pool)
            .await
            .expect("function");
            sqlx::query(&format!(
                "CREATE TRIGGER disk_full BEFORE {} ON events FOR EACH ROW EXECUTE FUNCTION disk_full()",
                operations.join(" OR ")
            ))
            .execute(pool)
            .await
            .expect("trigger");
        }
    }
}

async fn free_the_disk(app: &TestApp, operations: &[&str]) {
    let pool = app.app.store.pool();
    let statements: Vec<String> = match app.app.store.backend() {
        Backend::Sqlite => operations
            .iter()
            .map(|operation| format!("DROP TRIGGER disk_full_{operation}"))
            .collect(),
        Backend::Postgres => vec!["DROP TRIGGER disk_full ON events".to_string()],
    };
    for statement in statements {
        sqlx::query(&statement)
            .execute(pool)
            .await
            .expect("drop trigger");
    }
}

async fn stored_events(app: &TestApp) -> Vec<String> {
    // A worked event leaves the inbox; its id stays in seen_events.
    sqlx::query_scalar(
        "SELECT event_id FROM events UNION ALL SELECT event_id FROM seen_events ORDER BY 1",
    )
    .fetch_all(app.app.store.pool())
    .await
    .expect("events")
}

async fn a_table_dropped_after_start_up_makes_readyz_fail(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(ready_status(&app).await, 200);
    sqlx::query("DROP TABLE thread_context")
        .execute(app.app.store.pool())
        .await
        .expect("drop");
    assert_eq!(ready_status(&app).await, 503);
}

async fn while_every_write_fails_readyz_answers_503_and_recovers_with_the_disk(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(ready_status(&app).await, 200);
    fill_the_disk(&app, &["INSERT", "UPDATE"]).await;
    let ask = message_event("EvDiskFull", "C111", "1700006000.000100", None, ASK);
    assert_eq!(
        app.post_event(&ask).await.status(),
        503,
        "an event that could not be stored is not acknowledged"
    );
    assert_eq!(ready_status(&app).await, 503, "not ready while writes fail");
    assert_eq!(
        ready_status(&app).await,
        503,
        "and still not on a second look"
    );

    free_the_disk(&app, &["INSERT", "UPDATE"]).await;
    assert_eq!(ready_status(&app).await, 200, "ready once writes succeed");
    // Slack's retry of the refused event is stored and answered, once.
    assert_eq!(app.post_event(&ask).await.status(), 200);
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 1);
    assert_eq!(stored_events(&app).await, ["EvDiskFull"]);
}

async fn when_the_workers_cannot_write_readyz_answers_503(backend: Backend) {
    let app = spawn_app(backend).await;
    // New rows still fit; updating the inbox (a worker claiming an event)
    // fails.
    fill_the_disk(&app, &["UPDATE"]).await;
    let ask = message_event("EvStuck", "C111", "1700006100.000100", None, ASK);
    assert_eq!(app.post_event(&ask).await.status(), 200);
    wait_for("/readyz to report the failing writes", || async {
        ready_status(&app).await == 503
    })
    .await;
    assert!(app.slack.posts().is_empty());

    free_the_disk(&app, &["UPDATE"]).await;
    assert_eq!(ready_status(&app).await, 200);
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 1);
    assert_eq!(stored_events(&app).await, ["EvStuck"]);
}
