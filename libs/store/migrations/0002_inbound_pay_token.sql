-- The Payurl token an accepted application was answered with. A platform
-- retry that finds its command unconfirmed republishes it with this same
-- token, so the link the bidder already has keeps working.
alter table inbound_requests add column pay_token text;
