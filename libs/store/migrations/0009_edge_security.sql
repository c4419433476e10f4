-- A bank-transfer confirmation takes two operators: one records what the
-- statement shows (the maker), another approves it (the checker), and
-- only then is the application paid. `confirmed_by` stays the approver.
alter table payments add column recorded_by text;
alter table payments add column recorded_at timestamptz;
alter table payments add constraint payments_checker_is_not_maker
    check (confirmed_by is null or recorded_by is null or confirmed_by <> recorded_by);

-- The notifier follows no redirects: a 3xx is a failed attempt of its own
-- kind, with the Location it named in the detail.
alter table callback_attempts drop constraint callback_attempts_outcome_check;
alter table callback_attempts add constraint callback_attempts_outcome_check
    check (outcome in ('delivered', 'http_status', 'timeout', 'connect', 'refused',
                       'unreadable', 'error', 'redirect'));
