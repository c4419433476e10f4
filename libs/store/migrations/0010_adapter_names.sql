-- An application's protocol names the adapter its platform speaks: the two
-- built in (`fujian`, `ely`) or one added beside them, under the same rule
-- as baohan_domain::protocol::AdapterName.
alter table applications drop constraint applications_protocol_check;
alter table applications add constraint applications_protocol_check
    check (protocol ~ '^[a-z][a-z0-9-]{0,31}$');
