-- Issuance: the guarantee's documents (the letter, its structured XML, the
-- application form) beside the bidder's uploads, each with the upper-case
-- MD5 the platforms check; and the serial that numbers guarantees.
alter table documents drop constraint documents_kind_check;
alter table documents add constraint documents_kind_check check (kind in
    ('letter', 'invoice', 'attachment', 'claim_evidence',
     'qualification', 'businesslicense', 'voucher',
     'guarantee_xml', 'application_form'));
alter table documents add column md5 text;
create unique index documents_one_issued_per_kind on documents (application_id, kind)
    where kind in ('letter', 'guarantee_xml', 'application_form');

create sequence guarantee_serial;
