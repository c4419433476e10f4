-- The whole lifecycle of a guarantee, from the platform's call to the last
-- callback. Money is integer fen (bigint); times are timestamptz. Status
-- columns are text with CHECK constraints, which are easier to extend than
-- PostgreSQL enums.

-- Every inbound call we accepted, once per business key: the journal that
-- makes retries idempotent. Rejected calls leave no row.
create table inbound_requests (
    id              uuid primary key,      -- the command's message id
    platform_id     text not null,
    interface       text not null,         -- baohanapply, ELY101, ...
    dedupe_key      text not null,         -- applyno, applicationId, or the content digest
    content_digest  text not null,         -- SM3 of the decrypted business fields
    msgcode         text,                  -- ELY only; unique per platform
    reply           jsonb not null,        -- the business answer, replayed to identical retries
    received_at     timestamptz not null default now(),
    published_at    timestamptz,           -- when the broker confirmed the command
    unique (platform_id, interface, dedupe_key)
);
create unique index inbound_requests_msgcode
    on inbound_requests (platform_id, msgcode) where msgcode is not null;

-- Messages each consumer has already applied: at-least-once delivery and
-- journal replays become harmless.
create table processed_messages (
    consumer      text not null,
    message_id    uuid not null,
    processed_at  timestamptz not null default now(),
    primary key (consumer, message_id)
);

create table applications (
    id                    uuid primary key,
    platform_id           text not null,
    protocol              text not null check (protocol in ('fujian', 'ely')),
    external_no           text not null,   -- Fujian applyno, ELY applicationId
    status                text not null,
    applicant_name        text not null,
    applicant_credit_code text not null,
    project_code          text,
    project_name          text,
    guarantee_amount_fen  bigint not null check (guarantee_amount_fen >= 0),
    premium_fen           bigint check (premium_fen >= 0),
    -- SM3 of the Payurl token: the portal finds the application by it.
    pay_token_digest      text unique,
    -- The other request fields. Never personal data: that is below.
    details               jsonb not null default '{}',
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now(),
    unique (platform_id, external_no)
);

-- ID-card numbers, phone numbers, bank accounts and personal names, kept
-- apart from everything else so that one table (one column) is what gets
-- encrypted at rest, and what access is audited on.
create table personal_data (
    owner_kind  text not null check (owner_kind in ('application', 'claim', 'refund', 'payment')),
    owner_id    uuid not null,
    field       text not null,   -- the wire field it came from, e.g. legalIdNo
    kind        text not null check (kind in ('id_number', 'phone', 'bank_account', 'person_name')),
    value       text not null,
    primary key (owner_kind, owner_id, field)
);

create table guarantees (
    id              uuid primary key,
    application_id  uuid not null unique references applications (id),
    guarantee_no    text not null unique,
    amount_fen      bigint not null check (amount_fen >= 0),
    status          text not null check (status in ('issued', 'cancelled', 'claimed', 'refunded', 'expired')),
    valid_from      timestamptz not null,
    valid_to        timestamptz not null check (valid_to > valid_from),
    issued_at       timestamptz not null,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);

create table documents (
    id              uuid primary key,
    application_id  uuid not null references applications (id),
    guarantee_id    uuid references guarantees (id),
    kind            text not null check (kind in ('letter', 'invoice', 'attachment', 'claim_evidence')),
    file_name       text not null,
    media_type      text not null,
    content         bytea not null,
    sm3             text not null,
    created_at      timestamptz not null default now()
);
create index documents_by_application on documents (application_id);

create table payments (
    id              uuid primary key,
    application_id  uuid not null references applications (id),
    amount_fen      bigint not null check (amount_fen > 0),
    channel         text not null,
    gateway_ref     text unique,
    status          text not null check (status in ('pending', 'paid', 'failed', 'refunded')),
    paid_at         timestamptz,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
create index payments_by_application on payments (application_id);

create table claims (
    id                 uuid primary key,
    guarantee_id       uuid not null references guarantees (id),
    platform_claim_no  text not null,
    amount_fen         bigint not null check (amount_fen >= 0),
    reason             text,
    status             text not null check (status in ('received', 'accepted', 'rejected', 'paid')),
    result_note        text,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),
    unique (guarantee_id, platform_claim_no)
);

create table refunds (
    id              uuid primary key,
    application_id  uuid not null references applications (id),
    payment_id      uuid references payments (id),
    amount_fen      bigint not null check (amount_fen > 0),
    reason          text not null,
    status          text not null check (status in ('requested', 'succeeded', 'failed')),
    gateway_ref     text,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
create index refunds_by_application on refunds (application_id);

-- Callbacks to a platform, delivered in order per subject (an application).
create table callbacks (
    id               uuid primary key,
    platform_id      text not null,
    interface        text not null,        -- baohannotice, ELY102, ...
    subject          text not null,        -- the application's external_no
    seq              bigint not null,      -- order within the subject
    payload          jsonb not null,       -- business fields, before signing
    status           text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
    attempts         integer not null default 0,
    next_attempt_at  timestamptz not null default now(),
    created_at       timestamptz not null default now(),
    delivered_at     timestamptz,
    unique (platform_id, subject, seq)
);
create index callbacks_due on callbacks (next_attempt_at) where status = 'pending';

create table callback_attempts (
    callback_id  uuid not null references callbacks (id),
    attempt      integer not null,
    started_at   timestamptz not null,
    finished_at  timestamptz,
    http_status  integer,
    outcome      text not null check (outcome in ('delivered', 'refused', 'timeout', 'error')),
    detail       text,
    primary key (callback_id, attempt)
);
