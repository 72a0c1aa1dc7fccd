-- An outbox row names what it sends (respond::outgoing::Outgoing): `post`,
-- `flag_reply`, `dm`, `digest`, `update` or `delete`, not the Slack method;
-- its payload stays the Slack call that sends it. Rows queued before are
-- named after what they are: a post with a flag is that flag's reply, one
-- a digest row points at is that digest.
ALTER TABLE outbox RENAME COLUMN method TO kind;
UPDATE outbox SET kind = 'flag_reply' WHERE kind = 'chat.postMessage' AND flag_id IS NOT NULL;
UPDATE outbox SET kind = 'digest' WHERE kind = 'chat.postMessage'
    AND id IN (SELECT outbox_id FROM digests WHERE outbox_id IS NOT NULL);
UPDATE outbox SET kind = 'post' WHERE kind = 'chat.postMessage';
UPDATE outbox SET kind = 'update' WHERE kind = 'chat.update';
UPDATE outbox SET kind = 'delete' WHERE kind = 'chat.delete';
