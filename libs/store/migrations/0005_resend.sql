-- An operator's resend starts a callback's schedule and deadline afresh:
-- the attempts before it stay in the log, but do not count towards the
-- next wait or the deadline.
alter table callbacks add column resent_at timestamptz;
alter table callbacks add column attempts_before_resend integer not null default 0;
alter table callbacks add column resent_by text;
create index callbacks_by_status on callbacks (status, platform_id, created_at);
