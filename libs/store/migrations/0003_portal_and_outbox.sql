-- What the bidder portal, the ops API and the event outbox need.

-- Messages to publish, written in the same transaction as the change they
-- announce. A relay publishes them after commit and marks them; a sweeper
-- publishes what a crash left behind. Consumers deduplicate on `id`.
create table outbox (
    id            uuid primary key,       -- the AMQP message_id
    routing_key   text not null,
    kind          text not null,          -- the AMQP type, e.g. application.v1
    body          jsonb not null,
    created_at    timestamptz not null default now(),
    published_at  timestamptz
);
create index outbox_unpublished on outbox (created_at) where published_at is null;

-- Every step of an application: the ops timeline, and who decided what,
-- when and why (a referral's decision names the operator).
create table application_history (
    application_id  uuid not null references applications (id),
    seq             integer not null,
    at              timestamptz not null default now(),
    from_status     text,
    to_status       text not null,
    event           text not null,
    actor           text not null,        -- platform, underwriting, bidder, ops:<name>
    note            text,
    primary key (application_id, seq)
);

-- The profile the bidder completes on the portal (getbaohaninfo's fields)
-- is personal data too.
alter table personal_data drop constraint personal_data_kind_check;
alter table personal_data add constraint personal_data_kind_check check (kind in
    ('id_number', 'phone', 'bank_account', 'person_name', 'address', 'email', 'account_name'));

-- The bidder's uploads: one current file of each kind per application.
alter table documents drop constraint documents_kind_check;
alter table documents add constraint documents_kind_check check (kind in
    ('letter', 'invoice', 'attachment', 'claim_evidence',
     'qualification', 'businesslicense', 'voucher'));
create unique index documents_one_upload_per_kind on documents (application_id, kind)
    where kind in ('qualification', 'businesslicense', 'voucher');

-- At most one live payment per application: paying twice is refused by
-- the database as well as by the state machine.
alter table payments add constraint payments_channel_check check (channel in ('sandbox', 'transfer'));
alter table payments add column confirmed_by text;
create unique index payments_one_live on payments (application_id)
    where status in ('pending', 'paid');

-- The portal finds an application not yet decided by its Payurl token.
create index inbound_requests_pay_token on inbound_requests (pay_token)
    where pay_token is not null;

-- Messages to the bidder (the ELY payment link by SMS). The number is not
-- copied here: `recipient_field` names the personal_data row it is in.
create table notifications (
    id               uuid primary key,
    application_id   uuid not null references applications (id),
    channel          text not null check (channel in ('sms')),
    recipient_field  text not null,
    body             text not null,
    status           text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
    attempts         integer not null default 0,
    last_error       text,
    created_at       timestamptz not null default now(),
    sent_at          timestamptz
);
create index notifications_pending on notifications (created_at) where status = 'pending';

-- The guarantee's states, as baohan_domain::guarantee names them.
alter table guarantees drop constraint guarantees_status_check;
alter table guarantees add constraint guarantees_status_check check (status in
    ('issued', 'surrendered', 'invalidated', 'claimed', 'expired'));
