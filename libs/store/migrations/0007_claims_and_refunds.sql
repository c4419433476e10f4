-- Claims and refunds, as the claims and refunds workers record them.
--
-- A claim is opened by one command: its message id is the claim's number
-- (neither spec numbers claims), so a redelivery finds it. At most one
-- claim per guarantee is open (received or accepted) at a time. The
-- payee's account is personal data (owner_kind 'claim').
alter table claims add column message_id uuid unique;
alter table claims add column payee_name text not null default '';
alter table claims add column payee_open_bank text not null default '';
alter table claims add column gateway_ref text;
alter table claims add column paid_at timestamptz;
create unique index claims_one_open on claims (guarantee_id)
    where status in ('received', 'accepted');

-- One premium refund per application; the callbacks that wait for it
-- (quitnotice, ELY102 08/07) are written when it settles.
alter table refunds add column then_owed jsonb not null default '[]';
alter table refunds add column settled_at timestamptz;
alter table refunds add column failure text;
create unique index refunds_one_per_application on refunds (application_id);
