-- The notifier's delivery: callbacks end delivered or dead, and each
-- attempt keeps how long it took and how it failed.
alter table callbacks drop constraint callbacks_status_check;
update callbacks set status = 'dead' where status = 'failed';
alter table callbacks add constraint callbacks_status_check
    check (status in ('pending', 'delivered', 'dead'));
alter table callbacks add column last_error text;
create index callbacks_by_subject on callbacks (platform_id, subject, seq)
    where status <> 'delivered';

alter table callback_attempts add column duration_ms integer;
alter table callback_attempts drop constraint callback_attempts_outcome_check;
alter table callback_attempts add constraint callback_attempts_outcome_check
    check (outcome in ('delivered', 'http_status', 'timeout', 'connect', 'refused',
                       'unreadable', 'error'));
