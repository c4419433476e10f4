-- The documents are PDFs (already deflated) and small XML: PostgreSQL's
-- TOAST compression only spends CPU on them. Stored out of line, as is.
alter table documents alter column content set storage external;
